// ONNX export of the linear reward: logits = features · W + B, built with onnx-proto.
import * as fs from 'fs';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import type { TrainResult } from './train';
import { FEATURE_VERSION } from './features';
import { META_FILE, META_FORMAT, MODEL_FILE, type RewardMeta } from './meta';

export * from './meta';

export const OPSET = 13;

export function tensor(name: string, dims: number[], data: Float32Array | number[], dataType = onnx.TensorProto.DataType.FLOAT): onnx.ITensorProto {
  const t: onnx.ITensorProto = { name, dims, dataType };
  if (dataType === onnx.TensorProto.DataType.FLOAT) {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    t.rawData = new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength));
  } else if (dataType === onnx.TensorProto.DataType.INT64) {
    t.int64Data = Array.from(data);
  } else {
    throw new Error(`tensor ${name}: unsupported data type ${dataType}`);
  }
  return t;
}

/** A graph input/output: dims are numbers or symbolic names. */
export function valueInfo(name: string, elemType: number, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function encodeModel(graph: onnx.IGraphProto, metadata: Record<string, string> = {}, producer = 'rlhf-review'): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: producer,
    producerVersion: '1',
    opsetImport: [{ domain: '', version: OPSET }],
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The linear reward as an ONNX model: input "features" [batch, dim], output "logits" [batch, 1]. */
export function linearRewardOnnx(weights: Float32Array, bias: number, metadata: Record<string, string> = {}): Uint8Array {
  const dim = weights.length;
  const F = onnx.TensorProto.DataType.FLOAT;
  const graph: onnx.IGraphProto = {
    name: 'linear_reward',
    node: [
      { opType: 'MatMul', input: ['features', 'W'], output: ['xw'], name: 'matmul' },
      { opType: 'Add', input: ['xw', 'B'], output: ['logits'], name: 'add_bias' },
    ],
    initializer: [tensor('W', [dim, 1], weights), tensor('B', [1], [bias])],
    input: [valueInfo('features', F, ['batch', dim])],
    output: [valueInfo('logits', F, ['batch', 1])],
  };
  return encodeModel(graph, metadata);
}

export function metaOf(r: TrainResult, modelVersion: string): RewardMeta {
  return {
    format: META_FORMAT,
    modelVersion,
    featureVersion: r.featureVersion ?? FEATURE_VERSION,
    featureDim: r.dim,
    threshold: r.calibration.threshold,
    trainedAt: r.trainedAt,
    heldOutAccuracy: r.heldOutAccuracy,
    lengthBaselineAccuracy: r.lengthBaselineAccuracy,
    trainPairs: r.trainPairs,
    heldOutPairs: r.heldOutPairs,
    balancedAccuracy: r.calibration.balancedAccuracy,
  };
}

/** Writes model.onnx and reward.json into `dir` (created if missing). Returns the metadata written. */
export function writeRewardModel(dir: string, r: TrainResult, modelVersion = `bt-${r.trainedAt}`): RewardMeta {
  const meta = metaOf(r, modelVersion);
  const props: Record<string, string> = {
    model_version: meta.modelVersion,
    feature_version: meta.featureVersion,
    feature_dim: String(meta.featureDim),
    threshold: String(meta.threshold),
    trained_at: meta.trainedAt,
    heldout_accuracy: String(meta.heldOutAccuracy),
    length_baseline_accuracy: String(meta.lengthBaselineAccuracy),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MODEL_FILE), linearRewardOnnx(r.weights, r.bias, props));
  fs.writeFileSync(path.join(dir, META_FILE), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

