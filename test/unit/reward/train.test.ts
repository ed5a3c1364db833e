import { describe, expect, test } from 'vitest';
import type { PreferenceRecord } from '../../../src/core/records';
import { trainReward, pairExamples, scoreLinear, lengthBaselineAccuracy, isHeldOut, fitBradleyTerry, unpairedExamples } from '../../../src/core/reward/train';
import { calibrateThreshold } from '../../../src/core/reward/calibrate';
import { featurize, signalsOf } from '../../../src/core/reward/features';
import { orderByUncertainty, flaggedFirst, scoreMargin } from '../../../src/core/reward/uncertainty';
import { loadEvalSet, modeOf, conceptOf, HELD_OUT_FRACTION } from './evalset';
// @ts-expect-error plain .mjs fixture module, no type declarations
import { TRAIN, HELD } from '../../fixtures/reward/pools.mjs';

// The figure this suite guarantees on the held-out concepts of the evaluation set (measured
// 0.924 with rr-features-3; logic bugs stay near chance, see README).
const STATED_HELD_OUT_ACCURACY = 0.9;
// Per failure mode, what the held-out concepts reach (measured figures, rounded down).
const STATED_PER_MODE: Record<string, number> = {
  truncated: 0.95, placeholder: 0.95, refusal: 0.95, padded: 0.95, wrong_language: 0.95, insecure: 0.95,
  unparseable: 0.85, off_topic: 0.85, close_call: 0.7,
};

type Pools = { intros: string[]; outros: string[]; filler: string[]; refusals: string[]; placeholders: Record<string, string[]> };
const phrases = (p: Pools) => [...p.intros, ...p.outros, ...p.filler, ...p.refusals, ...Object.values(p.placeholders).flat()].filter((x) => x.length > 8);

describe('Bradley-Terry training on the evaluation set', () => {
  const records = loadEvalSet();
  const result = trainReward(records, { groupOf: conceptOf, heldOutFraction: HELD_OUT_FRACTION });
  const held = new Set(result.heldOutRecordIds);
  const heldRecs = records.filter((r) => held.has(r.id));
  const trainRecs = records.filter((r) => !held.has(r.id));
  const texts = (rs: PreferenceRecord[]) => rs.flatMap((r) => r.candidates.map((c) => c.text)).join('\n\u0000');

  test('whole concepts are held out (every language of one), and the split is deterministic', () => {
    const heldConcepts = new Set(heldRecs.map(conceptOf));
    const trainConcepts = new Set(trainRecs.map(conceptOf));
    expect(heldConcepts.size).toBeGreaterThanOrEqual(4);
    for (const c of heldConcepts) expect(trainConcepts.has(c)).toBe(false);
    for (const c of heldConcepts) expect(isHeldOut(c, HELD_OUT_FRACTION)).toBe(true);
    // no held-out instruction was seen word-for-word in training
    const trainAsks = new Set(trainRecs.map((r) => r.prompt.instruction));
    expect(heldRecs.filter((r) => trainAsks.has(r.prompt.instruction))).toEqual([]);
    // several languages on both sides
    const langs = (rs: PreferenceRecord[]) => new Set(rs.map((r) => r.prompt.context?.language));
    expect(langs(heldRecs).size).toBeGreaterThanOrEqual(5);
    expect(langs(trainRecs).size).toBeGreaterThanOrEqual(7);
  });

  test('held-out concepts use phrase pools training never sees, worded unlike the feature lists', () => {
    const heldText = texts(heldRecs);
    const trainText = texts(trainRecs);
    const trainOnly = phrases(TRAIN as Pools).filter((x) => !phrases(HELD as Pools).includes(x));
    const heldOnly = phrases(HELD as Pools).filter((x) => !phrases(TRAIN as Pools).includes(x));
    expect(heldOnly.length).toBeGreaterThan(30);
    for (const x of heldOnly) expect(trainText.includes(x), x).toBe(false);
    for (const x of trainOnly) expect(heldText.includes(x), x).toBe(false);
    // The phrase-list signals do not fire on the held-out wordings: those modes are caught by
    // what the model learned from code structure, not by a regex written against the phrases.
    const H = HELD as Pools;
    for (const x of H.refusals) expect(signalsOf(featurize('Write the function', x)).refusal, x).toBe(0);
    for (const x of H.filler) expect(signalsOf(featurize('Write the function', x)).filler, x).toBe(0);
    for (const [lang, xs] of Object.entries(H.placeholders)) {
      for (const x of xs) expect(signalsOf(featurize({ instruction: 'Write it', context: { language: lang } }, '```\n' + x + '\n```')).placeholderAny, x).toBe(0);
    }
  });

  test('beats the length-only baseline and reaches the stated held-out accuracy', () => {
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
    for (const [m, b] of by) if (m !== 'other') expect(b.n, m).toBeGreaterThanOrEqual(20);
    for (const [m, floor] of Object.entries(STATED_PER_MODE)) expect(by.get(m)!.ok / by.get(m)!.n, m).toBeGreaterThanOrEqual(floor);
  });

  test('threshold is calibrated on held-out scores (close calls left out) and separates better than chance', () => {
    const slight = heldRecs.filter((r) => r.judgment.strength === 'slight').length;
    expect(slight).toBeGreaterThan(0);
    expect(result.calibration.nGood).toBe(result.heldOutPairs - slight);
    expect(result.calibration.goodKept).toBeGreaterThanOrEqual(0.97);
    expect(result.calibration.balancedAccuracy).toBeGreaterThan(0.75);
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
    // with a floor on good answers kept, the best cut among those that keep enough of them
    expect(calibrateThreshold([2, 3, 4, 5], [-1, 0, 1, 2.5], { minGoodKept: 1 })).toMatchObject({ goodKept: 1, badFlagged: 0.75 });
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
