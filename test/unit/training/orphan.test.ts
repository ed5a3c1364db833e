// A window closed between the upload and the job creation: the run record has the training
// file but no job id. After the reload the launcher adopts the job made with that file, or
// fails the run saying none was created. Against the contract-enforcing servers.
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findOrphanJob } from '../../../src/core/training/managed';
import { OpenAILauncher } from '../../../src/core/training/openai';
import { RunStore } from '../../../src/core/training/runStore';
import { TogetherLauncher, TogetherProgress } from '../../../src/core/training/together';
import { reattachTracked, startTracked } from '../../../src/core/training/tracked';
import type { RunRecord, RunSpec } from '../../../src/core/training/types';
import { startOpenAIServer } from '../../fixtures/servers/openai';
import { startTogetherServer } from '../../fixtures/servers/together';
import { makeExport, recorder, tmpDir, waitFor } from './helpers';

const fast = { pollMs: 5, baseDelayMs: 5, maxDelayMs: 50 };
let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

function spec(id: string): RunSpec {
  const dir = path.join(tmpDir('orphan-'), 'data');
  const exp = makeExport(dir, 5, 'openai-dpo');
  return { id, method: 'dpo', datasetDir: dir, datasetHash: exp.hash, model: 'meta-llama/Llama-3-8b', epochs: 2, suffix: 'rlhf' };
}

/** Starts a run whose job creation never answers (the window "closes" while waiting): its record as left behind. */
async function abandonedStart(store: RunStore, launcher: { target: 'together' | 'openai' } & Parameters<typeof startTracked>[1], id: string): Promise<RunRecord> {
  void startTracked(store, launcher, spec(id), recorder().hooks).catch(() => {}); // ends when the server closes
  expect(await waitFor(() => !!store.get(id)?.trainingFile && store.get(id)!.updatedAt !== undefined)).toBe(true);
  // The record is written before the POST is sent; give the POST time to reach the server.
  await new Promise((r) => setTimeout(r, 200));
  return store.get(id)!;
}

