// Bradley-Terry training of a linear reward r(x) = w·f(x) + b on judged pairs.
// Objective: -mean log σ(r(chosen) - r(rejected)) + α·(logistic loss on unpaired labels) + λ/2·|w|².
// The unpaired term (e.g. "both bad") is what pins the bias b, which pairs alone cannot.
import type { PreferenceRecord } from '../records';
import { pairsOf, unpairedOf } from '../pairs';
import { FEATURE_DIM, FEATURE_VERSION, featurize, hashString } from './features';
import { calibrateThreshold, type Calibration } from './calibrate';

export interface TrainOptions {
  /** Share of split groups held out for evaluation (default 0.2). */
  heldOutFraction?: number;
  /** The key a record is split on (default: its id). Give a task/prompt id to keep near-duplicates together. */
  groupOf?: (rec: PreferenceRecord) => string;
  /** L2 strength (default 1e-3). */
  l2?: number;
  /** Full-batch Adam steps (default 300). */
  steps?: number;
  learningRate?: number;
  /** Weight of the unpaired-label term (default 0.1; 0 disables it). */
  unpairedWeight?: number;
  /**
   * Least share of held-out chosen answers the flag threshold must leave unflagged (default 0.97);
   * within that, the cut with the best balanced accuracy is taken.
   */
  minGoodKept?: number;
  /** Fewest training pairs accepted (default 20). */
  minTrainPairs?: number;
  /** Fewest held-out pairs accepted (default 5). */
  minHeldOutPairs?: number;
  /** Called about 50 times during fitting (the host shows it as progress). */
  onProgress?: (p: { step: number; steps: number; loss: number }) => void;
}

export interface PairExample {
  recordId: string;
  tags: string[];
  chosen: Float32Array;
  rejected: Float32Array;
  chosenLength: number;
  rejectedLength: number;
}

export interface UnpairedFeature { recordId: string; x: Float32Array; label: boolean }

export interface LinearReward {
  weights: Float32Array;
  bias: number;
  dim: number;
  featureVersion: string;
}

export interface TrainResult extends LinearReward {
  trainPairs: number;
  heldOutPairs: number;
  trainAccuracy: number;
  heldOutAccuracy: number;
  /** "The longer answer wins" on the same held-out pairs (ties count half). */
  lengthBaselineAccuracy: number;
  calibration: Calibration;
  heldOutRecordIds: string[];
  finalLoss: number;
  trainMs: number;
  trainedAt: string;
}

/** All tags of a record, flattened (per-candidate tag lists). */
export function recordTags(rec: PreferenceRecord): string[] {
  const out = new Set<string>();
  for (const list of Object.values(rec.judgment.tags ?? {})) for (const t of list) out.add(t);
  return [...out];
}

/** Featurised pairs of the given records (through pairsOf, the one mapping rule set). */
export function pairExamples(records: PreferenceRecord[]): PairExample[] {
  const out: PairExample[] = [];
  for (const rec of records) {
    const tags = recordTags(rec);
    for (const p of pairsOf(rec)) {
      out.push({
        recordId: rec.id,
        tags,
        chosen: featurize(rec.prompt, p.chosen.text),
        rejected: featurize(rec.prompt, p.rejected.text),
        chosenLength: p.chosen.text.length,
        rejectedLength: p.rejected.text.length,
      });
    }
  }
  return out;
}

/** Unpaired labels of records that give no pair (both bad); paired records are already used. */
export function unpairedExamples(records: PreferenceRecord[]): UnpairedFeature[] {
  const out: UnpairedFeature[] = [];
  for (const rec of records) {
    if (pairsOf(rec).length > 0) continue;
    for (const u of unpairedOf(rec)) out.push({ recordId: rec.id, x: featurize(rec.prompt, u.text), label: u.label });
  }
  return out;
}

/** Deterministic split: a group is held out when its hash falls in the first `fraction` of the range. */
export function isHeldOut(key: string, fraction: number): boolean {
  return hashString('split:' + key) % 10_000 < fraction * 10_000;
}

export function scoreLinear(m: LinearReward, x: Float32Array): number {
  let s = m.bias;
  const w = m.weights;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) s += w[i] * x[i];
  return s;
}

/** Pairwise accuracy of a model on examples (ties count half). */
export function pairAccuracy(m: LinearReward, ex: PairExample[]): number {
  if (!ex.length) return NaN;
  let ok = 0;
  for (const e of ex) {
    const d = scoreLinear(m, e.chosen) - scoreLinear(m, e.rejected);
    ok += d > 0 ? 1 : d === 0 ? 0.5 : 0;
  }
  return ok / ex.length;
}

export function lengthBaselineAccuracy(ex: PairExample[]): number {
  if (!ex.length) return NaN;
  let ok = 0;
  for (const e of ex) ok += e.chosenLength > e.rejectedLength ? 1 : e.chosenLength === e.rejectedLength ? 0.5 : 0;
  return ok / ex.length;
}

