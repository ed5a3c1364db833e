// Append-only JSONL files. A line the user was told is saved has been fsync'd; a torn or
// corrupt line is reported with its file and line number and never rewritten.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { describeZodError, SCHEMA_VERSION } from '../records';

export interface BadLine {
  file: string;
  /** 1-based line number. */
  line: number;
  text: string;
  error: string;
}

export interface ReadResult<T> {
  values: T[];
  /** 1-based line number of each value, parallel to `values`. */
  lines: number[];
  bad: BadLine[];
}

/**
 * Parses each non-blank line with `schema`; bad lines are collected, never thrown. `lineOffset`:
 * lines of the file before `text` (for a tail read on its own).
 */
export function parseJsonl<T>(text: string, file: string, schema: z.ZodType<T>, lineOffset = 0): ReadResult<T> {
  const out: ReadResult<T> = { values: [], lines: [], bad: [] };
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const raw = rows[i].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      const torn = i === rows.length - 1 && !text.endsWith('\n');
      out.bad.push({ file, line: lineOffset + i + 1, text: raw, error: torn ? 'incomplete last line (torn write)' : `not JSON: ${(e as Error).message}` });
      continue;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) {
      out.values.push(parsed.data);
      out.lines.push(lineOffset + i + 1);
    } else {
      const v = (json as { v?: unknown } | null)?.v;
      const newer = typeof v === 'number' && v > SCHEMA_VERSION;
      out.bad.push({ file, line: lineOffset + i + 1, text: raw, error: newer ? `written by a newer RLHF Review (schema v${v}, this one reads v${SCHEMA_VERSION}): update the extension` : describeZodError(parsed.error) });
    }
  }
  return out;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** An unterminated last line that is not JSON: torn, or another window's append still landing. */
function endsInPartialLine(buf: Buffer): boolean {
  if (buf.length === 0 || buf[buf.length - 1] === 0x0a) return false;
  try {
    JSON.parse(buf.subarray(buf.lastIndexOf(0x0a) + 1).toString('utf8'));
    return false;
  } catch {
    return true;
  }
}

/** The file's bytes once a large append from another process has finished landing; undefined if absent. */
function readSettled(file: string): Buffer | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
    // A large append from another process becomes visible page by page: while the file is
    // still growing, read again rather than report its half-written line as torn.
    for (let tries = 0; tries < 50 && endsInPartialLine(buf); tries++) {
      Atomics.wait(pause, 0, 0, 10);
      if (fs.statSync(file).size === buf.length) {
        Atomics.wait(pause, 0, 0, 20);
        if (fs.statSync(file).size === buf.length) break;
      }
      buf = fs.readFileSync(file);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return buf;
}

export function readJsonl<T>(file: string, schema: z.ZodType<T>): ReadResult<T> {
  const buf = readSettled(file);
  return buf ? parseJsonl(buf.toString('utf8'), file, schema) : { values: [], lines: [], bad: [] };
}

const EMPTY: ReadResult<never> = { values: [], lines: [], bad: [] };
const concat = <T>(a: ReadResult<T>, b: ReadResult<T>): ReadResult<T> => ({ values: [...a.values, ...b.values], lines: [...a.lines, ...b.lines], bad: [...a.bad, ...b.bad] });

/**
 * Reads one append-only JSONL file again and again, parsing only the lines added since the last
 * read: a store of thousands of records costs a few ms per refresh instead of a full parse.
 * When the bytes already read changed (a rewrite, a merge, a truncation) it reads the file whole.
 */
export class JsonlReader<T> {
  /** Bytes through the last complete line of the previous read, and what they parsed to. */
  private done: Buffer = Buffer.alloc(0);
  private doneLines = 0;
  private parsed: ReadResult<T> = { values: [], lines: [], bad: [] };

  constructor(
    readonly file: string,
    private schema: z.ZodType<T>,
  ) {}

  read(): ReadResult<T> {
    const buf = readSettled(this.file);
    if (!buf) {
      this.reset();
      return concat(this.parsed, EMPTY);
    }
    if (buf.length < this.done.length || !buf.subarray(0, this.done.length).equals(this.done)) this.reset();
    const end = buf.lastIndexOf(0x0a) + 1;
    if (end > this.done.length) {
      const fresh = buf.subarray(this.done.length, end);
      this.parsed = concat(this.parsed, parseJsonl(fresh.toString('utf8'), this.file, this.schema, this.doneLines));
      for (let i = 0; i < fresh.length; i++) if (fresh[i] === 0x0a) this.doneLines++;
      this.done = buf.subarray(0, end);
    }
    // An unterminated last line (torn, or still landing) is parsed on every read, never kept.
    // The result is always a copy: callers never hold the reader's own arrays.
    const tail = end === buf.length ? EMPTY : parseJsonl(buf.subarray(end).toString('utf8'), this.file, this.schema, this.doneLines);
    return concat(this.parsed, tail);
  }

  private reset(): void {
    this.done = Buffer.alloc(0);
    this.doneLines = 0;
    this.parsed = { values: [], lines: [], bad: [] };
  }
}

/**
 * Appends values as lines and fsyncs before returning. One write(2) on an O_APPEND
 * descriptor per call, so writers in other processes never interleave inside a line.
 */
export function appendJsonl(file: string, values: unknown[]): void {
  if (values.length === 0) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let body = values.map((v) => JSON.stringify(v)).join('\n') + '\n';
  const created = !fs.existsSync(file);
  const fd = fs.openSync(file, 'a+');
  try {
    // After a torn write the file does not end in a newline: start on a fresh line so the
    // new record is not glued to the broken one.
    const size = fs.fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) body = '\n' + body;
    }
    const buf = Buffer.from(body, 'utf8');
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // A new file's directory entry must be durable too, or a power cut can lose the first record.
  if (created) syncDir(path.dirname(file));
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the file itself is synced.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
