// Together AI fine-tuning (FORMATS.md "Managed fine-tuning APIs").
import { ApiClient, createJobOnce, type ApiClientOptions } from './http';
import { pollJob, readExport, wholeNumber } from './managed';
import { LaunchError, assertSafeRunId, type LaunchHooks, type RunHandle, type RunRecord, type RunSpec, type RunStatus, type StatusUpdate, type TrainingLauncher } from './types';

export const TOGETHER_BASE_URL = 'https://api.together.xyz/v1';

export interface TogetherOptions extends Partial<Omit<ApiClientOptions, 'provider' | 'apiKey'>> {
  apiKey: string;
  pollMs?: number;
}

interface TogetherJob {
  id: string;
  status: string;
  training_file?: string;
  output_name?: string;
  model_output_name?: string;
  error?: string;
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
    const job = await createJobOnce(
      () => this.api.request<TogetherJob>('POST', '/fine-tunes', { json: body, idempotent: false }),
      async () => {
        const list = await this.api.request<{ data: TogetherJob[] }>('GET', '/fine-tunes', { idempotent: true });
        return list.data.find((j) => j.training_file === trainingFile);
      },
    );
    hooks.onLog(`Together job ${job.id} created (training file ${trainingFile})`);
    hooks.onStatus({ status: togetherStatus(job.status), message: job.status, remoteJobId: job.id });
    return this.follow(spec.id, job.id, hooks);
  }

  private follow(runId: string, jobId: string, hooks: LaunchHooks): RunHandle {
    let seen = 0;
    const done: Promise<StatusUpdate> = pollJob(hooks, {
      pollMs: this.o.pollMs ?? 10_000,
      isStopped: () => this.stopped.has(runId),
      fetchJob: async () => {
        const j = await this.api.request<TogetherJob>('GET', `/fine-tunes/${encodeURIComponent(jobId)}`, { idempotent: true });
        return { status: togetherStatus(j.status), remoteStatus: j.status, output: j.output_name ?? j.model_output_name, error: j.error };
      },
      fetchNewEvents: async () => {
        const ev = await this.api.request<{ data: { message?: string; created_at?: string }[] }>('GET', `/fine-tunes/${encodeURIComponent(jobId)}/events`, { idempotent: true });
        const fresh = ev.data.slice(seen);
        seen = ev.data.length;
        return { lines: fresh.map((e) => `${e.created_at ?? ''} ${e.message ?? ''}`.trim()) };
      },
    });
    return { runId, target: 'together', remoteJobId: jobId, done };
  }

  async cancel(handle: RunHandle): Promise<void> {
    if (!handle.remoteJobId) throw new LaunchError(`run ${handle.runId} has no Together job id`);
    await this.api.request('POST', `/fine-tunes/${encodeURIComponent(handle.remoteJobId)}/cancel`, { idempotent: true });
  }

  async reattach(record: RunRecord, hooks: LaunchHooks): Promise<RunHandle> {
    if (!record.remoteJobId) throw new LaunchError(`run ${record.id} has no Together job id`);
    return this.follow(record.id, record.remoteJobId, hooks);
  }

  /** Stop polling (window closing); the remote job continues. */
  detach(runId: string): void {
    this.stopped.add(runId);
  }
}
