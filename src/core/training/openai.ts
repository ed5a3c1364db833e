// OpenAI fine-tuning (FORMATS.md "Managed fine-tuning APIs"). Never the default target:
// OpenAI stops accepting new fine-tuning jobs on OPENAI_FINE_TUNING_END.
import { ApiClient, createJobOnce, type ApiClientOptions } from './http';
import { findOrphanJob, pollJob, readExport, settledHandle, wholeNumber } from './managed';
import { LaunchError, assertSafeRunId, type LaunchHooks, type RunHandle, type RunMetrics, type RunRecord, type RunSpec, type RunStatus, type StatusUpdate, type TrainingLauncher } from './types';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** OpenAI stops accepting new fine-tuning jobs for everyone on this date (UTC). */
export const OPENAI_FINE_TUNING_END = '2027-01-06';
export const OPENAI_FINE_TUNING_NOTICE = `OpenAI stops accepting new fine-tuning jobs on ${OPENAI_FINE_TUNING_END}.`;

export interface OpenAIOptions extends Partial<Omit<ApiClientOptions, 'provider' | 'apiKey'>> {
  apiKey: string;
  pollMs?: number;
  eventsPageSize?: number;
  now?: () => Date;
  /** After a reload: how long a run without a job id may still be getting one (findOrphanJob). */
  orphanGraceMs?: number;
}

interface OpenAIJob {
  id: string;
  status: string;
  training_file: string;
  fine_tuned_model?: string | null;
  error?: { code?: string; message?: string; param?: string | null } | null;
}

interface OpenAIEvent {
  id: string;
  created_at: number;
  level?: string;
  message: string;
  type?: string;
  data?: Record<string, unknown> | null;
}

export function openaiStatus(s: string): RunStatus {
  switch (s) {
    case 'validating_files':
    case 'queued':
      return 'starting';
    case 'succeeded':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'running'; // running, pausing, paused
  }
}

type Hyper = number | 'auto';

export class OpenAILauncher implements TrainingLauncher {
  readonly target = 'openai' as const;
  readonly api: ApiClient;
  private stopped = new Set<string>();

  constructor(private readonly o: OpenAIOptions) {
    this.api = new ApiClient({ ...o, provider: 'OpenAI', baseUrl: o.baseUrl ?? OPENAI_BASE_URL });
  }

  private async upload(name: string, bytes: Buffer): Promise<string> {
    const res = await this.api.request<{ id: string }>('POST', '/files', {
      idempotent: true,
      form: () => {
        const f = new FormData();
        f.append('purpose', 'fine-tune');
        f.append('file', new Blob([new Uint8Array(bytes)]), name);
        return f;
      },
    });
    return res.id;
  }

  async start(spec: RunSpec, hooks: LaunchHooks): Promise<RunHandle> {
    assertSafeRunId(spec.id);
    const now = (this.o.now ?? (() => new Date()))();
    if (now.toISOString().slice(0, 10) >= OPENAI_FINE_TUNING_END) throw new LaunchError(OPENAI_FINE_TUNING_NOTICE, 'use Together, an SSH GPU host or a local run');
    // Supervised jobs need {"messages": [...]} rows, which no export writes yet: DPO only.
    if (spec.method !== 'dpo') throw new LaunchError(`OpenAI target runs DPO only, not ${spec.method}`);
    const files = readExport(spec.datasetDir, ['openai-dpo'], 'OpenAI');
    const nEpochs = wholeNumber(spec.epochs, 'number of epochs', 'OpenAI', hooks);
    const batchSize = wholeNumber(spec.batchSize, 'batch size', 'OpenAI', hooks);
    hooks.onStatus({ status: 'starting', message: 'uploading training data' });
    const trainingFile = await this.upload(`${spec.id}-train.jsonl`, files.train.bytes);
    const validationFile = files.eval ? await this.upload(`${spec.id}-eval.jsonl`, files.eval.bytes) : undefined;
    const h = (v: number | undefined): Hyper => v ?? 'auto';
    const common = { batch_size: h(batchSize), learning_rate_multiplier: h(spec.learningRate), n_epochs: h(nEpochs) };
    const method = { type: 'dpo', dpo: { hyperparameters: { beta: h(spec.beta), ...common } } };
    const body: Record<string, unknown> = { model: spec.model, training_file: trainingFile, method };
    if (validationFile) body.validation_file = validationFile;
    if (spec.suffix) body.suffix = spec.suffix;
    if (spec.seed !== undefined) body.seed = spec.seed;
    // Recorded before the POST: a window closed now finds the job by this file after a reload.
    hooks.onStatus({ status: 'starting', message: 'creating the fine-tuning job', trainingFile });
    const job = await createJobOnce(
      () => this.api.request<OpenAIJob>('POST', '/fine_tuning/jobs', { json: body, idempotent: false }),
      () => this.jobForFile(trainingFile, 1),
    );
    hooks.onLog(`OpenAI job ${job.id} created (training file ${trainingFile}). ${OPENAI_FINE_TUNING_NOTICE}`);
    hooks.onStatus({ status: openaiStatus(job.status), message: job.status, remoteJobId: job.id });
    return this.follow(spec.id, job.id, hooks);
  }

