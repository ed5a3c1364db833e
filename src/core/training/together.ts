// Together AI fine-tuning (FORMATS.md "Managed fine-tuning APIs").
import { ApiClient, createJobOnce, type ApiClientOptions } from './http';
import { findOrphanJob, pollJob, readExport, settledHandle, wholeNumber } from './managed';
import { LaunchError, assertSafeRunId, type LaunchHooks, type RunHandle, type RunMetrics, type RunRecord, type RunSpec, type RunStatus, type StatusUpdate, type TrainingLauncher } from './types';

export const TOGETHER_BASE_URL = 'https://api.together.xyz/v1';

export interface TogetherOptions extends Partial<Omit<ApiClientOptions, 'provider' | 'apiKey'>> {
  apiKey: string;
  pollMs?: number;
  /** After a reload: how long a run without a job id may still be getting one (findOrphanJob). */
  orphanGraceMs?: number;
}

interface TogetherJob {
  id: string;
  status: string;
  training_file?: string;
  output_name?: string;
  model_output_name?: string;
  error?: string;
  n_epochs?: number;
  epochs_completed?: number | null;
}

/** Together's job events; training events carry `step` and (from the start) `total_steps`. */
interface TogetherEvent {
  message?: string;
  created_at?: string;
  type?: string;
  step?: number | null;
  total_steps?: number | null;
}

/**
 * Progress from what Together reports: the latest event `step` over the `total_steps` an
 * earlier event announced; without those, whole epochs (`epochs_completed` / `n_epochs` of the
 * job). Undefined when neither is known: no percent is made up.
 */
export class TogetherProgress {
  private step: number | undefined;
  private total: number | undefined;

  fromEvents(events: TogetherEvent[]): RunMetrics | undefined {
    let changed = false;
    for (const e of events) {
      if (typeof e.total_steps === 'number' && Number.isFinite(e.total_steps) && e.total_steps > 0) {
        changed ||= this.total !== e.total_steps;
        this.total = e.total_steps;
      }
      if (typeof e.step === 'number' && Number.isFinite(e.step) && e.step >= 0 && e.step !== this.step) {
        this.step = e.step;
        changed = true;
      }
    }
    if (!changed || this.step === undefined) return undefined;
    const m: RunMetrics = { step: this.step };
    if (this.total) {
      m.maxSteps = this.total;
      m.percent = Math.min(100, (100 * this.step) / this.total);
    }
    return m;
  }

  fromJob(j: Pick<TogetherJob, 'n_epochs' | 'epochs_completed'>): RunMetrics | undefined {
    if (this.total && this.step !== undefined) return undefined; // steps are finer
    const done = j.epochs_completed;
    if (typeof done !== 'number' || typeof j.n_epochs !== 'number' || !(j.n_epochs > 0) || done < 0) return undefined;
    return { epoch: done, percent: Math.min(100, (100 * done) / j.n_epochs) };
  }
}

export function togetherStatus(s: string): RunStatus {
  switch (s) {
    case 'pending':
    case 'queued':
      return 'starting';
    case 'completed':
      return 'succeeded';
    case 'cancelled':
      return 'cancelled';
    case 'error':
    case 'user_error':
    case 'failed':
      return 'failed';
    default:
      return 'running'; // running, compressing, uploading, cancel_requested, ...
  }
}

export class TogetherLauncher implements TrainingLauncher {
  readonly target = 'together' as const;
  readonly api: ApiClient;
  private stopped = new Set<string>();

  constructor(private readonly o: TogetherOptions) {
    this.api = new ApiClient({ ...o, provider: 'Together', baseUrl: o.baseUrl ?? TOGETHER_BASE_URL });
  }

  private async upload(name: string, bytes: Buffer): Promise<string> {
    const res = await this.api.request<{ id: string }>('POST', '/files/upload', {
      idempotent: true, // a repeated upload only leaves a spare file behind
      form: () => {
        const f = new FormData();
        f.append('file', new Blob([new Uint8Array(bytes)]), name);
        f.append('purpose', 'fine-tune');
        f.append('file_name', name);
        return f;
      },
    });
    return res.id;
  }

