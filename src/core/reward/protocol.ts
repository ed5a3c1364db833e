// Messages between WorkerScorer (main thread) and the reward worker.
import type { ScoreInput, ScorerInfo } from './scorer';

export type ToWorker =
  | { type: 'load'; dir: string; batchSize?: number }
  | { type: 'score'; id: number; items: ScoreInput[] }
  | { type: 'dispose' };

export type FromWorker =
  | { type: 'loaded'; info: ScorerInfo }
  | { type: 'scores'; id: number; scores: number[] }
  | { type: 'error'; id?: number; message: string }
  | { type: 'disposed' };
