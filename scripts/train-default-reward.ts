// Trains the shipped default reward model on the evaluation set's training split and writes
// media/reward/default/{model.onnx,reward.json}.  Run: node bench/reward-run.mjs scripts/train-default-reward.ts
import * as fs from 'fs';
import * as path from 'path';
import { PreferenceRecordSchema } from '../src/core/records';
import { trainReward, FEATURE_VERSION, writeRewardModel } from '../src/core/reward';

const root = process.cwd();
const evalFile = path.join(root, 'test/fixtures/reward/eval.jsonl');
const records = fs.readFileSync(evalFile, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
  const r = PreferenceRecordSchema.safeParse(JSON.parse(l));
  if (!r.success) throw new Error(`${evalFile}:${i + 1}: ${r.error.message}`);
  return r.data;
});
// Same split as the unit test: whole concepts (every language of one, ids `<concept>/<lang>#…`)
// are held out, so no held-out prompt or phrase pool is trained on.
const result = trainReward(records, { groupOf: (r) => r.id.split('#')[0].split('/')[0], heldOutFraction: 0.25 });
const out = path.join(root, 'media/reward/default');
const meta = writeRewardModel(out, result, `default-${FEATURE_VERSION}`);
console.log(`wrote ${out}: held-out accuracy ${meta.heldOutAccuracy.toFixed(3)} on ${meta.heldOutPairs} pairs ` +
  `(length-only ${meta.lengthBaselineAccuracy.toFixed(3)}), threshold ${meta.threshold.toFixed(3)} ` +
  `(balanced accuracy ${meta.balancedAccuracy.toFixed(3)}), ${fs.statSync(path.join(out, 'model.onnx')).size} bytes`);
