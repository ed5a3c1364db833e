// Run history as append-only events in .rlhf/runs/runs.jsonl; the current state of each run
// is the fold of its events, so a crash mid-run never loses what was known.
import * as path from 'node:path';
import { z } from 'zod';
import { appendJsonl, readJsonl, type BadLine } from '../store/jsonl';
import { RunRecordSchema, TERMINAL_STATUSES, type RunRecord } from './types';

export const RUNS_FILE = 'runs.jsonl';

export const RunEventSchema = z.object({
  v: z.literal(1),
  type: z.literal('run'),
  runId: z.string().min(1),
  at: z.string(),
  /** Fields of RunRecord that changed (the first event carries target, method, ...). */
  set: RunRecordSchema.partial().omit({ id: true, updatedAt: true }),
});
export type RunEvent = z.infer<typeof RunEventSchema>;

export interface FoldResult {
  runs: RunRecord[];
  /** Runs whose events never added up to a valid record (e.g. missing first event). */
  invalid: { runId: string; error: string }[];
}

/** Current state of every run, in order of first appearance. A finished run stays finished. */
export function foldRunEvents(events: RunEvent[]): FoldResult {
  const acc = new Map<string, Record<string, unknown>>();
  for (const ev of events) {
    const cur = acc.get(ev.runId) ?? { id: ev.runId, createdAt: ev.at };
    const terminal = TERMINAL_STATUSES.includes(cur.status as RunRecord['status']);
    const set: Record<string, unknown> = { ...ev.set };
    if (terminal && set.status && !TERMINAL_STATUSES.includes(set.status as RunRecord['status'])) delete set.status;
    Object.assign(cur, set, { updatedAt: ev.at });
    acc.set(ev.runId, cur);
  }
  const out: FoldResult = { runs: [], invalid: [] };
  for (const [runId, v] of acc) {
    const p = RunRecordSchema.safeParse(v);
    if (p.success) out.runs.push(p.data);
    else out.invalid.push({ runId, error: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
  }
  return out;
}

export class RunStore {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = path.join(dir, RUNS_FILE);
  }

  record(runId: string, set: RunEvent['set'], at = new Date().toISOString()): void {
    const ev: RunEvent = { v: 1, type: 'run', runId, at, set };
    RunEventSchema.parse(ev);
    appendJsonl(this.file, [ev]);
  }

  load(): FoldResult & { bad: BadLine[] } {
    const r = readJsonl(this.file, RunEventSchema);
    return { ...foldRunEvents(r.values), bad: r.bad };
  }

  get(runId: string): RunRecord | undefined {
    return this.load().runs.find((r) => r.id === runId);
  }
}
