// Flags the reward model raised, kept as append-only JSONL (.rlhf/flags.jsonl): each line says
// which model version and which threshold produced it, so an old flag can be judged later.
import { z } from 'zod';
import { appendJsonl, readJsonl, type BadLine } from '../store/jsonl';

export const FLAGS_FILE = 'flags.jsonl';

export const FlagRecordSchema = z.object({
  itemId: z.string().min(1),
  candidateId: z.string().min(1),
  score: z.number(),
  threshold: z.number(),
  modelVersion: z.string(),
  at: z.string(),
});
export type FlagRecord = z.infer<typeof FlagRecordSchema>;

/** One flag per candidate, model version and threshold: re-scoring the same thing adds nothing. */
export function flagKey(f: Pick<FlagRecord, 'itemId' | 'candidateId' | 'modelVersion' | 'threshold'>): string {
  return JSON.stringify([f.itemId, f.candidateId, f.modelVersion, f.threshold]);
}

export class FlagLog {
  private seen: Set<string> | undefined;
  bad: BadLine[] = [];

  constructor(readonly file: string) {}

  read(): FlagRecord[] {
    const r = readJsonl(this.file, FlagRecordSchema);
    this.bad = r.bad;
    return r.values;
  }

  /** Appends the flags not recorded before; returns those written. */
  record(flags: FlagRecord[]): FlagRecord[] {
    if (!this.seen) this.seen = new Set(this.read().map(flagKey));
    const fresh: FlagRecord[] = [];
    for (const f of flags) {
      const k = flagKey(f);
      if (this.seen.has(k)) continue;
      this.seen.add(k);
      fresh.push(f);
    }
    appendJsonl(this.file, fresh);
    return fresh;
  }
}