  async start(spec: RunSpec, hooks: LaunchHooks): Promise<RunHandle> {
    assertSafeRunId(spec.id);
    if (spec.method !== 'dpo' && spec.method !== 'sft') throw new LaunchError(`Together runs DPO or SFT, not ${spec.method}`);
    const files = readExport(spec.datasetDir, spec.method === 'dpo' ? ['openai-dpo'] : ['trl-sft'], 'Together');
    // Together takes whole epochs and batch sizes (a fraction is a 400 after the upload).
    const nEpochs = wholeNumber(spec.epochs, 'number of epochs', 'Together', hooks);
    const batchSize = wholeNumber(spec.batchSize, 'batch size', 'Together', hooks);
    hooks.onStatus({ status: 'starting', message: 'uploading training data' });
    const trainingFile = await this.upload(`${spec.id}-train.jsonl`, files.train.bytes);
    const validationFile = files.eval ? await this.upload(`${spec.id}-eval.jsonl`, files.eval.bytes) : undefined;
    const body: Record<string, unknown> = {
      training_file: trainingFile,
      model: spec.model,
      training_method: spec.method === 'dpo' ? { method: 'dpo', ...(spec.beta !== undefined ? { dpo_beta: spec.beta } : {}) } : { method: 'sft' },
    };
    if (nEpochs !== undefined) body.n_epochs = nEpochs;
    if (spec.learningRate !== undefined) body.learning_rate = spec.learningRate;
    if (batchSize !== undefined) body.batch_size = batchSize;
    if (spec.suffix) body.suffix = spec.suffix;
    if (validationFile) body.validation_file = validationFile;
    // Recorded before the POST: a window closed now finds the job by this file after a reload.
    hooks.onStatus({ status: 'starting', message: 'creating the fine-tuning job', trainingFile });
    const job = await createJobOnce(
      () => this.api.request<TogetherJob>('POST', '/fine-tunes', { json: body, idempotent: false }),
      () => this.jobForFile(trainingFile),
    );
    hooks.onLog(`Together job ${job.id} created (training file ${trainingFile})`);
    hooks.onStatus({ status: togetherStatus(job.status), message: job.status, remoteJobId: job.id });
    return this.follow(spec.id, job.id, hooks);
  }

  /** The job created with this (freshly uploaded, so run-unique) training file, if any. */
  async jobForFile(trainingFile: string): Promise<TogetherJob | undefined> {
    const list = await this.api.request<{ data: TogetherJob[] }>('GET', '/fine-tunes', { idempotent: true });
    return list.data.find((j) => j.training_file === trainingFile);
  }

  private follow(runId: string, jobId: string, hooks: LaunchHooks): RunHandle {
    let seen = 0;
    const progress = new TogetherProgress();
    const done: Promise<StatusUpdate> = pollJob(hooks, {
      pollMs: this.o.pollMs ?? 10_000,
      isStopped: () => this.stopped.has(runId),
      fetchJob: async () => {
        const j = await this.api.request<TogetherJob>('GET', `/fine-tunes/${encodeURIComponent(jobId)}`, { idempotent: true });
        return { status: togetherStatus(j.status), remoteStatus: j.status, output: j.output_name ?? j.model_output_name, error: j.error, metrics: progress.fromJob(j) };
      },
      fetchNewEvents: async () => {
        const ev = await this.api.request<{ data: TogetherEvent[] }>('GET', `/fine-tunes/${encodeURIComponent(jobId)}/events`, { idempotent: true });
        const fresh = ev.data.slice(seen);
        seen = ev.data.length;
        const m = progress.fromEvents(fresh);
        return { lines: fresh.map((e) => `${e.created_at ?? ''} ${e.message ?? ''}`.trim()), metrics: m ? [m] : [] };
      },
    });
    return { runId, target: 'together', remoteJobId: jobId, done };
  }

  async cancel(handle: RunHandle): Promise<void> {
    if (!handle.remoteJobId) throw new LaunchError(`run ${handle.runId} has no Together job id`);
    await this.api.request('POST', `/fine-tunes/${encodeURIComponent(handle.remoteJobId)}/cancel`, { idempotent: true });
  }

  /**
   * Follows the recorded job; a run recorded without one (the window closed between the upload
   * and the job creation) adopts the job that uses its training file, or fails saying so.
   */
  async reattach(record: RunRecord, hooks: LaunchHooks): Promise<RunHandle> {
    if (record.remoteJobId) return this.follow(record.id, record.remoteJobId, hooks);
    const found = await findOrphanJob(record, 'Together', (f) => this.jobForFile(f), { graceMs: this.o.orphanGraceMs, pollMs: this.o.pollMs });
    if (typeof found === 'string') return settledHandle(record, hooks, { status: 'failed', error: found });
    hooks.onLog(`Together job ${found.id} found by its training file ${record.trainingFile}: following it`);
    hooks.onStatus({ status: togetherStatus(found.status), message: found.status, remoteJobId: found.id });
    return { ...this.follow(record.id, found.id, hooks), remoteJobId: found.id };
  }

  /** Stop polling (window closing); the remote job continues. */
  detach(runId: string): void {
    this.stopped.add(runId);
  }
}
