// Shared bits for launcher tests: a real export folder and hook recorders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportDataset, writeExport } from '../../../src/core/formats';
import { PreferenceRecordSchema } from '../../../src/core/records';
import type { LaunchHooks, RunMetrics, StatusUpdate } from '../../../src/core/training/types';
import { tempDir } from '../../support/tmp';

export const ROOT = path.resolve(__dirname, '../../..');
export const REAL_SCRIPT = path.join(ROOT, 'python/rlhf_train.py');
export const FAKE_TRAINER = path.join(ROOT, 'test/fixtures/trainer/fake_trainer.py');

export function tmpDir(prefix: string): string {
  return tempDir(prefix);
}

/** A real export (format trl-preference) of n judged records. */
export function makeExport(dir: string, n = 6, format: 'trl-preference' | 'openai-dpo' = 'trl-preference') {
  const records = Array.from({ length: n }, (_, i) =>
    PreferenceRecordSchema.parse({
      v: 1,
      type: 'preference',
      id: `rec-${i}`,
      itemId: `item-${i}`,
      prompt: { instruction: `Write function number ${i}` },
      candidates: [
        { id: 'a', text: `def f${i}(): return ${i}` },
        { id: 'b', text: `def f${i}(): pass` },
      ],
      judgment: { winner: 'a', judgedAt: '2026-01-01T00:00:00Z' },
    }),
  );
  const res = exportDataset(records, { format, evalRatio: 0 });
  writeExport(dir, res);
  return res;
}

export function recorder() {
  const logs: string[] = [];
  const metrics: RunMetrics[] = [];
  const statuses: StatusUpdate[] = [];
  const waiters: { pred: () => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) if (w.pred()) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const hooks: LaunchHooks = {
    onLog: (l) => {
      logs.push(l);
      check();
    },
    onMetrics: (m) => {
      metrics.push(m);
      check();
    },
    onStatus: (s) => {
      statuses.push(s);
      check();
    },
  };
  const until = (pred: () => boolean, ms = 15_000) =>
    new Promise<void>((resolve, reject) => {
      if (pred()) return resolve();
      const t = setTimeout(() => reject(new Error(`timed out; logs:\n${logs.join('\n')}`)), ms);
      waiters.push({ pred, resolve: () => (clearTimeout(t), resolve()) });
    });
  return { hooks, logs, metrics, statuses, until };
}

/** Alive and not a zombie (an orphan in a container may never be reaped). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function waitFor(pred: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return pred();
}
