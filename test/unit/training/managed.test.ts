import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../../../src/core/training/http';
import { OPENAI_FINE_TUNING_END, OpenAILauncher } from '../../../src/core/training/openai';
import { TogetherLauncher } from '../../../src/core/training/together';
import { LaunchError, type RunSpec } from '../../../src/core/training/types';
import { startOpenAIServer, type OpenAIServer } from '../../fixtures/servers/openai';
import { startTogetherServer, type TogetherServer } from '../../fixtures/servers/together';
import { makeExport, recorder, tmpDir } from './helpers';

const fast = { pollMs: 5, baseDelayMs: 5, maxDelayMs: 50 };
let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

function spec(id: string, format: 'openai-dpo' | 'trl-preference' = 'openai-dpo'): RunSpec {
  const dir = path.join(tmpDir('managed-'), 'data');
  const exp = makeExport(dir, 5, format);
  return { id, method: 'dpo', datasetDir: dir, datasetHash: exp.hash, model: 'meta-llama/Llama-3-8b', epochs: 2, beta: 0.2, suffix: 'rlhf' };
}

async function together(): Promise<TogetherServer> {
  const s = await startTogetherServer();
  servers.push(s);
  return s;
}
async function openai(): Promise<OpenAIServer> {
  const s = await startOpenAIServer();
  servers.push(s);
  return s;
}

describe('Together launcher against a contract-enforcing server', () => {
  it('uploads, creates a DPO job with the documented body, follows it to completion', async () => {
    const srv = await together();
    const rec = recorder();
    const l = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast });
    const h = await l.start(spec('tg1'), rec.hooks);
    const final = await h.done;
    expect(final).toMatchObject({ status: 'succeeded', output: 'user/meta-llama/Llama-3-8b-rlhf' });
    expect(srv.jobs).toHaveLength(1);
    expect(srv.jobs[0].body).toEqual({ training_file: 'file-1', model: 'meta-llama/Llama-3-8b', training_method: { method: 'dpo', dpo_beta: 0.2 }, n_epochs: 2, suffix: 'rlhf' });
    expect(JSON.parse(srv.files.get('file-1')!.content.split('\n')[0])).toHaveProperty('preferred_output');
    expect(rec.statuses.map((s) => `${s.status}:${s.message}`)).toEqual(['starting:uploading training data', 'starting:creating the fine-tuning job', 'starting:pending', 'starting:pending', 'starting:queued', 'running:running', 'succeeded:completed']);
    expect(rec.logs.some((x) => x.includes('Fine tune request created'))).toBe(true);
    expect(h.remoteJobId).toBe(srv.jobs[0].id);
  });

  it('refuses an export in the wrong format before uploading anything', async () => {
    const srv = await together();
    const l = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast });
    const err = await l.start(spec('tg2', 'trl-preference'), recorder().hooks).catch((e) => e);
    expect(err).toBeInstanceOf(LaunchError);
    expect(err.message).toMatch(/openai-dpo/);
    expect(srv.requests).toEqual([]);
  });

  it('sends whole epochs and batch sizes (the API rejects fractions); refuses a non-positive one before uploading', async () => {
    const srv = await together();
    const rec = recorder();
    const l = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast });
    const h = await l.start({ ...spec('tg-frac'), epochs: 1.6, batchSize: 8.2 }, rec.hooks);
    expect((await h.done).status).toBe('succeeded');
    expect(srv.jobs[0].body).toMatchObject({ n_epochs: 2, batch_size: 8 });
    expect(rec.logs).toContain('Together takes a whole number of epochs: sending 2 instead of 1.6');
    expect(rec.logs).toContain('Together takes a whole batch size: sending 8 instead of 8.2');
    const srv2 = await together();
    const err = await new TogetherLauncher({ apiKey: srv2.apiKey, baseUrl: srv2.url, ...fast }).start({ ...spec('tg-zero'), epochs: 0 }, recorder().hooks).catch((e) => e);
    expect(err).toBeInstanceOf(LaunchError);
    expect(err.message).toBe('Together needs a positive number of epochs, not 0');
    expect(srv2.requests).toEqual([]);
  });

  it('retries 429 (Retry-After), 5xx and dropped connections on idempotent calls', async () => {
    const srv = await together();
    srv.faults.push({ route: 'POST /files/upload', fault: { kind: '429', retryAfterS: 0 } }, { route: 'POST /files/upload', fault: { kind: 'drop' } }, { route: 'GET /fine-tunes/', fault: { kind: '500' } });
    const l = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast });
    const final = await (await l.start(spec('tg3'), recorder().hooks)).done;
    expect(final.status).toBe('succeeded');
    expect(srv.faults).toEqual([]);
    expect(srv.requests.filter((r) => r === 'POST /files/upload')).toHaveLength(3);
  });

  it('never creates a job twice when the create call is dropped after the job exists', async () => {
    const srv = await together();
    srv.faults.push({ route: 'POST /fine-tunes', fault: { kind: 'drop-after' } });
    const l = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast });
    const h = await l.start(spec('tg4'), recorder().hooks);
    expect((await h.done).status).toBe('succeeded');
    expect(srv.jobs).toHaveLength(1);
    expect(h.remoteJobId).toBe(srv.jobs[0].id);
    expect(srv.requests.filter((r) => r === 'POST /fine-tunes')).toHaveLength(1);
    expect(srv.requests).toContain('GET /fine-tunes');
  });

  it('re-posts a create that failed with a 500 only after checking no job exists', async () => {
    const srv = await together();
    srv.faults.push({ route: 'POST /fine-tunes', fault: { kind: '500' } });
    const h = await new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast }).start(spec('tg5'), recorder().hooks);
    await h.done;
    expect(srv.jobs).toHaveLength(1);
    const i = srv.requests.indexOf('GET /fine-tunes');
    expect(srv.requests.slice(i - 1, i + 2)).toEqual(['POST /fine-tunes', 'GET /fine-tunes', 'POST /fine-tunes']);
  });

  it('cancel reaches the job; the run ends cancelled', async () => {
    const srv = await together();
    srv.statusSequence = ['pending', 'running'];
    const l = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast });
    const rec = recorder();
    const h = await l.start(spec('tg6'), rec.hooks);
    await rec.until(() => rec.statuses.some((s) => s.status === 'running'));
    await l.cancel(h);
    expect((await h.done).status).toBe('cancelled');
    expect(srv.requests).toContain(`POST /fine-tunes/${h.remoteJobId}/cancel`);
  });

  it('a wrong key gives a clear error that never contains the key', async () => {
    const srv = await together();
    const bad = 'tg-WRONG-secret-key-987';
    const err = await new TogetherLauncher({ apiKey: bad, baseUrl: srv.url, ...fast }).start(spec('tg7'), recorder().hooks).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe('Together POST /files/upload: HTTP 401: Invalid API key provided');
    expect(JSON.stringify(err) + err.stack).not.toContain(bad);
  });
});