interface Sparse { idx: Int32Array; val: Float32Array }
function sparse(x: Float32Array): Sparse {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) n++;
  const idx = new Int32Array(n);
  const val = new Float32Array(n);
  let k = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) { idx[k] = i; val[k++] = x[i]; }
  return { idx, val };
}
function diff(a: Float32Array, b: Float32Array): Float32Array {
  const d = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  return d;
}
const softplus = (z: number) => (z > 30 ? z : z < -30 ? 0 : Math.log1p(Math.exp(z)));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Fits w (and b) on featurised data; exposed so the benchmark can time it on the same features. */
export function fitBradleyTerry(
  pairs: PairExample[],
  unpaired: UnpairedFeature[],
  opts: Pick<TrainOptions, 'l2' | 'steps' | 'learningRate' | 'unpairedWeight' | 'onProgress'> = {},
): { model: LinearReward; loss: number } {
  const dim = pairs[0]?.chosen.length ?? FEATURE_DIM;
  const l2 = opts.l2 ?? 1e-3;
  const steps = opts.steps ?? 300;
  const lr = opts.learningRate ?? 0.05;
  const alpha = unpaired.length ? (opts.unpairedWeight ?? 0.1) : 0;
  const D = pairs.map((p) => sparse(diff(p.chosen, p.rejected)));
  const U = unpaired.map((u) => ({ ...sparse(u.x), y: u.label ? 1 : 0 }));
  // Parameters: w[0..dim) and bias at w[dim].
  const w = new Float64Array(dim + 1);
  const g = new Float64Array(dim + 1);
  const m1 = new Float64Array(dim + 1);
  const m2 = new Float64Array(dim + 1);
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  let loss = 0;
  for (let t = 1; t <= steps; t++) {
    g.fill(0);
    loss = 0;
    for (const d of D) {
      let z = 0;
      for (let k = 0; k < d.idx.length; k++) z += w[d.idx[k]] * d.val[k];
      loss += softplus(-z) / D.length;
      const c = -sigmoid(-z) / D.length;
      for (let k = 0; k < d.idx.length; k++) g[d.idx[k]] += c * d.val[k];
    }
    for (const u of U) {
      let z = w[dim];
      for (let k = 0; k < u.idx.length; k++) z += w[u.idx[k]] * u.val[k];
      loss += (alpha * (softplus(z) - u.y * z)) / U.length;
      const c = (alpha * (sigmoid(z) - u.y)) / U.length;
      for (let k = 0; k < u.idx.length; k++) g[u.idx[k]] += c * u.val[k];
      g[dim] += c;
    }
    for (let i = 0; i < dim; i++) {
      loss += 0.5 * l2 * w[i] * w[i];
      g[i] += l2 * w[i];
    }
    const c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
    for (let i = 0; i <= dim; i++) {
      m1[i] = b1 * m1[i] + (1 - b1) * g[i];
      m2[i] = b2 * m2[i] + (1 - b2) * g[i] * g[i];
      w[i] -= (lr * (m1[i] / c1)) / (Math.sqrt(m2[i] / c2) + eps);
    }
    if (opts.onProgress && (t % Math.max(1, Math.floor(steps / 50)) === 0 || t === steps)) opts.onProgress({ step: t, steps, loss });
  }
  return { model: { weights: Float32Array.from(w.subarray(0, dim)), bias: w[dim], dim, featureVersion: FEATURE_VERSION }, loss };
}

/** Splits records, trains, evaluates on the held-out split and calibrates the flag threshold there. */
export function trainReward(records: PreferenceRecord[], opts: TrainOptions = {}): TrainResult {
  const started = Date.now();
  const frac = opts.heldOutFraction ?? 0.2;
  if (!(frac > 0 && frac < 1)) throw new Error(`heldOutFraction must be between 0 and 1 (got ${frac})`);
  const groupOf = opts.groupOf ?? ((r: PreferenceRecord) => r.id);
  const minTrain = opts.minTrainPairs ?? 20;
  const minHeld = opts.minHeldOutPairs ?? 5;
  const trainRecs: PreferenceRecord[] = [];
  const heldRecs: PreferenceRecord[] = [];
  for (const r of records) (isHeldOut(groupOf(r), frac) ? heldRecs : trainRecs).push(r);
  const trainPairs = pairExamples(trainRecs);
  const heldPairs = pairExamples(heldRecs);
  const total = trainPairs.length + heldPairs.length;
  if (trainPairs.length < minTrain || heldPairs.length < minHeld) {
    throw new Error(
      `too little data to train the reward model: ${total} preference pairs from ${records.length} records ` +
        `(${trainPairs.length} for training, ${heldPairs.length} held out); need at least ${minTrain} training and ` +
        `${minHeld} held-out pairs. Judge more comparisons with a clear winner, a ranking or a rewrite (ties and "both bad" give no pairs).`,
    );
  }
  const { model, loss } = fitBradleyTerry(trainPairs, unpairedExamples(trainRecs), opts);
  // The threshold separates good answers from defective ones, so pairs judged only slightly
  // apart (a close call: the loser still works) do not count the loser as bad.
  const slight = new Set(heldRecs.filter((r) => r.judgment.strength === 'slight').map((r) => r.id));
  const calPairs = heldPairs.some((e) => !slight.has(e.recordId)) ? heldPairs.filter((e) => !slight.has(e.recordId)) : heldPairs;
  const chosen = calPairs.map((e) => scoreLinear(model, e.chosen));
  const rejected = calPairs.map((e) => scoreLinear(model, e.rejected));
  return {
    ...model,
    trainPairs: trainPairs.length,
    heldOutPairs: heldPairs.length,
    trainAccuracy: pairAccuracy(model, trainPairs),
    heldOutAccuracy: pairAccuracy(model, heldPairs),
    lengthBaselineAccuracy: lengthBaselineAccuracy(heldPairs),
    calibration: calibrateThreshold(chosen, rejected, { minGoodKept: opts.minGoodKept ?? 0.97 }),
    heldOutRecordIds: heldRecs.map((r) => r.id),
    finalLoss: loss,
    trainMs: Date.now() - started,
    trainedAt: new Date().toISOString(),
  };
}