  /**
   * The job created with this (freshly uploaded, so run-unique) training file: jobs are listed
   * newest first, paged with `after`, `pages` pages of 20 at most.
   */
  async jobForFile(trainingFile: string, pages = 5): Promise<OpenAIJob | undefined> {
    let after: string | undefined;
    for (let i = 0; i < pages; i++) {
      const list = await this.api.request<{ data: OpenAIJob[]; has_more?: boolean }>('GET', '/fine_tuning/jobs', { idempotent: true, query: { limit: 20, after } });
      const found = list.data.find((j) => j.training_file === trainingFile);
      if (found) return found;
      if (!list.has_more || list.data.length === 0) return undefined;
      after = list.data[list.data.length - 1].id;
    }
    return undefined;
  }

  /** Events arrive newest first; page back with `after` until a seen event, then replay oldest first. */
  private async newEvents(jobId: string, seen: Set<string>): Promise<OpenAIEvent[]> {
    const fresh: OpenAIEvent[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.api.request<{ data: OpenAIEvent[]; has_more: boolean }>('GET', `/fine_tuning/jobs/${encodeURIComponent(jobId)}/events`, {
        idempotent: true,
        query: { after, limit: this.o.eventsPageSize ?? 50 },
      });
      let reachedSeen = false;
      for (const e of page.data) {
        if (seen.has(e.id)) {
          reachedSeen = true;
          break;
        }
        fresh.push(e);
      }
      if (reachedSeen || !page.has_more || page.data.length === 0) break;
      after = page.data[page.data.length - 1].id;
    }
    for (const e of fresh) seen.add(e.id);
    return fresh.reverse();
  }

  private follow(runId: string, jobId: string, hooks: LaunchHooks): RunHandle {
    const seen = new Set<string>();
    const done: Promise<StatusUpdate> = pollJob(hooks, {
      pollMs: this.o.pollMs ?? 15_000,
      isStopped: () => this.stopped.has(runId),
      fetchJob: async () => {
        const j = await this.api.request<OpenAIJob>('GET', `/fine_tuning/jobs/${encodeURIComponent(jobId)}`, { idempotent: true });
        const error = j.error?.message ? `${j.error.code ? j.error.code + ': ' : ''}${j.error.message}` : undefined;
        return { status: openaiStatus(j.status), remoteStatus: j.status, output: j.fine_tuned_model ?? undefined, error };
      },
      fetchNewEvents: async () => {
        const evs = await this.newEvents(jobId, seen);
        const metrics: RunMetrics[] = [];
        const lines: string[] = [];
        for (const e of evs) {
          if (e.type === 'metrics' && e.data) {
            const d = e.data;
            const values: Record<string, number> = {};
            for (const [k, v] of Object.entries(d)) if (typeof v === 'number') values[k] = v;
            const m: RunMetrics = { values };
            if (typeof d.step === 'number') m.step = d.step;
            if (typeof d.total_steps === 'number') m.maxSteps = d.total_steps;
            if (typeof d.train_loss === 'number') m.loss = d.train_loss;
            if (m.step !== undefined && m.maxSteps) m.percent = Math.min(100, (100 * m.step) / m.maxSteps);
            metrics.push(m);
          } else lines.push(`${new Date(e.created_at * 1000).toISOString()} ${e.level ?? 'info'}: ${e.message}`);
        }
        return { lines, metrics };
      },
    });
    return { runId, target: 'openai', remoteJobId: jobId, done };
  }

  async cancel(handle: RunHandle): Promise<void> {
    if (!handle.remoteJobId) throw new LaunchError(`run ${handle.runId} has no OpenAI job id`);
    await this.api.request('POST', `/fine_tuning/jobs/${encodeURIComponent(handle.remoteJobId)}/cancel`, { idempotent: true });
  }

  /**
   * Follows the recorded job; a run recorded without one (the window closed between the upload
   * and the job creation) adopts the job that uses its training file, or fails saying so.
   */
  async reattach(record: RunRecord, hooks: LaunchHooks): Promise<RunHandle> {
    if (record.remoteJobId) return this.follow(record.id, record.remoteJobId, hooks);
    const found = await findOrphanJob(record, 'OpenAI', (f) => this.jobForFile(f), { graceMs: this.o.orphanGraceMs, pollMs: this.o.pollMs });
    if (typeof found === 'string') return settledHandle(record, hooks, { status: 'failed', error: found });
    hooks.onLog(`OpenAI job ${found.id} found by its training file ${record.trainingFile}: following it`);
    hooks.onStatus({ status: openaiStatus(found.status), message: found.status, remoteJobId: found.id });
    return { ...this.follow(record.id, found.id, hooks), remoteJobId: found.id };
  }

  detach(runId: string): void {
    this.stopped.add(runId);
  }
}
