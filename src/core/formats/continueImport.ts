// Import of Continue's local dev-data logs (~/.continue/dev_data/<schema version>/<event>.jsonl).
// Field names follow Continue's published zod schemas (packages/config-yaml/src/schemas/data):
//   editOutcome:     prompt, completion, previousCode, newCode, accepted, filepath, modelName|modelTitle,
//                    modelProvider, timestamp|createdAt, ...
//   chatInteraction: prompt, completion, sessionId, modelName|modelTitle, modelProvider, timestamp|createdAt, ...
// An accepted edit is an implicit preference for the new code over the previous code; a rejected
// edit the reverse. Several different chat responses to the same prompt become one comparison.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  PreferenceRecordSchema,
  SCHEMA_VERSION,
  describeZodError,
  type Candidate,
  type PreferenceRecord,
  type QueueItem,
} from '../records';
import { parseJsonl } from '../store/jsonl';

export const CONTINUE_SOURCE = 'continue';

const modelFields = {
  modelName: z.string().optional(),
  modelTitle: z.string().optional(),
  modelProvider: z.string().optional(),
  timestamp: z.string().optional(),
  createdAt: z.string().optional(),
};

export const ContinueEditOutcomeSchema = z.object({
  prompt: z.string(),
  completion: z.string().optional(),
  previousCode: z.string(),
  newCode: z.string(),
  accepted: z.boolean(),
  filepath: z.string().optional(),
  ...modelFields,
});

export const ContinueChatInteractionSchema = z.object({
  prompt: z.string(),
  completion: z.string(),
  sessionId: z.string().optional(),
  ...modelFields,
});

export interface ContinueSkip {
  file: string;
  line: number;
  reason: string;
}

/** The judgment an accept/reject implies; the host may store it directly or queue the item to confirm. */
export interface ImpliedPreference {
  itemId: string;
  winner: string;
  loser: string;
  basis: 'accepted' | 'rejected';
  /** When Continue logged the outcome (ISO), if it did. */
  at?: string;
}

export interface ContinueImportReport {
  items: QueueItem[];
  implied: ImpliedPreference[];
  /** Log lines that went into an item. */
  taken: number;
  skipped: ContinueSkip[];
}

function emptyReport(): ContinueImportReport {
  return { items: [], implied: [], taken: 0, skipped: [] };
}

function hashId(prefix: string, ...parts: string[]): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return `${prefix}-${h.digest('hex').slice(0, 20)}`;
}

function modelOf(d: { modelName?: string; modelTitle?: string }): string | undefined {
  return d.modelName || d.modelTitle || undefined;
}

function whenOf(d: { timestamp?: string; createdAt?: string }): string | undefined {
  const t = d.timestamp ?? d.createdAt;
  return t && !Number.isNaN(Date.parse(t)) ? new Date(t).toISOString() : undefined;
}

const LANGUAGES: Record<string, string> = {
  ts: 'typescript', tsx: 'typescriptreact', js: 'javascript', jsx: 'javascriptreact', mjs: 'javascript', cjs: 'javascript',
  py: 'python', rs: 'rust', go: 'go', java: 'java', kt: 'kotlin', c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', hpp: 'cpp',
  cs: 'csharp', rb: 'ruby', php: 'php', swift: 'swift', scala: 'scala', sh: 'shellscript', md: 'markdown',
  json: 'json', yaml: 'yaml', yml: 'yaml', html: 'html', css: 'css', sql: 'sql', lua: 'lua', dart: 'dart',
};

/** Continue logs file URIs; the prompt context wants a path. */
function toPath(filepath: string): string {
  if (filepath.startsWith('file://')) {
    try {
      return fileURLToPath(filepath);
    } catch {
      return filepath;
    }
  }
  return filepath;
}

function languageOf(p: string): string | undefined {
  const ext = path.extname(p).slice(1).toLowerCase();
  return LANGUAGES[ext];
}

/**
 * Continue's "noCode" data level logs the event without its prompt and code: a clear reason
 * instead of a schema error when every one of those fields is missing.
 */
function noCodeReason(raw: string, textFields: readonly string[]): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const missing = textFields.filter((f) => !(f in v));
  if (missing.length !== textFields.length) return undefined;
  return `logged without ${textFields.join(', ')} (Continue's "noCode" data level): nothing to review`;
}

