// Reward benchmarks. Run: node bench/reward-run.mjs bench/reward.bench.ts
// (a) scoring 10,000 responses: worker thread vs session.run on the main thread — throughput and
//     the main thread's worst event-loop delay; (b) training: built-in Bradley-Terry vs
//     scikit-learn LogisticRegression on the same features, and the length-only baseline.
// Every figure is printed next to its baseline from the same run, as a ratio.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { monitorEventLoopDelay, performance } from 'perf_hooks';
import { PreferenceRecordSchema, type PreferenceRecord } from '../src/core/records';
import { BuiltinScorer, WorkerScorer, fitBradleyTerry, pairExamples, unpairedExamples, isHeldOut, pairAccuracy, lengthBaselineAccuracy, type ScoreInput, type RewardScorer } from '../src/core/reward';

const root = process.cwd();
const modelDir = path.join(root, 'media/reward/default');
const workerJs = process.env.REWARD_WORKER_JS;
const N = Number(process.env.REWARD_BENCH_N ?? 10_000);

function loadRecords(): PreferenceRecord[] {
  const f = path.join(root, 'test/fixtures/reward/eval.jsonl');
  return fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => PreferenceRecordSchema.parse(JSON.parse(l)));
}

async function timeScoring(s: RewardScorer, items: ScoreInput[], batch: number) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  // A heartbeat keeps the loop busy-polling so blocked stretches show as delay.
  const beat = setInterval(() => {}, 5);
  h.enable();
  const t0 = performance.now();
  const parts: Promise<number[]>[] = [];
  for (let i = 0; i < items.length; i += batch) {
    parts.push(s.score(items.slice(i, i + batch)));
    // the main-thread variant yields between batches, as a well-behaved caller would
    await new Promise((r) => setImmediate(r));
  }
  const scores = (await Promise.all(parts)).flat();
  const ms = performance.now() - t0;
  h.disable();
  clearInterval(beat);
  if (scores.length !== items.length) throw new Error('score count mismatch');
  return { ms, perSec: (items.length / ms) * 1000, maxDelayMs: h.max / 1e6, p99DelayMs: h.percentile(99) / 1e6 };
}

const fmt = (x: number, d = 1) => x.toFixed(d);

async function scoringBench(records: PreferenceRecord[]) {
  const pool = records.flatMap((r) => r.candidates.map((c) => ({ prompt: r.prompt, response: c.text })));
  const items = Array.from({ length: N }, (_, i) => pool[i % pool.length]);
  console.log(`\n(a) scoring ${N} responses with ${path.relative(root, modelDir)}`);
  const main = await BuiltinScorer.load(modelDir, 256);
  await main.score(items.slice(0, 64)); // warm-up
  const m = await timeScoring(main, items, 256);
  await main.dispose();
  if (!workerJs || !fs.existsSync(workerJs)) {
    console.log(`  main thread: ${fmt(m.perSec, 0)} responses/s, worst event-loop delay ${fmt(m.maxDelayMs)} ms`);
    console.log('  worker: skipped (REWARD_WORKER_JS not set; run through bench/reward-run.mjs)');
    return;
  }
  const w = await WorkerScorer.open(workerJs, modelDir, { batchSize: 256, chunkSize: 256 });
  await w.score(items.slice(0, 64));
  const wk = await timeScoring(w, items, 256);
  await w.dispose();
  console.log(`  baseline main thread : ${fmt(m.perSec, 0)} responses/s (${fmt(m.ms, 0)} ms), worst event-loop delay ${fmt(m.maxDelayMs)} ms, p99 ${fmt(m.p99DelayMs)} ms`);
  console.log(`  worker thread        : ${fmt(wk.perSec, 0)} responses/s (${fmt(wk.ms, 0)} ms), worst event-loop delay ${fmt(wk.maxDelayMs)} ms, p99 ${fmt(wk.p99DelayMs)} ms`);
  console.log(`  ratios worker/main   : throughput ×${fmt(wk.perSec / m.perSec, 2)}, worst delay ×${fmt(wk.maxDelayMs / m.maxDelayMs, 3)}`);
}

function trainingBench(records: PreferenceRecord[]) {
  // Whole concepts held out (ids `<concept>/<lang>#<mode>#<k>`), as in the unit test.
  const groupOf = (r: PreferenceRecord) => r.id.split('#')[0].split('/')[0];
  const trainRecs = records.filter((r) => !isHeldOut(groupOf(r), 0.25));
  const heldRecs = records.filter((r) => isHeldOut(groupOf(r), 0.25));
  const train = pairExamples(trainRecs);
  const held = pairExamples(heldRecs);
  const l2 = 1e-3;
  console.log(`\n(b) training on ${train.length} pairs, evaluating on ${held.length} held-out pairs (held-out concepts)`);
  const t0 = performance.now();
  const { model } = fitBradleyTerry(train, unpairedExamples(trainRecs), { l2 });
  const btMs = performance.now() - t0;
  const btAcc = pairAccuracy(model, held);
  const lenAcc = lengthBaselineAccuracy(held);
  console.log(`  length-only baseline : accuracy ${fmt(lenAcc, 3)}`);
  console.log(`  built-in BT (TS)     : accuracy ${fmt(btAcc, 3)} (×${fmt(btAcc / lenAcc, 2)} vs length-only), fit ${fmt(btMs, 0)} ms`);
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log('  scikit-learn         : skipped — /usr/bin/python3 with sklearn not available (apt-get install -y python3-sklearn)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-bench-'));
  const dump = (name: string, ex: typeof train) => {
    const dim = ex[0].chosen.length;
    const buf = new Float32Array(ex.length * dim);
    ex.forEach((e, i) => { for (let k = 0; k < dim; k++) buf[i * dim + k] = e.chosen[k] - e.rejected[k]; });
    fs.writeFileSync(path.join(dir, name), Buffer.from(buf.buffer));
    return dim;
  };
  const dim = dump('train.f32', train);
  dump('held.f32', held);
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ dim, l2 }));
  const r = spawnSync(py, [path.join(root, 'bench/reward_sklearn.py'), dir], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) {
    console.log(`  scikit-learn         : failed (${r.stderr.trim().split('\n').pop()})`);
    return;
  }
  const sk = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; heldOutAccuracy: number };
  console.log(`  sklearn LogisticReg. : accuracy ${fmt(sk.heldOutAccuracy, 3)} (×${fmt(sk.heldOutAccuracy / lenAcc, 2)} vs length-only), fit ${fmt(sk.ms, 0)} ms`);
  console.log(`  ratios built-in/sklearn: accuracy ×${fmt(btAcc / sk.heldOutAccuracy, 3)}, fit time ×${fmt(btMs / sk.ms, 2)}`);
}

async function main() {
  const records = loadRecords();
  await scoringBench(records);
  trainingBench(records);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
