// The test double must itself enforce the chat completions contract, or client tests prove nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from '../../fixtures/servers/chatCompletions';

let server: ChatServer;
beforeAll(async () => {
  server = await startChatServer({ apiKey: 'sk-test-secret-123' });
});
afterAll(() => server.close());

async function post(body: unknown, headers: Record<string, string> = { Authorization: 'Bearer sk-test-secret-123' }) {
  const res = await fetch(server.url + '/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const user = [{ role: 'user', content: 'hello there' }];

describe('chat completions test server contract', () => {
  it('rejects a missing or wrong API key with 401 and the documented error body', async () => {
    const none = await post({ model: 'm', messages: user }, {});
    expect(none.status).toBe(401);
    const wrong = await post({ model: 'm', messages: user }, { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text)).toEqual({
      error: { message: expect.stringContaining('Incorrect API key'), type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
  });

  it('validates model, messages, roles, n and stream_options', async () => {
    const cases: Array<[unknown, string | null]> = [
      [{ messages: user }, 'model'],
      [{ model: 'm' }, 'messages'],
      [{ model: 'm', messages: [] }, 'messages'],
      [{ model: 'm', messages: [{ role: 'bot', content: 'x' }] }, 'messages[0].role'],
      [{ model: 'm', messages: [{ role: 'user' }] }, 'messages[0].content'],
      [{ model: 'm', messages: user, n: 0 }, 'n'],
      [{ model: 'm', messages: user, temperature: 3 }, 'temperature'],
      [{ model: 'm', messages: user, stream_options: { include_usage: true } }, 'stream_options'],
      [{ model: 'm', messages: user, frobnicate: 1 }, null],
    ];
    for (const [body, param] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      const e = JSON.parse(r.text).error;
      expect(Object.keys(e).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(e.type).toBe('invalid_request_error');
      expect(e.param).toBe(param);
      expect(typeof e.message).toBe('string');
    }
    const bad = await post('{not json');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.message).toMatch(/parse the JSON body/);
  });

  it('answers JSON with choices and usage', async () => {
    const r = await post({ model: 'm', messages: user, n: 2, max_tokens: 3 });
    expect(r.status).toBe(200);
    const j = JSON.parse(r.text);
    expect(j.object).toBe('chat.completion');
    expect(j.choices).toHaveLength(2);
    expect(j.choices[0].finish_reason).toBe('length');
    expect(j.usage).toEqual({ prompt_tokens: 2, completion_tokens: 6, total_tokens: 8 });
  });

  it('streams SSE ending in [DONE], with a final usage chunk with empty choices when asked', async () => {
    const r = await post({ model: 'm', messages: user, stream: true, stream_options: { include_usage: true } });
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    const datas = r.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    expect(datas.at(-1)).toBe('[DONE]');
    const last = JSON.parse(datas.at(-2)!);
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBeGreaterThan(0);
    const mid = JSON.parse(datas[1]);
    expect(mid.object).toBe('chat.completion.chunk');
    expect(mid.usage).toBeNull();
    const noUsage = await post({ model: 'm', messages: user, stream: true });
    expect(noUsage.text).not.toContain('"usage"');
  });

  it('ends a failed stream at its error chunk: no finish chunks, no usage, no [DONE]', async () => {
    const r = await post({ model: 'test-stream-error', messages: user, stream: true, stream_options: { include_usage: true } });
    expect(r.status).toBe(200);
    const datas = r.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    const last = JSON.parse(datas.at(-1)!);
    expect(last.error).toEqual({ message: 'The model crashed while generating.', type: 'server_error', param: null, code: null });
    expect(datas).not.toContain('[DONE]');
    const before = datas.slice(0, -1).map((d) => JSON.parse(d));
    expect(before.length).toBeGreaterThan(1);
    expect(before.every((c) => c.choices.every((ch: { finish_reason: unknown }) => ch.finish_reason === null))).toBe(true);
    expect(before.every((c) => c.usage === null)).toBe(true);
  });

  it('test-jsonslow sends the JSON headers at once and the body later', async () => {
    const t0 = Date.now();
    const res = await fetch(server.url + '/chat/completions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-test-secret-123' },
      body: JSON.stringify({ model: 'test-jsonslow-800', messages: user }),
    });
    const headersAt = Date.now() - t0;
    const j = (await res.json()) as { choices: unknown[] };
    expect(headersAt).toBeLessThan(600);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(790);
    expect(j.choices).toHaveLength(1);
  });

  it('records requests and can refuse n when told to', async () => {
    server.reset();
    server.control({ supportsN: false });
    const r = await post({ model: 'm', messages: user, n: 3 });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error.message).toMatch(/\bn must be 1/);
    server.control({ supportsN: true });
    expect(server.chatRequests()).toHaveLength(1);
    expect(server.chatRequests()[0].body.n).toBe(3);
    expect(server.chatRequests()[0].status).toBe(400);
  });

  it('unknown paths get 404 with an error body', async () => {
    const res = await fetch(server.url + '/completions/nope', { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Invalid URL/);
  });
});
