import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, expect, test } from 'vitest';
import { FlagLog, type FlagRecord } from '../../../src/core/reward/flags';
import { calibrateOnPairs, pairInputs } from '../../../src/core/reward/storeCalibration';
import { groupFn, trainAndWrite } from '../../../src/core/reward/trainWorker';
import { readRewardMeta } from '../../../src/core/reward/meta';
import { loadEvalSet } from './evalset';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-flags-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const flag = (over: Partial<FlagRecord> = {}): FlagRecord => ({ itemId: 'i1', candidateId: 'c1', score: -3, threshold: -2, modelVersion: 'm1', at: '2026-01-01T00:00:00.000Z', ...over });

test('flag log appends each candidate/model/threshold once, across instances, and skips torn lines', () => {
  const file = path.join(tmp, 'flags.jsonl');
  const a = new FlagLog(file);
  expect(a.record([flag(), flag({ candidateId: 'c2' })])).toHaveLength(2);
  expect(a.record([flag({ at: 'later', score: -3.5 })])).toHaveLength(0);
  // Another model version or threshold is a new flag.
  expect(a.record([flag({ modelVersion: 'm2' }), flag({ threshold: -1 })])).toHaveLength(2);
  fs.appendFileSync(file, '{"itemId":"torn"');
  const b = new FlagLog(file);
  expect(b.record([flag()])).toHaveLength(0);
  expect(b.record([flag({ itemId: 'i9' })])).toHaveLength(1);
  const lines = b.read();
  expect(lines.map((l) => `${l.itemId}/${l.candidateId}/${l.modelVersion}/${l.threshold}`)).toEqual(['i1/c1/m1/-2', 'i1/c2/m1/-2', 'i1/c1/m2/-2', 'i1/c1/m1/-1', 'i9/c1/m1/-2']);
  expect(b.bad).toHaveLength(1);
});

test('store calibration needs enough pairs and reports pairwise accuracy', () => {
  expect(() => calibrateOnPairs([1, 2], [0, 1])).toThrow(/only 2 judged pair\(s\) .* need at least 5/);
  const c = calibrateOnPairs([1, 2, 3, 0.5, 4, -1], [0, 1, 2, 1, 3, 0]);
  expect(c.pairAccuracy).toBeCloseTo(4 / 6, 6);
  expect(c.pairs).toBe(6);
  expect(Number.isFinite(c.threshold)).toBe(true);
  const recs = loadEvalSet().slice(0, 10);
  const inputs = pairInputs(recs);
  expect(inputs.chosen).toHaveLength(inputs.rejected.length);
  expect(inputs.chosen.length).toBeGreaterThanOrEqual(10);
});

test('training writes a loadable model whose held-out prompts never appear in training', () => {
  const records = loadEvalSet();
  const dir = path.join(tmp, 'model');
  const steps: number[] = [];
  const r = trainAndWrite({ records, outDir: dir, version: 'unit-v1', steps: 100 }, (p) => steps.push(p.step));
  expect(steps.at(-1)).toBe(100);
  expect(steps.length).toBeGreaterThanOrEqual(40);
  expect(r.records).toBe(records.length);
  const meta = readRewardMeta(dir);
  expect(meta.modelVersion).toBe('unit-v1');
  expect(meta.threshold).toBe(r.calibration.threshold);
  const held = new Set(r.heldOutRecordIds);
  const key = groupFn('prompt');
  const heldPrompts = new Set(records.filter((x) => held.has(x.id)).map(key));
  for (const x of records) if (!held.has(x.id)) expect(heldPrompts.has(key(x))).toBe(false);
  expect(r.heldOutAccuracy).toBeGreaterThan(r.lengthBaselineAccuracy);
});
