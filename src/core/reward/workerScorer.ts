// Main-thread client of the reward worker: same RewardScorer interface, inference off-thread.
import * as fs from 'fs';
import { Worker } from 'worker_threads';
import type { RewardScorer, ScoreInput, ScorerInfo } from './scorer';
import type { FromWorker, ToWorker } from './protocol';

interface Pending { resolve: (v: number[]) => void; reject: (e: Error) => void }

export class WorkerScorer implements RewardScorer {
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;
  private disposed = false;

  private constructor(private worker: Worker, readonly info: ScorerInfo, private chunk: number) {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'scores') this.settle(m.id, undefined, m.scores);
      else if (m.type === 'error' && m.id !== undefined) this.settle(m.id, new Error(m.message));
    });
    worker.on('error', (e) => this.fail(new Error(`reward worker crashed: ${e.message}`)));
    worker.on('exit', (code) => { if (!this.disposed) this.fail(new Error(`reward worker exited unexpectedly (code ${code})`)); });
  }

  /**
   * Starts the worker script (the bundled worker.ts, e.g. dist/rewardWorker.js) and loads the
   * model folder in it (built-in or Hugging Face, detected from its files).
   * `chunkSize` items are sent per message so results stream back in bounded pieces.
   */
  static async open(workerFile: string, modelDir: string, opts: { batchSize?: number; chunkSize?: number } = {}): Promise<WorkerScorer> {
    if (!fs.existsSync(workerFile)) throw new Error(`reward worker script not found at ${workerFile}; build it (esbuild bundle of src/core/reward/worker.ts)`);
    const worker = new Worker(workerFile);
    const info = await new Promise<ScorerInfo>((resolve, reject) => {
      const onMsg = (m: FromWorker) => {
        if (m.type === 'loaded') { cleanup(); resolve(m.info); }
        else if (m.type === 'error' && m.id === undefined) { cleanup(); reject(new Error(m.message)); }
      };
      const onErr = (e: Error) => { cleanup(); reject(new Error(`reward worker failed to start: ${e.message}`)); };
      const onExit = (code: number) => { cleanup(); reject(new Error(`reward worker exited during load (code ${code})`)); };
      const cleanup = () => { worker.off('message', onMsg); worker.off('error', onErr); worker.off('exit', onExit); };
      worker.on('message', onMsg);
      worker.on('error', onErr);
      worker.on('exit', onExit);
      worker.postMessage({ type: 'load', dir: modelDir, batchSize: opts.batchSize } satisfies ToWorker);
    }).catch(async (e) => { await worker.terminate(); throw e; });
    return new WorkerScorer(worker, info, opts.chunkSize ?? 1024);
  }

  async score(items: ScoreInput[]): Promise<number[]> {
    const parts: Promise<number[]>[] = [];
    for (let s = 0; s < items.length; s += this.chunk) parts.push(this.send(items.slice(s, s + this.chunk)));
    return (await Promise.all(parts)).flat();
  }

  private send(items: ScoreInput[]): Promise<number[]> {
    if (this.disposed) return Promise.reject(new Error('reward scorer is disposed'));
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<number[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'score', id, items } satisfies ToWorker);
    });
  }

  private settle(id: number, err?: Error, scores?: number[]) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (err) p.reject(err); else p.resolve(scores!);
  }

  private fail(e: Error) {
    this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.fail(new Error('reward scorer is disposed'));
    await this.worker.terminate();
  }
}
