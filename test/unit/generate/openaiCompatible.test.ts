// The OpenAI-compatible source against a real HTTP server speaking the chat completions contract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer, type ChatServerOptions } from '../../fixtures/servers/chatCompletions';
import { GenerationError, OpenAICompatibleSource, type OpenAICompatibleConfig, type GenerateOptions } from '../../../src/core/generate';
import type { Prompt } from '../../../src/core/records';

const prompt: Prompt = {
  instruction: 'Rename x to count',
  context: { filePath: 'src/a.ts', language: 'typescript', selection: { startLine: 1, endLine: 1, text: 'let x = 1;' } },
};

let server: ChatServer;
async function serve(opts: ChatServerOptions = {}) {
  server = await startChatServer(opts);
}
afterEach(async () => {
  await server?.close();
});

function source(model: string, extra: Partial<OpenAICompatibleConfig> = {}) {
  return new OpenAICompatibleSource({
    id: 'local',
    baseUrl: server.url,
    model,
    timeoutMs: 2000,
    idleTimeoutMs: 400,
    retries: 3,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 40,
    ...extra,
  });
}

function collect() {
  const deltas: Array<[number, string]> = [];
  const warnings: string[] = [];
  const retries: number[] = [];
  const opts: GenerateOptions = {
    onDelta: (i, t) => deltas.push([i, t]),
    onWarning: (w) => warnings.push(w),
    onRetry: (r) => retries.push(r.delayMs),
  };
  return { deltas, warnings, retries, opts };
}

/** The test server counts whitespace-separated words as tokens. */
const words = (t: string) => t.trim().split(/\s+/).length;

async function failure(p: Promise<unknown>): Promise<GenerationError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GenerationError);
    return e as GenerationError;
  }
  throw new Error('expected a failure');
}

