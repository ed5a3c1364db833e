import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WorkerScorer } from '../../../src/core/reward/workerScorer';
import { loadScorer } from '../../../src/core/reward/scorer';
import { writeRewardModel } from '../../../src/core/reward/onnx';
import { trainReward } from '../../../src/core/reward/train';
import { loadEvalSet, taskOf } from './evalset';
import { writeTinyHf, writeTinyChatHf } from './tinyHf';

let tmp: string;
let workerFile: string;
let modelDir: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-worker-'));
  workerFile = path.join(tmp, 'rewardWorker.js');
  // Bundled the way the extension ships it: cjs, onnxruntime-node and the tokenizer external.
  await build({
    entryPoints: [path.join(__dirname, '../../../src/core/reward/worker.ts')],
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent',
    external: ['onnxruntime-node', '@huggingface/tokenizers'],
    outfile: workerFile,
  });
  // The bundle resolves its externals from the repository's node_modules.
  fs.symlinkSync(path.join(__dirname, '../../../node_modules'), path.join(tmp, 'node_modules'));
  modelDir = path.join(tmp, 'builtin');
  const recs = loadEvalSet().slice(0, 300);
  writeRewardModel(modelDir, trainReward(recs, { groupOf: taskOf, steps: 60 }), 'worker-test');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('built-in model scores in the worker exactly as on the main thread', async () => {
  const items = loadEvalSet().slice(0, 50).flatMap((r) => r.candidates.map((c) => ({ prompt: r.prompt, response: c.text })));
  const w = await WorkerScorer.open(workerFile, modelDir, { chunkSize: 30, batchSize: 16 });
  expect(w.info).toMatchObject({ kind: 'builtin', version: 'worker-test' });
  expect(typeof w.info.threshold).toBe('number');
  const direct = await loadScorer(modelDir);
  const [a, b] = await Promise.all([w.score(items), direct.score(items)]);
  expect(a).toHaveLength(items.length);
  a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 5));
  await direct.dispose();
  await w.dispose();
  await expect(w.score(items.slice(0, 1))).rejects.toThrow(/disposed/);
});

test('Hugging Face folder is detected and scored in the worker (tokenizer loaded by dynamic import)', async () => {
  const dir = writeTinyHf(path.join(tmp, 'hf'), { tokenTypes: true });
  const w = await WorkerScorer.open(workerFile, dir);
  expect(w.info.kind).toBe('hf');
  const [good, bad] = await w.score([{ prompt: 'write code', response: 'good code' }, { prompt: 'write code', response: 'bad code' }]);
  expect(good).toBeGreaterThan(bad);
  await w.dispose();
});

test('a decoder model with a chat template scores in the bundled worker (jinja bundled, not shipped)', async () => {
  const dir = writeTinyChatHf(path.join(tmp, 'hf-chat'));
  const w = await WorkerScorer.open(workerFile, dir);
  expect(w.info).toMatchObject({ kind: 'hf', inputFormat: 'chat template' });
  const direct = await loadScorer(dir);
  const items = [{ prompt: 'write the function', response: 'good code' }, { prompt: 'write the function', response: 'bad' }];
  const [a, b] = await Promise.all([w.score(items), direct.score(items)]);
  a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 5));
  expect(a[0]).toBeGreaterThan(a[1]);
  await direct.dispose();
  await w.dispose();
});

test('errors from the worker arrive as Error objects with the cause', async () => {
  await expect(WorkerScorer.open(path.join(tmp, 'missing.js'), modelDir)).rejects.toThrow(/reward worker script not found/);
  await expect(WorkerScorer.open(workerFile, path.join(tmp, 'nothing-here'))).rejects.toThrow(/reward model folder not found/);
  const two = writeTinyHf(path.join(tmp, 'hf-two'), { labels: 2 });
  const w = await WorkerScorer.open(workerFile, two);
  const err = await w.score([{ prompt: 'a', response: 'good' }]).catch((e) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err.message).toMatch(/expected \[1, 1\]/);
  // the worker survives a failed request
  await expect(w.score([{ prompt: 'a', response: 'bad' }])).rejects.toThrow(/expected \[1, 1\]/);
  await w.dispose();
});
