// The command line for python/rlhf_train.py, as an argument array (never a shell string).
//
//   <python> -m accelerate.commands.launch --num_processes N <script> --method dpo --data D ...
//   <python> <script> ...                       (one process and no usable accelerate)
//
// The launchers use accelerate for one GPU too whenever the env check reports its launcher
// importable (useAccelerateFor in local.ts); plain python only runs a single process.
// `python -m accelerate.commands.launch` is the `accelerate launch` CLI of that same
// interpreter, so a venv's python always gets its own accelerate.
import type { RunSpec } from './types';

export interface TrainArgvOptions {
  python: string;
  script: string;
  dataDir: string;
  outputDir: string;
  numProcesses?: number;
  useAccelerate: boolean;
  exportOnnx?: boolean;
}

export function scriptArgs(spec: RunSpec, dataDir: string, outputDir: string, exportOnnx = false): string[] {
  const a = ['--method', spec.method, '--data', dataDir, '--output', outputDir, '--model', spec.model];
  const num = (flag: string, v: number | undefined) => {
    if (v !== undefined) a.push(flag, String(v));
  };
  num('--epochs', spec.epochs);
  num('--lr', spec.learningRate);
  num('--beta', spec.beta);
  num('--batch-size', spec.batchSize);
  num('--max-steps', spec.maxSteps);
  num('--seed', spec.seed);
  if (spec.useLora) {
    a.push('--use-peft');
    num('--lora-r', spec.loraR);
    num('--lora-alpha', spec.loraAlpha);
  }
  if (exportOnnx && spec.method === 'reward') a.push('--export-onnx');
  return a;
}

export function buildTrainArgv(spec: RunSpec, o: TrainArgvOptions): { command: string; args: string[] } {
  const tail = [o.script, ...scriptArgs(spec, o.dataDir, o.outputDir, o.exportOnnx)];
  if (!o.useAccelerate) return { command: o.python, args: tail };
  return {
    command: o.python,
    args: ['-m', 'accelerate.commands.launch', '--num_processes', String(o.numProcesses ?? 1), ...tail],
  };
}