describe('OpenAI launcher against a contract-enforcing server', () => {
  it('creates a DPO job with the documented method body and pages events newest-first', async () => {
    const srv = await openai();
    const rec = recorder();
    const l = new OpenAILauncher({ apiKey: srv.apiKey, baseUrl: srv.url, eventsPageSize: 2, now: () => new Date('2026-06-01'), ...fast });
    const h = await l.start({ ...spec('oa1'), seed: 7 }, rec.hooks);
    const final = await h.done;
    expect(final).toMatchObject({ status: 'succeeded', output: `ft:meta-llama/Llama-3-8b:org::${h.remoteJobId}` });
    expect(srv.jobs[0].body).toEqual({
      model: 'meta-llama/Llama-3-8b',
      training_file: srv.jobs[0].training_file,
      suffix: 'rlhf',
      seed: 7,
      method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.2, batch_size: 'auto', learning_rate_multiplier: 'auto', n_epochs: 2 } } },
    });
    // Every metrics event arrives once, in order, despite pages of 2.
    expect(rec.metrics.map((m) => m.step)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    expect(rec.metrics[2]).toMatchObject({ maxSteps: 12, percent: 25, loss: 1 / 3 });
    const messages = rec.logs.filter((x) => x.includes('info: '));
    expect(messages[0]).toMatch(/Created fine-tuning job/);
    expect(messages.at(-1)).toMatch(/Job status: succeeded/);
    expect(new Set(messages).size).toBe(messages.length);
    expect(srv.requests.some((r) => /events\?after=ftevent-\d+&limit=2/.test(r))).toBe(true);
  });

  it('rounds fractional epochs to a whole number, as the API takes', async () => {
    const srv = await openai();
    const rec = recorder();
    const l = new OpenAILauncher({ apiKey: srv.apiKey, baseUrl: srv.url, now: () => new Date('2026-06-01'), ...fast });
    await (await l.start({ ...spec('oa-frac'), epochs: 2.4 }, rec.hooks)).done;
    expect((srv.jobs[0].body.method as { dpo: { hyperparameters: Record<string, unknown> } }).dpo.hyperparameters.n_epochs).toBe(2);
    expect(rec.logs).toContain('OpenAI takes a whole number of epochs: sending 2 instead of 2.4');
  });

  it('a failed job reports the provider error; the server rejects unknown fields in OpenAI error style', async () => {
    const srv = await openai();
    srv.statusSequence = ['validating_files', 'failed'];
    const l = new OpenAILauncher({ apiKey: srv.apiKey, baseUrl: srv.url, now: () => new Date('2026-06-01'), ...fast });
    const final = await (await l.start(spec('oa2'), recorder().hooks)).done;
    expect(final).toMatchObject({ status: 'failed', error: 'invalid_training_file: training file has problems' });
    const api = new ApiClient({ provider: 'OpenAI', baseUrl: srv.url, apiKey: srv.apiKey, retries: 0 });
    const err = await api.request<unknown>('POST', '/fine_tuning/jobs', { json: { model: 'm', training_file: 'file-1', hyperparameters: {} }, idempotent: false }).then(() => { throw new Error('expected failure'); }, (e: unknown) => e as ApiError);
    expect(err.message).toBe('OpenAI POST /fine_tuning/jobs: HTTP 400: Unrecognized request argument supplied: hyperparameters');
  });

  it('no duplicate job after a dropped create; 429 on create is retried', async () => {
    const srv = await openai();
    srv.faults.push({ route: 'POST /fine_tuning/jobs', fault: { kind: '429', retryAfterS: 0 } }, { route: 'POST /fine_tuning/jobs', fault: { kind: 'drop-after' } });
    const l = new OpenAILauncher({ apiKey: srv.apiKey, baseUrl: srv.url, now: () => new Date('2026-06-01'), ...fast });
    const h = await l.start(spec('oa3'), recorder().hooks);
    expect((await h.done).status).toBe('succeeded');
    expect(srv.jobs).toHaveLength(1);
    expect(srv.requests.filter((r) => r === 'POST /fine_tuning/jobs')).toHaveLength(2);
  });

  it('cancel, and no new jobs from the shutdown date on', async () => {
    const srv = await openai();
    srv.statusSequence = ['validating_files', 'running'];
    srv.metricsPerPoll = 0;
    const l = new OpenAILauncher({ apiKey: srv.apiKey, baseUrl: srv.url, now: () => new Date('2026-06-01'), ...fast });
    const rec = recorder();
    const h = await l.start(spec('oa4'), rec.hooks);
    await rec.until(() => rec.statuses.some((s) => s.status === 'running'));
    await l.cancel(h);
    expect((await h.done).status).toBe('cancelled');
    const late = new OpenAILauncher({ apiKey: srv.apiKey, baseUrl: srv.url, now: () => new Date(`${OPENAI_FINE_TUNING_END}T00:00:01Z`) });
    await expect(late.start(spec('oa5'), recorder().hooks)).rejects.toThrow(/stops accepting new fine-tuning jobs on 2027-01-06/);
  });

  it('gives up on a persistent 5xx for GET after retries, with the key redacted', async () => {
    const srv = await openai();
    for (let i = 0; i < 3; i++) srv.faults.push({ route: 'GET /fine_tuning/jobs', fault: { kind: '500' } });
    const api = new ApiClient({ provider: 'OpenAI', baseUrl: srv.url, apiKey: srv.apiKey, retries: 2, baseDelayMs: 1 });
    const err = await api.request<unknown>('GET', '/fine_tuning/jobs', { idempotent: true }).then(() => { throw new Error('expected failure'); }, (e: unknown) => e as ApiError);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(500);
    expect(srv.requests.filter((r) => r.startsWith('GET /fine_tuning/jobs'))).toHaveLength(3);
  });
});