describe('orphaned managed runs (closed between upload and job creation)', () => {
  it('Together: the training file is recorded before the POST; a reload adopts the job made with it', async () => {
    const srv = await startTogetherServer();
    servers.push(srv);
    srv.faults.push({ route: 'POST /fine-tunes', fault: { kind: 'hang-after' } });
    const store = new RunStore(path.join(tmpDir('orphan-store-'), 'runs'));
    const rec0 = await abandonedStart(store, new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast, retries: 0, timeoutMs: 120_000 }), 'tg-orphan');
    expect(srv.jobs).toHaveLength(1);
    expect(rec0).toMatchObject({ status: 'starting', trainingFile: srv.jobs[0].training_file });
    expect(rec0.remoteJobId).toBeUndefined();

    const rec = recorder();
    const later = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast, orphanGraceMs: 0 });
    const h = await reattachTracked(store, later, rec0, rec.hooks);
    expect(h.remoteJobId).toBe(srv.jobs[0].id);
    expect((await h.done).status).toBe('succeeded');
    expect(store.get('tg-orphan')).toMatchObject({ status: 'succeeded', remoteJobId: srv.jobs[0].id, output: 'user/meta-llama/Llama-3-8b-rlhf' });
    expect(srv.jobs).toHaveLength(1);
    expect(srv.requests.filter((r) => r === 'POST /fine-tunes')).toHaveLength(1);
    expect(rec.logs).toContain(`Together job ${srv.jobs[0].id} found by its training file ${rec0.trainingFile}: following it`);
  });

  it('Together: no job uses the recorded file: the run fails saying the job was never created', async () => {
    const srv = await startTogetherServer();
    servers.push(srv);
    srv.faults.push({ route: 'POST /fine-tunes', fault: { kind: 'hang' } });
    const store = new RunStore(path.join(tmpDir('orphan-store-'), 'runs'));
    const rec0 = await abandonedStart(store, new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast, retries: 0, timeoutMs: 120_000 }), 'tg-nojob');
    expect(srv.jobs).toHaveLength(0);
    const later = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast, orphanGraceMs: 0 });
    const final = await (await reattachTracked(store, later, rec0, recorder().hooks)).done;
    expect(final.status).toBe('failed');
    expect(final.error).toBe(`the window closed after uploading the training data (${rec0.trainingFile}) but before the Together job was created: no job uses that file. Start the run again.`);
    expect(store.get('tg-nojob')).toMatchObject({ status: 'failed', error: final.error });
    expect(srv.jobs).toHaveLength(0); // never created behind the user's back
  });

  it('a run cut off before its upload fails at once, with no request made', async () => {
    const srv = await startTogetherServer();
    servers.push(srv);
    const store = new RunStore(path.join(tmpDir('orphan-store-'), 'runs'));
    store.record('tg-early', { target: 'together', method: 'dpo', datasetHash: 'h', status: 'starting', createdAt: new Date().toISOString() });
    const final = await (await reattachTracked(store, new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast }), store.get('tg-early')!, recorder().hooks)).done;
    expect(final).toMatchObject({ status: 'failed', error: expect.stringMatching(/before the training data was uploaded: no Together job was created/) });
    expect(store.get('tg-early')!.status).toBe('failed');
    expect(srv.requests).toEqual([]);
  });

  it('OpenAI: adopts the job made with the recorded file, paging the job list with after', async () => {
    const srv = await startOpenAIServer();
    servers.push(srv);
    srv.faults.push({ route: 'POST /fine_tuning/jobs', fault: { kind: 'hang-after' } });
    const store = new RunStore(path.join(tmpDir('orphan-store-'), 'runs'));
    const now = () => new Date('2026-06-01');
    const rec0 = await abandonedStart(store, new OpenAILauncher({ apiKey: srv.apiKey, baseUrl: srv.url, now, ...fast, retries: 0, timeoutMs: 120_000 }), 'oa-orphan');
    expect(srv.jobs).toHaveLength(1);
    // 25 newer jobs from other runs push it off the first page of 20.
    const other = srv.jobs[0];
    for (let i = 0; i < 25; i++) srv.jobs.push({ ...other, id: `ftjob-other-${i}`, training_file: `file-other-${i}`, events: [], polls: 0 });
    const later = new OpenAILauncher({ apiKey: srv.apiKey, baseUrl: srv.url, now, ...fast, orphanGraceMs: 0 });
    const h = await reattachTracked(store, later, rec0, recorder().hooks);
    expect(h.remoteJobId).toBe(other.id);
    expect((await h.done).status).toBe('succeeded');
    expect(store.get('oa-orphan')).toMatchObject({ status: 'succeeded', remoteJobId: other.id });
    expect(srv.requests.some((r) => r.startsWith('GET /fine_tuning/jobs?limit=20&after=ftjob-other-'))).toBe(true);
    expect(srv.requests.filter((r) => r === 'POST /fine_tuning/jobs')).toHaveLength(1);
  });

  it('within the grace a missing job is looked up again (another window may be creating it)', async () => {
    let calls = 0;
    const record = { id: 'r', target: 'together', method: 'dpo', datasetHash: 'h', status: 'starting', createdAt: '', updatedAt: new Date().toISOString(), trainingFile: 'file-9' } as RunRecord;
    const found = await findOrphanJob(record, 'Together', async (f) => (++calls >= 3 ? { id: 'ft-9', f } : undefined), { graceMs: 10_000, pollMs: 5 });
    expect(found).toEqual({ id: 'ft-9', f: 'file-9' });
    expect(calls).toBe(3);
    const old = { ...record, updatedAt: new Date(Date.now() - 60_000).toISOString() };
    let n = 0;
    expect(await findOrphanJob(old, 'Together', async () => void n++, { graceMs: 30_000, pollMs: 5 })).toMatch(/no job uses that file/);
    expect(n).toBe(1);
  });
});

describe('Together progress', () => {
  it('a percent from event steps over total_steps, else whole epochs of the job; none made up', async () => {
    const p = new TogetherProgress();
    expect(p.fromEvents([{ message: 'Fine tune request created' }])).toBeUndefined();
    expect(p.fromJob({ n_epochs: 4, epochs_completed: 1 })).toEqual({ epoch: 1, percent: 25 });
    expect(p.fromJob({ n_epochs: 4 })).toBeUndefined();
    expect(p.fromEvents([{ type: 'TRAINING_START', total_steps: 40, step: 0 }, { step: 10 }])).toEqual({ step: 10, maxSteps: 40, percent: 25 });
    expect(p.fromEvents([{ message: 'no step' }])).toBeUndefined(); // nothing new
    expect(p.fromJob({ n_epochs: 4, epochs_completed: 2 })).toBeUndefined(); // steps are finer
    expect(p.fromEvents([{ step: 30 }])).toEqual({ step: 30, maxSteps: 40, percent: 75 });
  });

  it('a followed Together job reports percent from its events', async () => {
    const srv = await startTogetherServer();
    servers.push(srv);
    const rec = recorder();
    const l = new TogetherLauncher({ apiKey: srv.apiKey, baseUrl: srv.url, ...fast });
    expect((await (await l.start(spec('tg-pct'), rec.hooks)).done).status).toBe('succeeded');
    const pcts = rec.metrics.map((m) => m.percent);
    expect(pcts.length).toBeGreaterThan(0);
    expect(pcts.at(-1)).toBe(100);
    expect([...pcts].sort((a, b) => a! - b!)).toEqual(pcts); // never goes back
    expect(rec.metrics.find((m) => m.step === 5)).toMatchObject({ maxSteps: 10, percent: 50 });
  });
});
