// The preference store: queue items and judgments as append-only JSONL under one folder
// (`.rlhf/` by default). Every state change is a new line; undo is a retraction line.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import {
  PreferenceRecordSchema,
  QueueLineSchema,
  RetractionSchema,
  SCHEMA_VERSION,
  type Judgment,
  type PreferenceRecord,
  type QueueItem,
  type Retraction,
} from '../records';
import { appendJsonl, JsonlReader, readJsonl, type BadLine } from './jsonl';

export const PREFERENCES_FILE = 'preferences.jsonl';
export const QUEUE_FILE = 'queue.jsonl';
export const CORRUPT_FILE = 'corrupt.jsonl';

const PreferenceLineSchema = z.discriminatedUnion('type', [PreferenceRecordSchema, RetractionSchema]);

/** A corrupt line as kept aside in corrupt.jsonl: a copy, the original stays where it was. */
const QuarantineSchema = z.object({
  file: z.string(),
  line: z.number(),
  hash: z.string(),
  error: z.string(),
  text: z.string(),
  foundAt: z.string(),
});

export interface StoreSnapshot {
  items: QueueItem[];
  records: PreferenceRecord[];
  retractions: Retraction[];
  bad: BadLine[];
}

export const GITATTRIBUTES = '*.jsonl merge=union\n';

export function newId(): string {
  return crypto.randomUUID();
}

export class PreferenceStore {
  // Incremental readers: a refresh after a vote parses the one new line, not the whole store.
  private queueReader: JsonlReader<z.infer<typeof QueueLineSchema>>;
  private prefsReader: JsonlReader<z.infer<typeof PreferenceLineSchema>>;

  constructor(readonly dir: string) {
    this.queueReader = new JsonlReader(this.queueFile, QueueLineSchema);
    this.prefsReader = new JsonlReader(this.preferencesFile, PreferenceLineSchema);
  }

  get preferencesFile(): string {
    return path.join(this.dir, PREFERENCES_FILE);
  }
  get queueFile(): string {
    return path.join(this.dir, QUEUE_FILE);
  }
  get corruptFile(): string {
    return path.join(this.dir, CORRUPT_FILE);
  }

  /** Reads everything. Bad lines are reported and copied aside once; nothing is rewritten. */
  load(): StoreSnapshot {
    const q = this.queueReader.read();
    const p = this.prefsReader.read();
    const records: PreferenceRecord[] = [];
    const retractions: Retraction[] = [];
    for (const v of p.values) {
      if (v.type === 'preference') records.push(v);
      else retractions.push(v);
    }
    const items = q.values.map(({ v: _v, type: _t, ...item }) => item as QueueItem);
    const bad = [...q.bad, ...p.bad].map((b) => ({ ...b, file: path.relative(this.dir, b.file) || b.file }));
    if (bad.length) this.quarantine(bad);
    return { items, records, retractions, bad };
  }

  private quarantine(bad: BadLine[]): void {
    const seen = new Set(readJsonl(this.corruptFile, QuarantineSchema).values.map((q) => `${q.file}:${q.line}:${q.hash}`));
    const fresh = bad
      .map((b) => ({ ...b, hash: crypto.createHash('sha256').update(b.text).digest('hex').slice(0, 16) }))
      .filter((b) => !seen.has(`${b.file}:${b.line}:${b.hash}`))
      .map((b) => ({ file: b.file, line: b.line, hash: b.hash, error: b.error, text: b.text, foundAt: new Date().toISOString() }));
    if (fresh.length) appendJsonl(this.corruptFile, fresh);
  }

  addItems(items: QueueItem[]): void {
    this.ensureGitattributes();
    appendJsonl(
      this.queueFile,
      items.map((it) => ({ v: SCHEMA_VERSION, type: 'item', ...it })),
    );
  }

  /** Saves a judgment for an item. Returns once it is on disk (fsync'd). */
  saveJudgment(item: QueueItem, judgment: Judgment): PreferenceRecord {
    const rec = PreferenceRecordSchema.parse({
      v: SCHEMA_VERSION,
      type: 'preference',
      id: newId(),
      itemId: item.id,
      prompt: item.prompt,
      candidates: item.candidates,
      judgment,
    });
    this.ensureGitattributes();
    appendJsonl(this.preferencesFile, [rec]);
    return rec;
  }

  /** Appends records made elsewhere (e.g. preferences implied by an assistant's logs). */
  appendRecords(records: PreferenceRecord[]): void {
    if (records.length === 0) return;
    this.ensureGitattributes();
    appendJsonl(this.preferencesFile, records.map((r) => PreferenceRecordSchema.parse(r)));
  }

  retract(recordId: string): Retraction {
    const r: Retraction = { v: SCHEMA_VERSION, type: 'retract', id: newId(), recordId, at: new Date().toISOString() };
    appendJsonl(this.preferencesFile, [r]);
    return r;
  }

  /** Writes the suggested .gitattributes (union merge) unless one exists. */
  ensureGitattributes(): void {
    const f = path.join(this.dir, '.gitattributes');
    if (!fs.existsSync(f)) {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(f, GITATTRIBUTES);
    }
  }
}

/** Judged item ids, counting only records that were not retracted. */
export function judgedItemIds(snap: Pick<StoreSnapshot, 'records' | 'retractions'>): Set<string> {
  const gone = new Set(snap.retractions.map((r) => r.recordId));
  return new Set(snap.records.filter((r) => !gone.has(r.id)).map((r) => r.itemId));
}

/** Items waiting for a judgment, in queue order, deduplicated by id (two windows may add the same). */
export function pendingItems(items: QueueItem[], snap: Pick<StoreSnapshot, 'records' | 'retractions'>): QueueItem[] {
  const judged = judgedItemIds(snap);
  const seen = new Set<string>();
  return items.filter((it) => {
    if (judged.has(it.id) || seen.has(it.id)) return false;
    seen.add(it.id);
    return true;
  });
}