describe('OpenAICompatibleSource: streaming', () => {
  beforeEach(() => serve({ resolveModel: (m) => `${m}-2025-01-01` }));

  it('streams deltas and returns a candidate with model from the response, params, latency and usage', async () => {
    const c = collect();
    const src = source('llama3', { temperature: 0.7, seed: 42, max_tokens: 64 });
    const [cand, ...rest] = await src.generate({ prompt }, c.opts);
    expect(rest).toEqual([]);
    expect(cand.text).toBe('Reply 1.0 seed 42: use `const x = 1;` → done ✓');
    expect(cand.model).toBe('llama3-2025-01-01');
    expect(cand.source).toBe('local');
    expect(cand.params).toEqual({ temperature: 0.7, seed: 42, max_tokens: 64 });
    expect(cand.latencyMs).toBeGreaterThanOrEqual(0);
    expect(cand.usage).toEqual({ promptTokens: expect.any(Number), completionTokens: words(cand.text) });
    expect(cand.usage!.promptTokens).toBeGreaterThan(10);
    // Deltas grow monotonically to the final text.
    expect(c.deltas.length).toBeGreaterThan(3);
    expect(c.deltas.at(-1)).toEqual([0, cand.text]);
    for (let i = 1; i < c.deltas.length; i++) expect(c.deltas[i][1].startsWith(c.deltas[i - 1][1])).toBe(true);
    expect(c.warnings).toEqual([]);

    const req = server.chatRequests()[0];
    expect(req.body).toMatchObject({ model: 'llama3', stream: true, stream_options: { include_usage: true }, temperature: 0.7, seed: 42 });
    expect(req.body.n).toBeUndefined();
    expect(req.body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    expect(req.body.messages[1].content).toContain('Rename x to count');
    expect(req.body.messages[1].content).toContain('```typescript\nlet x = 1;\n```');
    expect(req.headers.authorization).toBeUndefined();
  });

  it('reassembles events split across chunks and several per chunk, including cut multibyte characters', async () => {
    const c = collect();
    const [cand] = await source('test-split').generate({ prompt }, c.opts);
    expect(cand.text).toBe('Reply 1.0: use `const x = 1;` → done ✓');
    expect(cand.usage?.completionTokens).toBe(words(cand.text));
    expect(c.warnings).toEqual([]);
  });

  it('uses n when the server supports it, one request for all samples', async () => {
    const c = collect();
    const cands = await source('m', { supportsN: true }).generate({ prompt, n: 3 }, c.opts);
    expect(cands.map((x) => x.text)).toEqual([0, 1, 2].map((i) => `Reply 1.${i}: use \`const x = 1;\` → done ✓`));
    expect(server.chatRequests()).toHaveLength(1);
    expect(server.chatRequests()[0].body.n).toBe(3);
    expect(new Set(c.deltas.map((d) => d[0]))).toEqual(new Set([0, 1, 2]));
    // Per-request usage cannot be split per choice: only prompt tokens are attributed.
    expect(cands[0].usage).toEqual({ promptTokens: expect.any(Number) });
    expect(new Set(cands.map((x) => x.id)).size).toBe(3);
  });

  it('without supportsN sends n parallel requests', async () => {
    const c = collect();
    const cands = await source('m').generate({ prompt, n: 3 }, c.opts);
    expect(cands).toHaveLength(3);
    expect(server.chatRequests()).toHaveLength(3);
    expect(server.chatRequests().every((r) => r.body.n === undefined)).toBe(true);
    expect(new Set(cands.map((x) => x.text)).size).toBe(3);
    expect(cands.every((x) => x.usage?.completionTokens === words(x.text))).toBe(true);
    expect(new Set(c.deltas.map((d) => d[0]))).toEqual(new Set([0, 1, 2]));
  });

  it('falls back to parallel requests when the server refuses n (message only) and remembers it', async () => {
    server.control({ supportsN: false });
    const c = collect();
    const src = source('m', { supportsN: true });
    const cands = await src.generate({ prompt, n: 2 }, c.opts);
    expect(cands).toHaveLength(2);
    expect(server.chatRequests().map((r) => r.status)).toEqual([400, 200, 200]);
    expect(c.warnings.join('\n')).toMatch(/refused n=2/);
    await src.generate({ prompt, n: 2 });
    expect(server.chatRequests()).toHaveLength(5); // no second n attempt
  });

  it('falls back when the 400 names param "n"', async () => {
    const cands = await source('test-no-n', { supportsN: true }).generate({ prompt, n: 2 });
    expect(cands).toHaveLength(2);
    expect(server.chatRequests()[0].status).toBe(400);
  });

  it('fills in with parallel requests when a server accepts n but returns fewer choices', async () => {
    const c = collect();
    const cands = await source('test-ignore-n', { supportsN: true }).generate({ prompt, n: 3 }, c.opts);
    expect(cands).toHaveLength(3);
    expect(server.chatRequests().map((r) => r.body.n)).toEqual([3, undefined, undefined]);
    expect(new Set(cands.map((x) => x.text)).size).toBe(3);
    expect(new Set(c.deltas.map((d) => d[0]))).toEqual(new Set([0, 1, 2]));
    expect(c.warnings.join('\n')).toMatch(/got 1 choice/);
  });

  it('reports a malformed data line as a warning naming the chunk and keeps the rest', async () => {
    const c = collect();
    const [cand] = await source('test-broken').generate({ prompt }, c.opts);
    expect(cand.text).toBe('Reply 1.0: use `const x = 1;` → done ✓');
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/malformed stream chunk #\d+ .*invalid JSON.*data: \{"id":"chatcmpl-1"/);
  });

  it('surfaces an error chunk sent mid-stream (the stream ends there, with no [DONE])', async () => {
    const c = collect();
    const e = await failure(source('test-stream-error').generate({ prompt }, c.opts));
    expect(e.kind).toBe('protocol');
    expect(e.type).toBe('server_error');
    expect(e.message).toMatch(/error in stream chunk #\d+ \(server_error\): The model crashed while generating/);
    // Not mistaken for a dropped connection (which would be retried) nor kept as a short answer.
    expect(e.retryable).toBe(false);
    expect(server.chatRequests()).toHaveLength(1);
    expect(c.deltas.length).toBeGreaterThan(0); // what streamed before the error was shown
    expect(c.warnings).toEqual([]);
  });

  it('streams longer than timeoutMs are fine: after the headers only the idle timeout applies', async () => {
    // ~10 chunks 40 ms apart: the whole stream takes far longer than the 150 ms request timeout.
    const [cand] = await source('test-slow-40', { timeoutMs: 150, idleTimeoutMs: 400 }).generate({ prompt });
    expect(cand.text).toContain('done');
    expect(cand.latencyMs).toBeGreaterThan(150);
  });

  it('cuts off a hung stream after the idle timeout with a clear error', async () => {
    const t0 = Date.now();
    const e = await failure(source('test-hang', { idleTimeoutMs: 300 }).generate({ prompt }));
    expect(e.kind).toBe('idle');
    expect(e.message).toMatch(/no data for 300 ms \(idle timeout\)/);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(server.chatRequests()).toHaveLength(1); // not retried
  });

  it('gives up on a server that never answers after the request timeout', async () => {
    const e = await failure(source('test-stall', { timeoutMs: 300 }).generate({ prompt }));
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/within 300 ms/);
  });

  it('retries a connection dropped mid-stream, restarting the deltas', async () => {
    const c = collect();
    const [cand] = await source('test-drop-once').generate({ prompt }, c.opts);
    expect(cand.text).toContain('Reply 2.0');
    // The first attempt streamed part of its answer before the cut; the retry starts over.
    expect(c.deltas.some(([, t]) => t.startsWith('Reply 1.0'))).toBe(true);
    expect(c.deltas.at(-1)![1]).toBe(cand.text);
    expect(c.retries).toHaveLength(1);
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('fails with a network error when the connection always drops', async () => {
    const e = await failure(source('test-drop', { retries: 1 }).generate({ prompt }));
    expect(e.kind).toBe('network');
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('slow streams within the idle limit complete', async () => {
    const [cand] = await source('test-slow-30', { idleTimeoutMs: 300 }).generate({ prompt });
    expect(cand.text).toContain('done');
    expect(cand.latencyMs).toBeGreaterThanOrEqual(30 * 8);
  });

  it('cancels through the AbortSignal', async () => {
    const ac = new AbortController();
    const c = collect();
    const p = source('test-slow-100').generate({ prompt }, { ...c.opts, signal: ac.signal });
    setTimeout(() => ac.abort(), 150);
    const e = await failure(p);
    expect(e.kind).toBe('aborted');
    expect(c.deltas.length).toBeGreaterThan(0);
    expect(c.deltas.at(-1)![1]).not.toContain('done');
  });
});

describe('OpenAICompatibleSource: seeds of parallel samples', () => {
  beforeEach(() => serve());

  it('sends seed + k to parallel sample k and records the seed each candidate was made with', async () => {
    const cands = await source('m', { seed: 7, temperature: 0.8 }).generate({ prompt, n: 3 });
    const sent = server.chatRequests().map((r) => r.body.seed).sort();
    expect(sent).toEqual([7, 8, 9]);
    expect(cands.map((c) => c.params)).toEqual([7, 8, 9].map((seed) => ({ temperature: 0.8, seed })));
    // The server's answer names the seed it got: each candidate carries its own.
    for (const c of cands) expect(c.text).toContain(`seed ${c.params!.seed}:`);
  });

  it('one request with n keeps the one seed; filling in after a short n answer continues at seed + k', async () => {
    const withN = await source('m', { seed: 7, supportsN: true }).generate({ prompt, n: 3 });
    expect(server.chatRequests().map((r) => r.body.seed)).toEqual([7]);
    expect(withN.map((c) => c.params?.seed)).toEqual([7, 7, 7]);
    server.reset();
    const filled = await source('test-ignore-n', { seed: 7, supportsN: true }).generate({ prompt, n: 3 });
    expect(server.chatRequests()[0].body).toMatchObject({ n: 3, seed: 7 });
    expect(server.chatRequests().slice(1).map((r) => r.body.seed).sort()).toEqual([8, 9]);
    expect(filled.map((c) => c.params?.seed).sort()).toEqual([7, 8, 9]);
  });

  it('a single sample and a source without a seed are unchanged; a retried sample keeps its seed', async () => {
    const [one] = await source('m', { seed: 7 }).generate({ prompt });
    expect(one.params).toEqual({ seed: 7 });
    const none = await source('m').generate({ prompt, n: 2 });
    expect(none.every((c) => c.params === undefined)).toBe(true);
    server.reset();
    await source('test-500-1', { seed: 3 }).generate({ prompt, n: 2 });
    const seeds = server.chatRequests().map((r) => [r.status, r.body.seed]);
    const failed = seeds.find(([st]) => st === 500)!;
    // The 500'd sample was retried with the same seed; in all, seeds 3 and 4 succeeded.
    expect(seeds.filter(([st, sd]) => st === 200 && sd === failed[1])).toHaveLength(1);
    expect(seeds.filter(([st]) => st === 200).map(([, sd]) => sd).sort()).toEqual([3, 4]);
  });
});

describe('OpenAICompatibleSource: timeoutMs', () => {
  beforeEach(() => serve());

  it('bounds a whole JSON answer, not just its headers', async () => {
    const t0 = Date.now();
    // Headers at once, the body after 1.5 s: the 300 ms timeout must still cut it off.
    const e = await failure(source('test-jsonslow-1500', { stream: false, timeoutMs: 300, idleTimeoutMs: 10_000, retries: 0 }).generate({ prompt }));
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/no complete response from http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions within 300 ms \(request timeout\)/);
    expect(Date.now() - t0).toBeLessThan(1400);
  });

  it('a JSON answer within timeoutMs is not cut off by the (stream) idle timeout', async () => {
    const [cand] = await source('test-jsonslow-300', { stream: false, timeoutMs: 3000, idleTimeoutMs: 100 }).generate({ prompt });
    expect(cand.text).toContain('Reply 1.0');
  });
});

describe('OpenAICompatibleSource: JSON, errors and retries', () => {
  beforeEach(() => serve({ apiKey: 'sk-live-SECRET-0123456789' }));

  it('reads non-streaming JSON responses', async () => {
    const c = collect();
    const cands = await source('m', { stream: false, apiKey: 'sk-live-SECRET-0123456789', supportsN: true }).generate({ prompt, n: 2 }, c.opts);
    expect(cands.map((x) => x.text)).toEqual(['Reply 1.0: use `const x = 1;` → done ✓', 'Reply 1.1: use `const x = 1;` → done ✓']);
    const req = server.chatRequests()[0];
    expect(req.body.stream).toBe(false);
    expect(req.body.stream_options).toBeUndefined();
    expect(req.headers.authorization).toBe('Bearer sk-live-SECRET-0123456789');
    expect(c.deltas).toHaveLength(2);
  });

  it('sends the key in apiKeyHeader instead of Authorization when configured', async () => {
    await source('m', { apiKey: 'sk-live-SECRET-0123456789', apiKeyHeader: 'api-key' })
      .generate({ prompt })
      .catch(() => undefined); // this server wants Bearer auth: 401, which is fine here
    const req = server.chatRequests()[0];
    expect(req.headers['api-key']).toBe('sk-live-SECRET-0123456789');
    expect(req.headers.authorization).toBeUndefined();
  });

  it('does not retry a 401 and never shows the API key', async () => {
    const key = 'sk-wrong-KEY-abcdef987654';
    const c = collect();
    const e = await failure(source('m', { apiKey: key }).generate({ prompt }, c.opts));
    expect(e.status).toBe(401);
    expect(e.kind).toBe('http');
    expect(e.code).toBe('invalid_api_key');
    expect(e.message).toMatch(/Incorrect API key provided/);
    expect(e.message).not.toContain(key);
    expect(JSON.stringify(e)).not.toContain(key);
    expect(String(e.stack)).not.toContain(key);
    expect(server.chatRequests()).toHaveLength(1);
    expect(c.retries).toEqual([]);
  });

  it('surfaces the server message of a 400 without retrying', async () => {
    const e = await failure(source('test-400', { apiKey: 'sk-live-SECRET-0123456789' }).generate({ prompt }));
    expect(e.status).toBe(400);
    expect(e.type).toBe('invalid_request_error');
    expect(e.message).toMatch(/HTTP 400 \(invalid_request_error, bad_request\): This model does not accept this request\./);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('retries 500s with backoff and then succeeds', async () => {
    const c = collect();
    const [cand] = await source('test-500-2', { apiKey: 'sk-live-SECRET-0123456789' }).generate({ prompt }, c.opts);
    expect(cand.text).toContain('Reply 3.0');
    expect(server.chatRequests().map((r) => r.status)).toEqual([500, 500, 200]);
    expect(c.retries).toHaveLength(2);
    expect(c.retries.every((d) => d >= 5 && d <= 40)).toBe(true);
  });

  it('gives up after the configured retries with the last server message', async () => {
    const e = await failure(source('test-500-9', { apiKey: 'sk-live-SECRET-0123456789', retries: 2 }).generate({ prompt }));
    expect(e.status).toBe(500);
    expect(e.message).toMatch(/server_error.*had an error/);
    expect(server.chatRequests()).toHaveLength(3);
  });
});

describe('OpenAICompatibleSource: Retry-After', () => {
  beforeEach(() => serve());

  it('honours Retry-After in seconds on 429', async () => {
    const c = collect();
    const t0 = Date.now();
    const [cand] = await source('test-429-once').generate({ prompt }, c.opts);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(c.retries).toEqual([1000]);
    expect(cand.text).toContain('Reply 2.0');
    expect(server.chatRequests().map((r) => r.status)).toEqual([429, 200]);
  });

  it('honours Retry-After as an HTTP-date', async () => {
    const c = collect();
    await source('test-429-date').generate({ prompt }, c.opts);
    expect(c.retries).toHaveLength(1);
    // HTTP-dates have 1 s resolution: the wait is between 0 and ~1 s.
    expect(c.retries[0]).toBeGreaterThanOrEqual(0);
    expect(c.retries[0]).toBeLessThanOrEqual(1000);
    expect(server.chatRequests().map((r) => r.status)).toEqual([429, 200]);
  });

  it('fails instead of waiting when Retry-After exceeds the limit', async () => {
    server.control({ retryAfter: '120' });
    const e = await failure(source('test-429-always', { maxRetryAfterMs: 5000 }).generate({ prompt }));
    expect(e.status).toBe(429);
    expect(e.message).toMatch(/retry after 120 s, longer than the 5 s limit/);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('a connection refused is a network error, retried then reported', async () => {
    const url = server.url;
    await server.close();
    const src = new OpenAICompatibleSource({ id: 'gone', baseUrl: url, model: 'm', retries: 1, retryBaseDelayMs: 5 });
    const c = collect();
    const e = await failure(src.generate({ prompt }, c.opts));
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(c.retries).toHaveLength(1);
  });
});

describe('config validation', () => {
  it('names the bad field', () => {
    expect(() => new OpenAICompatibleSource({ id: 'x', baseUrl: 'localhost:11434', model: 'm' })).toThrow(/baseUrl: baseUrl must be an http\(s\) URL/);
    expect(() => new OpenAICompatibleSource({ id: 'x', baseUrl: 'http://h/v1', model: 'm', temperature: 5 })).toThrow(/temperature/);
  });
});
