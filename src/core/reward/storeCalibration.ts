// Threshold for a model that ships none (Hugging Face exports): calibrated on the store's own
// judged pairs, the same way training calibrates on its held-out split.
import { pairsOf } from '../pairs';
import type { PreferenceRecord } from '../records';
import { calibrateThreshold, type Calibration } from './calibrate';
import type { ScoreInput } from './scorer';

export interface PairInputs { chosen: ScoreInput[]; rejected: ScoreInput[] }

export function pairInputs(records: PreferenceRecord[]): PairInputs {
  const chosen: ScoreInput[] = [];
  const rejected: ScoreInput[] = [];
  for (const rec of records) {
    const language = rec.prompt.context?.language;
    for (const p of pairsOf(rec)) {
      chosen.push({ prompt: rec.prompt, response: p.chosen.text, language });
      rejected.push({ prompt: rec.prompt, response: p.rejected.text, language });
    }
  }
  return { chosen, rejected };
}

export interface StoreCalibration extends Calibration { pairAccuracy: number; pairs: number }

/** Calibration plus pairwise accuracy from scores of chosen and rejected sides (parallel arrays). */
export function calibrateOnPairs(chosen: number[], rejected: number[], minPairs = 5): StoreCalibration {
  if (chosen.length < minPairs) {
    throw new Error(`only ${chosen.length} judged pair(s) in the store to calibrate a flag threshold on; need at least ${minPairs}. Judge more comparisons or set rlhf.reward.flagThreshold`);
  }
  let ok = 0;
  for (let i = 0; i < chosen.length; i++) ok += chosen[i] > rejected[i] ? 1 : chosen[i] === rejected[i] ? 0.5 : 0;
  return { ...calibrateThreshold(chosen, rejected), pairAccuracy: ok / chosen.length, pairs: chosen.length };
}
