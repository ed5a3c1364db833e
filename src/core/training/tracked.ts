// Starts (or re-follows) a run through any launcher and records its life in the run store, so
// the runs view and a reloaded window see the same history.
import type { RunStore } from './runStore';
import type { LaunchHooks, RunHandle, RunMetrics, RunRecord, RunSpec, RunTarget, StatusUpdate, TrainingLauncher } from './types';

export interface TrackOptions {
  /** Persist metrics at most this often (the hooks still see every update). */
  metricsEveryMs?: number;
  logFile?: string;
  now?: () => Date;
}

interface Tracker {
  hooks: LaunchHooks;
  finish(s: StatusUpdate): StatusUpdate;
}

function tracker(store: RunStore, runId: string, hooks: LaunchHooks, opts: TrackOptions): Tracker {
  const now = () => (opts.now ?? (() => new Date()))().toISOString();
  let lastSaved = 0;
  let pending: RunMetrics | undefined;
  const every = opts.metricsEveryMs ?? 5_000;
  return {
    hooks: {
      onLog: (l) => hooks.onLog(l),
      onMetrics: (m) => {
        pending = m;
        if (Date.now() - lastSaved >= every) {
          store.record(runId, { metrics: m }, now());
          lastSaved = Date.now();
          pending = undefined;
        }
        hooks.onMetrics(m);
      },
      onStatus: (s) => {
        if (s.status === 'running' || s.remoteJobId || s.trainingFile) {
          store.record(runId, { status: s.status, ...(s.remoteJobId ? { remoteJobId: s.remoteJobId } : {}), ...(s.trainingFile ? { trainingFile: s.trainingFile } : {}) }, now());
        }
        hooks.onStatus(s);
      },
    },
    finish: (s) => {
      // A detached follower (window closing) reports 'running': nothing new to record.
      if (s.status === 'running' || s.status === 'starting') return s;
      store.record(
        runId,
        { status: s.status, ...(pending ? { metrics: pending } : {}), ...(s.output ? { output: s.output } : {}), ...(s.onnxDir ? { onnxDir: s.onnxDir } : {}), ...(s.error ? { error: s.error } : {}) },
        now(),
      );
      return s;
    },
  };
}

export async function startTracked(
  store: RunStore,
  launcher: TrainingLauncher,
  spec: RunSpec,
  hooks: LaunchHooks,
  opts: TrackOptions = {},
): Promise<RunHandle> {
  const now = () => (opts.now ?? (() => new Date()))().toISOString();
  const target: RunTarget = launcher.target;
  store.record(spec.id, { target, method: spec.method, datasetHash: spec.datasetHash, model: spec.model, status: 'starting', createdAt: now(), logFile: opts.logFile }, now());
  const t = tracker(store, spec.id, hooks, opts);
  let handle: RunHandle;
  try {
    handle = await launcher.start(spec, t.hooks);
  } catch (e) {
    const err = e as Error & { fix?: string };
    store.record(spec.id, { status: 'failed', error: err.fix ? `${err.message}. Fix: ${err.fix}` : err.message }, now());
    throw e;
  }
  store.record(spec.id, { pid: handle.pid, procStart: handle.procStart, host: handle.host, remoteJobId: handle.remoteJobId, trainerLog: handle.trainerLog }, now());
  return { ...handle, done: handle.done.then(t.finish) };
}

/** Follows a run recorded by an earlier window (launcher.reattach) and records what follows. */
export async function reattachTracked(
  store: RunStore,
  launcher: TrainingLauncher,
  record: RunRecord,
  hooks: LaunchHooks,
  opts: TrackOptions = {},
): Promise<RunHandle> {
  if (!launcher.reattach) throw new Error(`${launcher.target} runs cannot be followed again after a reload`);
  const t = tracker(store, record.id, hooks, opts);
  const handle = await launcher.reattach(record, t.hooks);
  return { ...handle, done: handle.done.then(t.finish) };
}
