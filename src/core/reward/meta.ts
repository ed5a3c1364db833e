// reward.json beside a built-in model: kept apart from onnx.ts so the worker bundle stays small.
import * as fs from 'fs';
import * as path from 'path';

export const MODEL_FILE = 'model.onnx';
export const META_FILE = 'reward.json';
export const META_FORMAT = 'rlhf-review-reward/1';
/** What reward.json holds beside a built-in model. */
export interface RewardMeta {
  format: typeof META_FORMAT;
  modelVersion: string;
  featureVersion: string;
  featureDim: number;
  threshold: number;
  trainedAt: string;
  heldOutAccuracy: number;
  lengthBaselineAccuracy: number;
  trainPairs: number;
  heldOutPairs: number;
  balancedAccuracy: number;
}

/** Reads and checks reward.json; errors name the file and the field. */
export function readRewardMeta(dir: string): RewardMeta {
  const file = path.join(dir, META_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read reward model metadata (${(e as Error).message}); retrain the reward model to rewrite it`);
  }
  const m = raw as Partial<RewardMeta>;
  if (m.format !== META_FORMAT) throw new Error(`${file}: format is ${JSON.stringify(m.format)}, expected "${META_FORMAT}"`);
  for (const k of ['featureDim', 'threshold'] as const) {
    if (typeof m[k] !== 'number' || !Number.isFinite(m[k])) throw new Error(`${file}: field ${k} must be a number`);
  }
  if (typeof m.featureVersion !== 'string') throw new Error(`${file}: field featureVersion must be a string`);
  return m as RewardMeta;
}