/** Parsed rows of JSONL text (the store's parser); unreadable ones go into `skipped`. */
function* rows<T>(
  text: string,
  file: string,
  schema: z.ZodType<T>,
  skipped: ContinueSkip[],
  textFields: readonly string[],
): Generator<{ line: number; raw: string; data: T }> {
  const parsed = parseJsonl(text, file, schema);
  const lines = text.split('\n');
  const bad = [...parsed.bad];
  // Skips are reported in file order, interleaved with the callers' own.
  const skipBadBefore = (line: number) => {
    while (bad.length && bad[0].line < line) {
      const b = bad.shift()!;
      skipped.push({ file, line: b.line, reason: noCodeReason(b.text, textFields) ?? b.error.replace(/^not JSON: (.*)$/s, 'not valid JSON ($1)') });
    }
  };
  for (let k = 0; k < parsed.values.length; k++) {
    const line = parsed.lines[k];
    skipBadBefore(line);
    yield { line, raw: lines[line - 1].replace(/\r$/, ''), data: parsed.values[k] };
  }
  skipBadBefore(Infinity);
}

/** editOutcome.jsonl → one two-candidate item per edit (new code vs previous code) + the implied winner. */
export function parseContinueEditOutcomes(text: string, file: string, now: Date = new Date()): ContinueImportReport {
  const report = emptyReport();
  for (const { line, raw, data } of rows(text, file, ContinueEditOutcomeSchema, report.skipped, ['prompt', 'previousCode', 'newCode'])) {
    const skip = (reason: string) => report.skipped.push({ file, line, reason });
    if (data.prompt.trim() === '') {
      skip('prompt is empty: nothing says what the edit was for');
      continue;
    }
    if (data.previousCode === data.newCode) {
      skip('previousCode and newCode are identical: the edit changed nothing');
      continue;
    }
    const id = hashId('continue-edit', raw);
    const filePath = data.filepath ? toPath(data.filepath) : undefined;
    const edit: Candidate = { id: `${id}-edit`, text: data.newCode, source: CONTINUE_SOURCE };
    const model = modelOf(data);
    if (model) edit.model = model;
    const original: Candidate = { id: `${id}-previous`, text: data.previousCode, source: `${CONTINUE_SOURCE}:previous-code` };
    const context = filePath ? { filePath, language: languageOf(filePath) } : undefined;
    report.items.push({
      id,
      prompt: { instruction: data.prompt, ...(context ? { context } : {}) },
      candidates: [edit, original],
      origin: { kind: 'import', file, line },
      createdAt: now.toISOString(),
    });
    report.implied.push({
      itemId: id,
      winner: data.accepted ? edit.id : original.id,
      loser: data.accepted ? original.id : edit.id,
      basis: data.accepted ? 'accepted' : 'rejected',
      at: whenOf(data),
    });
    report.taken++;
  }
  return report;
}

/** chatInteraction.jsonl → one item per prompt that got two or more different responses. */
export function parseContinueChatInteractions(text: string, file: string, now: Date = new Date()): ContinueImportReport {
  const report = emptyReport();
  const groups = new Map<string, Array<{ line: number; completion: string; model?: string }>>();
  for (const { line, data } of rows(text, file, ContinueChatInteractionSchema, report.skipped, ['prompt'])) {
    if (data.prompt.trim() === '') {
      report.skipped.push({ file, line, reason: 'prompt is empty' });
      continue;
    }
    if (data.completion.trim() === '') {
      report.skipped.push({ file, line, reason: 'completion is empty' });
      continue;
    }
    const g = groups.get(data.prompt) ?? [];
    const same = g.find((x) => x.completion === data.completion);
    if (same) {
      report.skipped.push({ file, line, reason: `same response as line ${same.line}` });
      continue;
    }
    g.push({ line, completion: data.completion, model: modelOf(data) });
    groups.set(data.prompt, g);
  }
  for (const [prompt, g] of groups) {
    if (g.length < 2) {
      report.skipped.push({ file, line: g[0].line, reason: 'only one response to this prompt (a comparison needs two)' });
      continue;
    }
    const id = hashId('continue-chat', prompt, ...g.map((x) => x.completion));
    report.items.push({
      id,
      prompt: { instruction: prompt },
      candidates: g.map((x, k) => ({
        id: `${id}-c${k}`,
        text: x.completion,
        source: CONTINUE_SOURCE,
        ...(x.model ? { model: x.model } : {}),
      })),
      origin: { kind: 'import', file, line: g[0].line },
      createdAt: now.toISOString(),
    });
    report.taken += g.length;
  }
  return report;
}

