// Worker entry (bundled to dist/rewardWorker.js): onnxruntime's session.run blocks its thread,
// so it runs here and never on the extension host's event loop.
import { parentPort } from 'worker_threads';
import { loadScorer, type RewardScorer } from './scorer';
import type { FromWorker, ToWorker } from './protocol';

if (!parentPort) throw new Error('rewardWorker must be started as a worker thread');
const port = parentPort;
let scorer: RewardScorer | undefined;
const send = (m: FromWorker) => port.postMessage(m);
// Messages are handled one at a time so a load always completes before the scores that follow.
let chain: Promise<void> = Promise.resolve();

port.on('message', (msg: ToWorker) => {
  chain = chain.then(() => handle(msg));
});

async function handle(msg: ToWorker): Promise<void> {
  try {
    if (msg.type === 'load') {
      await scorer?.dispose();
      scorer = await loadScorer(msg.dir, { batchSize: msg.batchSize });
      send({ type: 'loaded', info: scorer.info });
    } else if (msg.type === 'score') {
      if (!scorer) throw new Error('no reward model loaded in the worker');
      send({ type: 'scores', id: msg.id, scores: await scorer.score(msg.items) });
    } else if (msg.type === 'dispose') {
      await scorer?.dispose();
      scorer = undefined;
      send({ type: 'disposed' });
    }
  } catch (e) {
    send({ type: 'error', id: msg.type === 'score' ? msg.id : undefined, message: (e as Error).message ?? String(e) });
  }
}
