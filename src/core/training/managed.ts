// What Together and OpenAI runs share: reading the export, and polling a remote job.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from './http';
import { LaunchError, type LaunchHooks, type RunHandle, type RunMetrics, type RunRecord, type RunStatus, type StatusUpdate } from './types';

export interface ExportFiles {
  train: { name: string; bytes: Buffer };
  eval?: { name: string; bytes: Buffer };
  format?: string;
}

export function readExport(dir: string, allowedFormats: string[], target: string): ExportFiles {
  const trainPath = path.join(dir, 'train.jsonl');
  if (!fs.existsSync(trainPath)) throw new LaunchError(`${dir}: no train.jsonl; export the dataset first`);
  let format: string | undefined;
  const manifest = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifest)) format = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { format?: string }).format;
  if (format && !allowedFormats.includes(format)) {
    throw new LaunchError(`${target} needs an export in ${allowedFormats.join(' or ')} format, this one is ${format}`, `export again with format ${allowedFormats[0]}`);
  }
  const evalPath = path.join(dir, 'eval.jsonl');
  return {
    train: { name: 'train.jsonl', bytes: fs.readFileSync(trainPath) },
    eval: fs.existsSync(evalPath) ? { name: 'eval.jsonl', bytes: fs.readFileSync(evalPath) } : undefined,
    format,
  };
}

/**
 * A hyperparameter an API takes as a whole number (Together and OpenAI reject 1.5 epochs):
 * rounded, with a log line when that changes it; anything but a positive number is refused
 * before any upload.
 */
export function wholeNumber(value: number | undefined, what: string, target: string, hooks?: Pick<LaunchHooks, 'onLog'>): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new LaunchError(`${target} needs a positive ${what}, not ${String(value)}`, `change the ${what} setting`);
  }
  const whole = Math.max(1, Math.round(value));
  if (whole !== value) hooks?.onLog(`${target} takes a whole ${what}: sending ${whole} instead of ${value}`);
  return whole;
}

export interface PollSnapshot {
  status: RunStatus;
  remoteStatus: string;
  output?: string;
  error?: string;
  metrics?: RunMetrics;
}

export interface PollOptions {
  pollMs: number;
  fetchJob(): Promise<PollSnapshot>;
  /** New log lines since the last call, oldest first. */
  fetchNewEvents(): Promise<{ lines: string[]; metrics?: RunMetrics[] }>;
  isStopped(): boolean;
}

/** Polls until the job ends. Lost contact is logged and retried, never reported as failure. */
export async function pollJob(hooks: LaunchHooks, o: PollOptions): Promise<StatusUpdate> {
  let last: string | undefined;
  for (;;) {
    try {
      const ev = await o.fetchNewEvents();
      for (const l of ev.lines) hooks.onLog(l);
      for (const m of ev.metrics ?? []) hooks.onMetrics(m);
      const snap = await o.fetchJob();
      if (snap.metrics) hooks.onMetrics(snap.metrics);
      if (snap.remoteStatus !== last) {
        last = snap.remoteStatus;
        if (snap.status === 'succeeded' || snap.status === 'failed' || snap.status === 'cancelled') {
          // Pick up the last events before reporting the end.
          const tail = await o.fetchNewEvents();
          for (const l of tail.lines) hooks.onLog(l);
          for (const m of tail.metrics ?? []) hooks.onMetrics(m);
          const s: StatusUpdate = { status: snap.status, message: snap.remoteStatus, output: snap.output, error: snap.error };
          hooks.onStatus(s);
          return s;
        }
        hooks.onStatus({ status: snap.status, message: snap.remoteStatus });
      }
    } catch (e) {
      if (e instanceof ApiError && e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 429) {
        const s: StatusUpdate = { status: 'failed', error: e.message };
        hooks.onStatus(s);
        return s;
      }
      hooks.onLog(`lost contact, retrying: ${(e as Error).message}`);
    }
    if (o.isStopped()) {
      const s: StatusUpdate = { status: 'running', message: 'stopped following (job continues remotely)' };
      return s;
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}

export interface AdoptOptions {
  /**
   * How long after the record's last update a missing job still counts as possibly being
   * created (another window between its upload and its POST). Default 2 minutes.
   */
  graceMs?: number;
  /** Between lookups while within the grace. */
  pollMs?: number;
  now?: () => number;
}

/**
 * A run recorded without a job id (the window closed between the upload and the job
 * creation): the job that uses its uploaded training file, or why there is none. Lookup errors
 * propagate (the run is left as it is, to be tried again), never reported as "no job".
 */
export async function findOrphanJob<J>(
  record: RunRecord,
  provider: string,
  find: (trainingFile: string) => Promise<J | undefined>,
  o: AdoptOptions = {},
): Promise<J | string> {
  if (!record.trainingFile) {
    return `the window closed before the training data was uploaded: no ${provider} job was created. Start the run again.`;
  }
  const now = o.now ?? Date.now;
  const since = Date.parse(record.updatedAt);
  const grace = o.graceMs ?? 120_000;
  for (;;) {
    const job = await find(record.trainingFile);
    if (job) return job;
    if (!(now() - since < grace)) break;
    await new Promise((r) => setTimeout(r, Math.max(1, Math.min(o.pollMs ?? 5_000, grace))));
  }
  return `the window closed after uploading the training data (${record.trainingFile}) but before the ${provider} job was created: no job uses that file. Start the run again.`;
}

/** A handle for a run that is settled already (nothing to follow). */
export function settledHandle(record: RunRecord, hooks: LaunchHooks, s: StatusUpdate): RunHandle {
  hooks.onLog(s.error ?? s.message ?? s.status);
  hooks.onStatus(s);
  return { runId: record.id, target: record.target, done: Promise.resolve(s) };
}