const FILES = {
  'editOutcome.jsonl': parseContinueEditOutcomes,
  'chatInteraction.jsonl': parseContinueChatInteractions,
} as const;

function merge(into: ContinueImportReport, r: ContinueImportReport): void {
  into.items.push(...r.items);
  into.implied.push(...r.implied);
  into.taken += r.taken;
  into.skipped.push(...r.skipped);
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

/**
 * Reads Continue's dev data from `dir`: either the dev_data folder (every version folder in it)
 * or one version folder, or a single editOutcome.jsonl / chatInteraction.jsonl file.
 */
export async function importContinueDevData(dir: string, now: Date = new Date()): Promise<ContinueImportReport> {
  const report = emptyReport();
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st) throw new Error(`Continue dev data not found: ${dir} does not exist`);

  let files: string[] = [];
  if (st.isFile()) {
    if (!(path.basename(dir) in FILES)) {
      throw new Error(`${dir}: not a Continue dev data file (expected ${Object.keys(FILES).join(' or ')})`);
    }
    files = [dir];
  } else {
    const here = Object.keys(FILES).map((f) => path.join(dir, f));
    files = (await Promise.all(here.map(async (f) => ((await isFile(f)) ? f : undefined)))).filter((f): f is string => !!f);
    if (files.length === 0) {
      const subdirs = (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
      for (const sub of subdirs) {
        for (const f of Object.keys(FILES)) {
          const p = path.join(dir, sub, f);
          if (await isFile(p)) files.push(p);
        }
      }
    }
    if (files.length === 0) {
      throw new Error(`no editOutcome.jsonl or chatInteraction.jsonl under ${dir} (expected ~/.continue/dev_data/<version>/)`);
    }
  }
  for (const f of files) {
    const parse = FILES[path.basename(f) as keyof typeof FILES];
    merge(report, parse(await fs.readFile(f, 'utf8'), f, now));
  }
  return report;
}

/** The preference record an accept/reject implies, validated against the store schema. */
export function impliedPreferenceRecord(
  item: QueueItem,
  implied: ImpliedPreference,
  opts: { now?: Date; reviewer?: string } = {},
): PreferenceRecord {
  if (item.id !== implied.itemId) throw new Error(`implied preference is for item ${implied.itemId}, not ${item.id}`);
  const record = {
    v: SCHEMA_VERSION,
    type: 'preference' as const,
    id: `${item.id}-implied`,
    itemId: item.id,
    prompt: item.prompt,
    candidates: item.candidates,
    judgment: {
      winner: implied.winner,
      rationale: implied.basis === 'accepted' ? 'Implicit: the edit was accepted in Continue.' : 'Implicit: the edit was rejected in Continue.',
      ...(opts.reviewer ? { reviewer: opts.reviewer } : {}),
      judgedAt: implied.at ?? (opts.now ?? new Date()).toISOString(),
    },
  };
  const r = PreferenceRecordSchema.safeParse(record);
  if (!r.success) throw new Error(`implied record for ${item.id} is invalid: ${describeZodError(r.error)}`);
  return r.data;
}

export function formatContinueReport(r: ContinueImportReport): string {
  const head = `Continue import: ${r.items.length} item(s) from ${r.taken} log line(s); ${r.implied.length} implied preference(s).`;
  if (r.skipped.length === 0) return head;
  const lines = r.skipped.slice(0, 20).map((s) => `  ${s.file}:${s.line}: ${s.reason}`);
  const more = r.skipped.length > 20 ? [`  … and ${r.skipped.length - 20} more`] : [];
  return [head, `Skipped ${r.skipped.length} line(s):`, ...lines, ...more].join('\n');
}
