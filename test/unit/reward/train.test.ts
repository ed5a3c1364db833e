import { describe, expect, test } from 'vitest';
import type { PreferenceRecord } from '../../../src/core/records';
import { trainReward, pairExamples, scoreLinear, lengthBaselineAccuracy, isHeldOut, fitBradleyTerry, unpairedExamples } from '../../../src/core/reward/train';
import { calibrateThreshold } from '../../../src/core/reward/calibrate';
import { orderByUncertainty, flaggedFirst, scoreMargin } from '../../../src/core/reward/uncertainty';
import { loadEvalSet, modeOf, taskOf } from './evalset';

// The figure this suite guarantees on the held-out tasks of the evaluation set.
const STATED_HELD_OUT_ACCURACY = 0.88;

describe('Bradley-Terry training on the evaluation set', () => {
  const records = loadEvalSet();
  const result = trainReward(records, { groupOf: taskOf, heldOutFraction: 0.25 });

  test('held-out tasks are never trained on, and the split is deterministic', () => {
    const held = new Set(result.heldOutRecordIds);
    const heldTasks = new Set(records.filter((r) => held.has(r.id)).map(taskOf));
    const trainTasks = new Set(records.filter((r) => !held.has(r.id)).map(taskOf));
    expect(heldTasks.size).toBeGreaterThan(3);
    for (const t of heldTasks) expect(trainTasks.has(t)).toBe(false);
    for (const t of heldTasks) expect(isHeldOut(t, 0.25)).toBe(true);
  });

  test('beats the length-only baseline and reaches the stated held-out accuracy', () => {
    const held = new Set(result.heldOutRecordIds);
    const ex = pairExamples(records.filter((r) => held.has(r.id)));
    // recompute independently of the trainer's own figure
    const acc = ex.filter((e) => scoreLinear(result, e.chosen) > scoreLinear(result, e.rejected)).length / ex.length;
    expect(acc).toBeCloseTo(result.heldOutAccuracy, 1);
    expect(result.heldOutPairs).toBe(ex.length);
    expect(lengthBaselineAccuracy(ex)).toBe(result.lengthBaselineAccuracy);
    expect(acc).toBeGreaterThanOrEqual(STATED_HELD_OUT_ACCURACY);
    expect(acc).toBeGreaterThan(result.lengthBaselineAccuracy + 0.1);
    // per failure mode (logged for the report)
    const by = new Map<string, { n: number; ok: number }>();
    for (const e of ex) {
      const m = modeOf(e.tags);
      const b = by.get(m) ?? { n: 0, ok: 0 };
      b.n++;
      if (scoreLinear(result, e.chosen) > scoreLinear(result, e.rejected)) b.ok++;
      by.set(m, b);
    }
    console.log(`held-out ${ex.length} pairs: model ${acc.toFixed(3)}, length-only ${result.lengthBaselineAccuracy.toFixed(3)}, trained in ${result.trainMs} ms; ` +
      [...by].map(([m, b]) => `${m} ${(b.ok / b.n).toFixed(2)} (${b.n})`).join(', '));
    for (const m of ['truncated', 'placeholder', 'refusal', 'unparseable', 'padded']) expect(by.get(m)!.ok / by.get(m)!.n).toBeGreaterThanOrEqual(0.9);
  });

  test('threshold is calibrated on held-out scores and separates better than chance', () => {
    expect(result.calibration.nGood).toBe(result.heldOutPairs);
    expect(result.calibration.balancedAccuracy).toBeGreaterThan(0.7);
    expect(Number.isFinite(result.calibration.threshold)).toBe(true);
  });

  test('too little data is a clear error naming what is needed', () => {
    expect(() => trainReward(records.slice(0, 8))).toThrow(/too little data to train the reward model: 8 preference pairs from 8 records .* need at least 20 training and 5 held-out pairs/);
    const bothBad = records.filter((r) => r.judgment.winner === 'both_bad');
    expect(() => trainReward(bothBad)).toThrow(/0 preference pairs.*ties and "both bad" give no pairs/);
  });

  test('"both bad" records feed the unpaired term and pin the bias', () => {
    const u = unpairedExamples(records);
    expect(u.length).toBeGreaterThan(0);
    expect(u.every((x) => !x.label)).toBe(true);
    const pairs = pairExamples(records.slice(0, 60));
    const withU = fitBradleyTerry(pairs, u, { steps: 50 });
    const without = fitBradleyTerry(pairs, [], { steps: 50 });
    expect(without.model.bias).toBe(0);
    expect(withU.model.bias).toBeLessThan(0);
  });
});

describe('calibration', () => {
  test('chooses the cut with the best balanced accuracy, between the classes', () => {
    const c = calibrateThreshold([2, 3, 4, 5], [-1, 0, 1, 2.5]);
    expect(c.balancedAccuracy).toBeCloseTo(0.875);
    expect(c.threshold).toBeGreaterThan(1);
    expect(c.threshold).toBeLessThan(3);
    const sep = calibrateThreshold([10, 11], [0, 1]);
    expect(sep).toMatchObject({ balancedAccuracy: 1, goodKept: 1, badFlagged: 1, threshold: 5.5 });
    expect(() => calibrateThreshold([], [1])).toThrow(/needs scores of both good and bad/);
  });
});

describe('uncertainty ordering', () => {
  test('closest scores first; flagged items first, lowest first', () => {
    const items = ['a', 'b', 'c', 'd'];
    const scores = [[1, 5], [2, 2.1], [0, 3], [4, 4.5, 9]];
    expect(orderByUncertainty(items, scores)).toEqual(['b', 'd', 'c', 'a']);
    expect(scoreMargin([1])).toBe(Infinity);
    expect(flaggedFirst(items, scores, 1.5)).toEqual(['c', 'a', 'b', 'd']);
    expect(() => orderByUncertainty(items, [])).toThrow(/4 items but 0 score lists/);
  });
});

export type { PreferenceRecord };
