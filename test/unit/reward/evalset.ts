// Loads the generated evaluation set through the real record schema.
import * as fs from 'fs';
import * as path from 'path';
import { PreferenceRecordSchema, type PreferenceRecord } from '../../../src/core/records';

export const EVAL_FILE = path.join(__dirname, '../../fixtures/reward/eval.jsonl');

export function loadEvalSet(): PreferenceRecord[] {
  return fs
    .readFileSync(EVAL_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = PreferenceRecordSchema.safeParse(JSON.parse(l));
      if (!r.success) throw new Error(`${EVAL_FILE}:${i + 1}: ${r.error.message}`);
      return r.data;
    });
}

/** Task of an eval record, `<concept>/<lang>` (ids are `<concept>/<lang>#<mode>#<k>`). */
export const taskOf = (r: PreferenceRecord) => r.id.split('#')[0];
/**
 * Split group of an eval record: its concept. All languages of a concept share its prompts,
 * so they are held out (or trained on) together.
 */
export const conceptOf = (r: PreferenceRecord) => taskOf(r).split('/')[0];
export const modeOf = (tags: string[]) => tags.find((t) => t.startsWith('mode:'))?.slice(5) ?? 'other';
/** Share of concepts held out, the same fraction the generator chose its held-out pools for. */
export const HELD_OUT_FRACTION = 0.25;
