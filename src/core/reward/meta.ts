// reward.json beside a built-in model: kept apart from onnx.ts so the worker bundle stays small.
import * as fs from 'fs';
import * as path from 'path';

export const MODEL_FILE = 'model.onnx';
export const META_FILE = 'reward.json';
export const TOKENIZER_FILE = 'tokenizer.json';
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

/** Which kind of reward model a folder holds, or a clear error when it holds neither. */
export function detectModelKind(dir: string): 'builtin' | 'hf' {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: reward model folder not found`);
  if (fs.existsSync(path.join(dir, META_FILE))) return 'builtin';
  if (fs.existsSync(path.join(dir, MODEL_FILE))) return 'hf';
  throw new Error(`${dir}: no reward model here; expected ${MODEL_FILE} with ${META_FILE} (built-in, from "train reward model") or with ${TOKENIZER_FILE} (Hugging Face export)`);
}
