// One interface for every place a fine-tuning run can happen, and the run record kept for it.
import { z } from 'zod';

export const TRAIN_METHODS = ['dpo', 'reward', 'sft', 'kto'] as const;
export type TrainMethod = (typeof TRAIN_METHODS)[number];
export const RUN_TARGETS = ['local', 'ssh', 'together', 'openai'] as const;
export type RunTarget = (typeof RUN_TARGETS)[number];
export const RUN_STATUSES = ['starting', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export const RunMetricsSchema = z
  .object({
    step: z.number().optional(),
    maxSteps: z.number().optional(),
    epoch: z.number().optional(),
    /** 0..100, step / maxSteps when both are known. */
    percent: z.number().optional(),
    loss: z.number().optional(),
    /** Every numeric value of the last log entry, by its trainer name (e.g. rewards/margins). */
    values: z.record(z.string(), z.number()).optional(),
  })
  .loose();
export type RunMetrics = z.infer<typeof RunMetricsSchema>;

export const RunRecordSchema = z.object({
  id: z.string().min(1),
  target: z.enum(RUN_TARGETS),
  method: z.enum(TRAIN_METHODS),
  datasetHash: z.string().min(1),
  status: z.enum(RUN_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
  model: z.string().optional(),
  metrics: RunMetricsSchema.optional(),
  /** Output folder (local/ssh) or fine-tuned model name (managed APIs). */
  output: z.string().optional(),
  /** Reward runs exported to ONNX: the folder with model.onnx (loadable by the reward feature). */
  onnxDir: z.string().optional(),
  remoteJobId: z.string().optional(),
  /**
   * Managed APIs: the uploaded training file, recorded before the job is created, so a window
   * closed in between can find the job that uses it (or know there is none).
   */
  trainingFile: z.string().optional(),
  pid: z.number().int().optional(),
  /** Local runs: "<boot id>:<start time>" of the trainer process, so a reused pid is never taken for it. */
  procStart: z.string().optional(),
  host: z.string().optional(),
  logFile: z.string().optional(),
  /** Local runs: the file the trainer's stdout/stderr go to (followed again after a reload). */
  trainerLog: z.string().optional(),
  error: z.string().optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** What to train. Hyperparameters left out use each target's defaults. */
export interface RunSpec {
  /** Safe id: letters, digits, '.', '_', '-' (used in file and remote paths). */
  id: string;
  method: TrainMethod;
  /** Export folder written by writeExport (train.jsonl, eval.jsonl?, manifest.json). */
  datasetDir: string;
  datasetHash: string;
  model: string;
  /** Local/SSH: where the trained model goes (SSH: relative to the remote run folder). */
  outputDir?: string;
  epochs?: number;
  learningRate?: number;
  beta?: number;
  batchSize?: number;
  maxSteps?: number;
  useLora?: boolean;
  loraR?: number;
  loraAlpha?: number;
  /** Managed APIs: appended to the fine-tuned model name. */
  suffix?: string;
  seed?: number;
}

export interface StatusUpdate {
  status: RunStatus;
  message?: string;
  output?: string;
  onnxDir?: string;
  error?: string;
  remoteJobId?: string;
  /** Managed APIs: the uploaded training file id (recorded before the job is created). */
  trainingFile?: string;
}

export interface LaunchHooks {
  onLog(line: string): void;
  onMetrics(m: RunMetrics): void;
  onStatus(s: StatusUpdate): void;
}

export interface RunHandle {
  runId: string;
  target: RunTarget;
  pid?: number;
  /** Local runs: identity of the process behind pid (see RunRecord.procStart). */
  procStart?: string;
  host?: string;
  remoteJobId?: string;
  /** Local runs: the trainer's own output file. */
  trainerLog?: string;
  /** Settles with the final status (never rejects). */
  done: Promise<StatusUpdate>;
}

export interface TrainingLauncher {
  readonly target: RunTarget;
  start(run: RunSpec, hooks: LaunchHooks): Promise<RunHandle>;
  cancel(handle: RunHandle): Promise<void>;
  /** Follow a run started earlier (after a window reload), from its record. */
  reattach?(record: RunRecord, hooks: LaunchHooks): Promise<RunHandle>;
}

export class LaunchError extends Error {
  constructor(
    message: string,
    /** A command or step the user can take to fix it. */
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;
export function assertSafeRunId(id: string): void {
  if (!SAFE_ID.test(id) || id === '.' || id === '..') throw new LaunchError(`run id "${id}" may only use letters, digits, '.', '_' and '-'`);
}
