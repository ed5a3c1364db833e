// Append-only JSONL files. A line the user was told is saved has been fsync'd; a torn or
// corrupt line is reported with its file and line number and never rewritten.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { describeZodError } from '../records';

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

/** Parses each non-blank line with `schema`; bad lines are collected, never thrown. */
export function parseJsonl<T>(text: string, file: string, schema: z.ZodType<T>): ReadResult<T> {
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
      out.bad.push({ file, line: i + 1, text: raw, error: torn ? 'incomplete last line (torn write)' : `not JSON: ${(e as Error).message}` });
      continue;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) {
      out.values.push(parsed.data);
      out.lines.push(i + 1);
    } else {
      out.bad.push({ file, line: i + 1, text: raw, error: describeZodError(parsed.error) });
    }
  }
  return out;
}

export function readJsonl<T>(file: string, schema: z.ZodType<T>): ReadResult<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { values: [], lines: [], bad: [] };
    throw e;
  }
  return parseJsonl(text, file, schema);
}

/**
 * Appends values as lines and fsyncs before returning. One write(2) on an O_APPEND
 * descriptor per call, so writers in other processes never interleave inside a line.
 */
export function appendJsonl(file: string, values: unknown[]): void {
  if (values.length === 0) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let body = values.map((v) => JSON.stringify(v)).join('\n') + '\n';
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
}
