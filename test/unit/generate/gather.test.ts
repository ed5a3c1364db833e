import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from '../../fixtures/servers/chatCompletions';
import {
  GenerationError,
  OpenAICompatibleSource,
  gatherCandidates,
  queueItemFrom,
  type CandidateSource,
  type GatherEvent,
} from '../../../src/core/generate';
import { QueueItemSchema } from '../../../src/core/records';

let server: ChatServer;
beforeAll(async () => {
  server = await startChatServer();
});
afterAll(() => server.close());

const prompt = { instruction: 'Write a haiku about tests' };
const mk = (id: string, model: string, extra: object = {}) =>
  new OpenAICompatibleSource({ id, baseUrl: server.url, model, retries: 0, idleTimeoutMs: 300, timeoutMs: 2000, ...extra });

describe('gatherCandidates', () => {
  it('runs sources in parallel; a failing source reports its own error while the others complete', async () => {
    const events: GatherEvent[] = [];
    const results = await gatherCandidates([mk('a', 'alpha'), mk('bad', 'test-400'), mk('hung', 'test-hang'), mk('b', 'beta')], prompt, {
      n: 2,
      onEvent: (e) => events.push(e),
    });
    expect(results.map((r) => [r.sourceId, r.ok])).toEqual([
      ['a', true],
      ['bad', false],
      ['hung', false],
      ['b', true],
    ]);
    const [a, bad, hung, b] = results;
    if (!a.ok || !b.ok || bad.ok || hung.ok) throw new Error('unreachable');
    expect(a.candidates).toHaveLength(2);
    expect(b.candidates.every((c) => c.source === 'b' && c.model === 'beta')).toBe(true);
    expect(bad.error).toBeInstanceOf(GenerationError);
    expect(bad.error.status).toBe(400);
    expect(hung.error.kind).toBe('idle');
    expect(events.filter((e) => e.type === 'delta' && e.sourceId === 'a').length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'done').map((e) => e.sourceId).sort()).toEqual(['a', 'b']);
    expect(events.filter((e) => e.type === 'error').map((e) => e.sourceId).sort()).toEqual(['bad', 'hung']);

    const item = queueItemFrom(prompt, results, { now: new Date('2025-01-01T00:00:00Z') });
    expect(item).toBeDefined();
    expect(QueueItemSchema.safeParse(item).success).toBe(true);
    expect(item!.candidates).toHaveLength(4);
    expect(item!.origin).toEqual({ kind: 'generate' });
  });

  it('collects warnings per source and wraps errors of foreign sources', async () => {
    const foreign: CandidateSource = {
      id: 'lm',
      label: 'Copilot',
      generate: async () => {
        throw new Error('no language model available');
      },
    };
    const results = await gatherCandidates([mk('broken', 'test-broken'), foreign], prompt);
    const [broken, lm] = results;
    expect(broken.ok).toBe(true);
    expect(broken.warnings).toHaveLength(1);
    expect(broken.warnings[0]).toMatch(/malformed stream chunk/);
    expect(lm.ok).toBe(false);
    if (!lm.ok) {
      expect(lm.error).toBeInstanceOf(GenerationError);
      expect(lm.error.message).toBe('no language model available');
      expect(lm.error.sourceId).toBe('lm');
    }
    expect(queueItemFrom(prompt, results)).toBeUndefined(); // one candidate is not a comparison
  });

  it('one abort signal cancels every source', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    const results = await gatherCandidates([mk('s1', 'test-slow-80'), mk('s2', 'test-slow-80', { stream: true })], prompt, { signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(600);
    for (const r of results) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('aborted');
    }
  });

  it('rejects duplicate source ids', async () => {
    await expect(gatherCandidates([mk('x', 'm'), mk('x', 'n')], prompt)).rejects.toThrow(/share the id "x"/);
  });
});

describe('samplesPerSource', () => {
  it('spreads samples round-robin and never loses one', async () => {
    const { samplesPerSource } = await import('../../../src/core/generate/gather');
    expect(samplesPerSource(2, 1)).toEqual([2]);
    expect(samplesPerSource(2, 2)).toEqual([1, 1]);
    expect(samplesPerSource(3, 2)).toEqual([2, 1]);
    expect(samplesPerSource(2, 3)).toEqual([1, 1, 0]);
    for (let t = 2; t < 9; t++) for (let s = 1; s < 5; s++) expect(samplesPerSource(t, s).reduce((a, b) => a + b, 0)).toBe(t);
  });
});

describe('planSamples', () => {
  it('asks every usable source at least once, raising the total when sources outnumber candidates', async () => {
    const { planSamples } = await import('../../../src/core/generate/gather');
    // The case that used to drop the third source silently.
    expect(planSamples(2, 3)).toEqual({ total: 3, perSource: [1, 1, 1], raised: true });
    expect(planSamples(2, 5)).toEqual({ total: 5, perSource: [1, 1, 1, 1, 1], raised: true });
    expect(planSamples(2, 1)).toEqual({ total: 2, perSource: [2], raised: false });
    expect(planSamples(2, 2)).toEqual({ total: 2, perSource: [1, 1], raised: false });
    expect(planSamples(5, 2)).toEqual({ total: 5, perSource: [3, 2], raised: false });
    expect(planSamples(2, 0)).toEqual({ total: 0, perSource: [], raised: false });
    for (let t = 1; t < 9; t++)
      for (let s = 1; s < 10; s++) {
        const p = planSamples(t, s);
        expect(p.perSource).toHaveLength(s);
        expect(p.perSource.every((k) => k >= 1)).toBe(true);
        expect(p.perSource.reduce((a, b) => a + b, 0)).toBe(p.total);
        expect(p.total).toBe(Math.max(t, s));
        expect(p.raised).toBe(s > t);
      }
  });
});

describe('gatherCandidates: per-sample failures', () => {
  it('forwards a failed sample of several as a sampleError event while the other samples arrive', async () => {
    server.reset();
    const events: GatherEvent[] = [];
    // The first request of this model gets a 500 (no retries): one of three parallel samples fails.
    const [r] = await gatherCandidates([mk('flaky', 'test-500-1')], prompt, { n: 3, onEvent: (e) => events.push(e) });
    if (!r.ok) throw new Error(`source failed: ${r.error.message}`);
    expect(r.candidates).toHaveLength(2);
    const sampleErrors = events.filter((e): e is Extract<GatherEvent, { type: 'sampleError' }> => e.type === 'sampleError');
    expect(sampleErrors).toHaveLength(1);
    expect(sampleErrors[0].sourceId).toBe('flaky');
    expect([0, 1, 2]).toContain(sampleErrors[0].index);
    expect(sampleErrors[0].error.status).toBe(500);
    expect(r.warnings.join('\n')).toMatch(/sample \d of 3 failed: .*HTTP 500/);
    // The failure is reported before the source is done.
    expect(events.findIndex((e) => e.type === 'sampleError')).toBeLessThan(events.findIndex((e) => e.type === 'done'));
  });
});
