// Training entry (bundled to dist/rewardTrainWorker.js): fitting takes about a second on a few
// thousand pairs, too long for the extension host's event loop, so it runs in a worker thread.
import { parentPort } from 'worker_threads';
import { activeRecords } from '../pairs';
import type { PreferenceRecord } from '../records';
import { PreferenceStore } from '../store/store';
import { writeRewardModel } from './onnx';
import { trainReward, type TrainResult } from './train';
import type { RewardMeta } from './meta';

export type SplitBy = 'record' | 'item' | 'prompt';

export interface TrainRequest {
  /** Records to train on; or `storeDir`, read here so parsing the store stays off the host's thread. */
  records?: PreferenceRecord[];
  storeDir?: string;
  outDir: string;
  version: string;
  /** What is held out together (default prompt: near-duplicate prompts never straddle the split). */
  splitBy?: SplitBy;
  steps?: number;
}

export type TrainSummary = Omit<TrainResult, 'weights'> & { meta: RewardMeta; dir: string; records: number };

export type FromTrainWorker =
  | { type: 'progress'; step: number; steps: number; loss: number }
  | { type: 'done'; result: TrainSummary }
  | { type: 'error'; message: string };

export function groupFn(by: SplitBy = 'prompt'): (r: PreferenceRecord) => string {
  if (by === 'record') return (r) => r.id;
  if (by === 'item') return (r) => r.itemId;
  return (r) => r.prompt.instruction.trim().toLowerCase();
}

/** Trains and writes model.onnx + reward.json; shared by the worker and by tests. */
export function trainAndWrite(req: TrainRequest, onProgress?: (p: { step: number; steps: number; loss: number }) => void): TrainSummary {
  let records = req.records;
  if (!records) {
    if (!req.storeDir) throw new Error('train request needs records or storeDir');
    const snap = new PreferenceStore(req.storeDir).load();
    records = activeRecords(snap.records, snap.retractions);
  }
  const r = trainReward(records, { groupOf: groupFn(req.splitBy), steps: req.steps, onProgress });
  const meta = writeRewardModel(req.outDir, r, req.version);
  const { weights: _w, ...rest } = r;
  return { ...rest, meta, dir: req.outDir, records: records.length };
}

if (parentPort) {
  const port = parentPort;
  port.once('message', (req: TrainRequest) => {
    try {
      const result = trainAndWrite(req, (p) => port.postMessage({ type: 'progress', ...p } satisfies FromTrainWorker));
      port.postMessage({ type: 'done', result } satisfies FromTrainWorker);
    } catch (e) {
      port.postMessage({ type: 'error', message: (e as Error).message ?? String(e) } satisfies FromTrainWorker);
    }
  });
}
