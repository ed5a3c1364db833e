// Starts a run through any launcher and records its life in the run store, so the runs view
// and a reloaded window see the same history.
import type { RunStore } from './runStore';
import type { LaunchHooks, RunHandle, RunMetrics, RunSpec, RunTarget, TrainingLauncher } from './types';

export interface TrackOptions {
  /** Persist metrics at most this often (the hooks still see every update). */
  metricsEveryMs?: number;
  logFile?: string;
  now?: () => Date;
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
  let lastSaved = 0;
  let pending: RunMetrics | undefined;
  const every = opts.metricsEveryMs ?? 5_000;
  const wrapped: LaunchHooks = {
    onLog: (l) => hooks.onLog(l),
    onMetrics: (m) => {
      pending = m;
      if (Date.now() - lastSaved >= every) {
        store.record(spec.id, { metrics: m }, now());
        lastSaved = Date.now();
        pending = undefined;
      }
      hooks.onMetrics(m);
    },
    onStatus: (s) => {
      if (s.status === 'running' || s.remoteJobId) store.record(spec.id, { status: s.status, ...(s.remoteJobId ? { remoteJobId: s.remoteJobId } : {}) }, now());
      hooks.onStatus(s);
    },
  };
  let handle: RunHandle;
  try {
    handle = await launcher.start(spec, wrapped);
  } catch (e) {
    const err = e as Error & { fix?: string };
    store.record(spec.id, { status: 'failed', error: err.fix ? `${err.message}. Fix: ${err.fix}` : err.message }, now());
    throw e;
  }
  store.record(spec.id, { pid: handle.pid, host: handle.host, remoteJobId: handle.remoteJobId }, now());
  const done = handle.done.then((s) => {
    store.record(
      spec.id,
      { status: s.status, ...(pending ? { metrics: pending } : {}), ...(s.output ? { output: s.output } : {}), ...(s.error ? { error: s.error } : {}) },
      now(),
    );
    return s;
  });
  return { ...handle, done };
}
