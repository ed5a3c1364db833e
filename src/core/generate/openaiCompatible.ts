// A candidate source for any OpenAI-compatible `POST {base}/chat/completions` server (vLLM,
// Ollama, llama.cpp, LM Studio, TGI, Together, OpenAI). Streams SSE or reads JSON, retries what
// is worth retrying, and never lets the API key reach an error message.
import type { Readable } from 'node:stream';
import axios, { type AxiosResponse } from 'axios';
import { z } from 'zod';
import { describeZodError, type Candidate } from '../records';
import { buildChatMessages } from './prompt';
import { SseParser } from './sse';
import { runSamples } from './samples';
import {
  asGenerationError,
  GenerationError,
  newCandidateId,
  type CandidateSource,
  type ChatMessage,
  type GeneratedCandidate,
  type GenerateOptions,
  type GenerateRequest,
  type GenerationErrorInit,
  type SamplingParams,
} from './types';
import { backoffDelay, fmtMs, parseRetryAfter, redact, sleep, snippet } from './util';

export const OpenAICompatibleConfigSchema = z.object({
  id: z.string().min(1, 'id must not be empty'),
  label: z.string().optional(),
  baseUrl: z.string().regex(/^https?:\/\/\S+$/i, 'baseUrl must be an http(s) URL, e.g. http://localhost:11434/v1'),
  model: z.string().min(1, 'model must not be empty'),
  /**
   * Sent as `Authorization: Bearer <key>` (or in `apiKeyHeader`). The extension fills it from
   * secret storage only ("RLHF: Set API Key…"); `parseSourceSettings` drops it from settings.
   */
  apiKey: z.string().optional(),
  /** Header that carries the key instead of `Authorization: Bearer` (e.g. Azure's `api-key`): the raw key is sent. */
  apiKeyHeader: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'apiKeyHeader must be an HTTP header name, e.g. api-key')
    .optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  /** Sample k of several parallel requests is sent seed + k (recorded per candidate); with `n`, one seed. */
  seed: z.number().int().optional(),
  /** Stream with SSE (default true). */
  stream: z.boolean().optional(),
  /** The server honours `n`; otherwise several samples are several parallel requests. */
  supportsN: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** System prompt override ('' = none). */
  system: z.string().optional(),
  includeFileContent: z.boolean().optional(),
  /**
   * Default 120 s. For a streamed (SSE) answer: the wait for the response headers, after which
   * only `idleTimeoutMs` applies however long the stream runs. For a JSON answer (`stream:
   * false`, a server that ignores `stream`, an error body): the limit for the whole response.
   */
  timeoutMs: z.number().int().positive().optional(),
  /** A streamed (SSE) body that delivers no byte for this long is cut off. Default 30 s. */
  idleTimeoutMs: z.number().int().positive().optional(),
  /** Retries after the first attempt, on 429, 5xx and dropped connections. Default 3. */
  retries: z.number().int().min(0).max(10).optional(),
  retryBaseDelayMs: z.number().int().nonnegative().optional(),
  retryMaxDelayMs: z.number().int().nonnegative().optional(),
  /** A Retry-After longer than this fails instead of waiting. Default 60 s. */
  maxRetryAfterMs: z.number().int().nonnegative().optional(),
});

export type OpenAICompatibleConfig = z.infer<typeof OpenAICompatibleConfigSchema>;

/** Validates a source config (from settings), with an error naming the bad field. */
export function parseOpenAICompatibleConfig(raw: unknown): OpenAICompatibleConfig {
  const r = OpenAICompatibleConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`invalid chat completions source: ${describeZodError(r.error)}`);
  return r.data;
}

const RETRYABLE_NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

type Usage = NonNullable<Candidate['usage']>;

const MAX_ERROR_BODY = 64 * 1024;

interface ChoiceState {
  text: string;
  finishedAt?: number;
}

interface AttemptResult {
  candidates: GeneratedCandidate[];
}

export class OpenAICompatibleSource implements CandidateSource {
  readonly id: string;
  readonly label: string;
  private readonly cfg: OpenAICompatibleConfig;
  /** Set once the server refused `n`, so later calls go straight to parallel requests. */
  private nRejected = false;

  constructor(config: OpenAICompatibleConfig) {
    this.cfg = parseOpenAICompatibleConfig(config);
    this.id = this.cfg.id;
    this.label = this.cfg.label ?? `${this.cfg.model} @ ${this.cfg.baseUrl}`;
  }

  get url(): string {
    return this.cfg.baseUrl.replace(/\/+$/, '') + '/chat/completions';
  }

  get params(): SamplingParams {
    return this.paramsFor(0);
  }

  /**
   * Sampling parameters of the request whose first candidate has index `indexBase`: parallel
   * samples of one source get distinct seeds (seed + index), or they would all be the same answer.
   */
  paramsFor(indexBase: number): SamplingParams {
    const p: SamplingParams = {};
    if (this.cfg.temperature !== undefined) p.temperature = this.cfg.temperature;
    if (this.cfg.top_p !== undefined) p.top_p = this.cfg.top_p;
    if (this.cfg.max_tokens !== undefined) p.max_tokens = this.cfg.max_tokens;
    if (this.cfg.seed !== undefined) p.seed = this.cfg.seed + indexBase;
    return p;
  }

  async generate(req: GenerateRequest, opts: GenerateOptions = {}): Promise<GeneratedCandidate[]> {
    const n = req.n ?? 1;
    if (!Number.isInteger(n) || n < 1) throw this.err(`n must be a positive integer, got ${n}`, { kind: 'other' });
    const onWarning = opts.onWarning;
    opts = { ...opts, onWarning: onWarning && ((w) => onWarning(redact(w, this.secrets))) };
    const messages =
      req.messages ?? buildChatMessages(req.prompt, { system: this.cfg.system, includeFileContent: this.cfg.includeFileContent });

    let got: GeneratedCandidate[] = [];
    if (n > 1 && this.cfg.supportsN && !this.nRejected) {
      try {
        got = (await this.withRetry(messages, n, 0, opts)).candidates;
        if (got.length >= n) return got;
        // Some servers (Ollama) accept n but answer one choice: ask for the rest separately.
        this.nRejected = true;
        opts.onWarning?.(`${this.label}: asked for n=${n} but got ${got.length} choice(s); requesting the rest in parallel`);
      } catch (e) {
        if (!(e instanceof GenerationError && isNRejection(e))) throw e;
        this.nRejected = true;
        opts.onWarning?.(`${this.label}: server refused n=${n} (${e.message}); using ${n} parallel requests instead`);
      }
    }
    if (n === 1) return (await this.withRetry(messages, 1, 0, opts)).candidates;

    const first = got.length;
    const indexes = Array.from({ length: n - first }, (_, i) => first + i);
    return runSamples(indexes, async (index) => (await this.withRetry(messages, 1, index, opts)).candidates, {
      sourceId: this.id,
      of: n,
      have: got,
      signal: opts.signal,
      onWarning: opts.onWarning,
      onSampleError: opts.onSampleError,
    });
  }

  private async withRetry(messages: ChatMessage[], n: number, indexBase: number, opts: GenerateOptions): Promise<AttemptResult> {
    const retries = this.cfg.retries ?? 3;
    const base = this.cfg.retryBaseDelayMs ?? 500;
    const max = this.cfg.retryMaxDelayMs ?? 20_000;
    const maxRetryAfter = this.cfg.maxRetryAfterMs ?? 60_000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(messages, n, indexBase, opts);
      } catch (e) {
        const err = asGenerationError(e, this.id, opts.signal);
        if (!err.retryable || attempt >= retries || opts.signal?.aborted) throw err;
        let delay = backoffDelay(attempt, base, max);
        if (err.retryAfterMs !== undefined) {
          if (err.retryAfterMs > maxRetryAfter) {
            throw this.err(`${err.message}; the server asks to retry after ${Math.ceil(err.retryAfterMs / 1000)} s, longer than the ${Math.ceil(maxRetryAfter / 1000)} s limit`, {
              kind: err.kind,
              status: err.status,
              type: err.type,
              code: err.code,
              param: err.param,
            });
          }
          delay = err.retryAfterMs;
        }
        opts.onRetry?.({ attempt: attempt + 1, delayMs: delay, reason: err.message });
        try {
          await sleep(delay, opts.signal);
        } catch {
          throw this.err(`${this.label}: cancelled`, { kind: 'aborted' });
        }
      }
    }
  }

  private async attempt(messages: ChatMessage[], n: number, indexBase: number, opts: GenerateOptions): Promise<AttemptResult> {
    const stream = this.cfg.stream ?? true;
    const params = this.paramsFor(indexBase);
    const body: Record<string, unknown> = { model: this.cfg.model, messages, ...params };
    if (n > 1) body.n = n;
    body.stream = stream;
    if (stream) body.stream_options = { include_usage: true };

    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: stream ? 'text/event-stream' : 'application/json',
      ...(this.cfg.headers ?? {}),
    };
    if (this.cfg.apiKey) {
      if (this.cfg.apiKeyHeader) headers[this.cfg.apiKeyHeader] = this.cfg.apiKey;
      else headers.Authorization = `Bearer ${this.cfg.apiKey}`;
    }

    const timeoutMs = this.cfg.timeoutMs ?? 120_000;
    const idleMs = this.cfg.idleTimeoutMs ?? 30_000;
    const controller = new AbortController();
    const onUserAbort = () => controller.abort();
    if (opts.signal?.aborted) throw this.err(`${this.label}: cancelled`, { kind: 'aborted' });
    opts.signal?.addEventListener('abort', onUserAbort, { once: true });
    // Until the headers arrive, this timer aborts the request. After them a stream is watched by
    // the idle timeout only; any other body must be complete by the same deadline (consume()).
    let headerTimedOut = false;
    const headerTimer = setTimeout(() => {
      headerTimedOut = true;
      controller.abort();
    }, timeoutMs);
    const start = performance.now();
    const remaining = () => Math.max(1, Math.round(timeoutMs - (performance.now() - start)));

    try {
      let res: AxiosResponse<Readable>;
      try {
        res = await axios.post<Readable>(this.url, body, {
          headers,
          responseType: 'stream',
          signal: controller.signal,
          validateStatus: () => true,
          timeout: 0, // our own timers: the deadline above, then idle timeout or deadline on the body
          maxRedirects: 0,
        });
      } catch (e) {
        if (opts.signal?.aborted) throw this.err(`${this.label}: cancelled`, { kind: 'aborted' });
        if (headerTimedOut) {
          throw this.err(`${this.label}: no response from ${this.url} within ${fmtMs(timeoutMs)} (request timeout)`, {
            kind: 'timeout',
          });
        }
        throw this.networkError(e);
      } finally {
        clearTimeout(headerTimer);
      }

      // A whole-response body (JSON, error) has what is left of timeoutMs; a stream has idleMs per byte.
      const wholeOpts: ReadOpts = { deadlineMs: remaining(), timeoutMs, signal: opts.signal };
      if (res.status < 200 || res.status >= 300) {
        const text = await this.readAll(res.data, wholeOpts, MAX_ERROR_BODY).catch(() => '');
        throw this.httpError(res.status, text, headerValue(res.headers['retry-after']));
      }
      const ctype = headerValue(res.headers['content-type']) ?? '';
      if (stream && ctype.includes('text/event-stream')) {
        return await this.readSse(res.data, n, indexBase, start, params, opts, { idleMs, signal: opts.signal });
      }
      // Some servers answer a streaming request with plain JSON; accept it.
      const text = await this.readAll(res.data, wholeOpts, Infinity);
      return this.fromJson(text, n, indexBase, start, params, opts);
    } finally {
      clearTimeout(headerTimer);
      opts.signal?.removeEventListener('abort', onUserAbort);
    }
  }

  private async readSse(
    body: Readable,
    n: number,
    indexBase: number,
    start: number,
    params: SamplingParams,
    opts: GenerateOptions,
    readOpts: ReadOpts,
  ): Promise<AttemptResult> {
    const choices = new Map<number, ChoiceState>();
    let model: string | undefined;
    let usage: Usage | undefined;
    let done = false;
    let streamError: GenerationError | undefined;

    const parser = new SseParser(({ data, ordinal }) => {
      if (done || streamError) return;
      if (data.trim() === '[DONE]') {
        done = true;
        return;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch (e) {
        opts.onWarning?.(
          `${this.label}: malformed stream chunk #${ordinal} skipped (invalid JSON: ${(e as Error).message}): data: ${snippet(data, 80)}`,
        );
        return;
      }
      const c = chunk as StreamChunk;
      if (c && typeof c === 'object' && c.error !== undefined) {
        streamError = this.errorFromBody(c, undefined, `error in stream chunk #${ordinal}`);
        return;
      }
      if (!c || typeof c !== 'object' || !Array.isArray(c.choices)) {
        opts.onWarning?.(`${this.label}: stream chunk #${ordinal} has no "choices" array, skipped: ${snippet(data, 80)}`);
        return;
      }
      if (typeof c.model === 'string' && c.model) model = c.model;
      if (c.usage) usage = readUsage(c.usage);
      for (const ch of c.choices) {
        const idx = typeof ch?.index === 'number' ? ch.index : 0;
        let st = choices.get(idx);
        if (!st) choices.set(idx, (st = { text: '' }));
        const piece = ch?.delta?.content;
        if (typeof piece === 'string' && piece.length > 0) {
          st.text += piece;
          opts.onDelta?.(indexBase + idx, st.text);
        }
        if (ch?.finish_reason) st.finishedAt = performance.now();
      }
    });

    try {
      await consume(body, readOpts, (buf) => {
        parser.push(buf);
        if (streamError) throw streamError;
        // Stop reading at [DONE]: a server may keep the socket open after it.
        return done;
      });
    } catch (e) {
      throw this.readFailure(e, readOpts);
    }
    parser.end();
    if (streamError) throw streamError;

    if (!done) {
      const allFinished = choices.size > 0 && [...choices.values()].every((c) => c.finishedAt !== undefined);
      if (!allFinished) {
        throw this.err(`${this.label}: the stream ended before "data: [DONE]" (connection dropped?)`, {
          kind: 'network',
          retryable: true,
        });
      }
      opts.onWarning?.(`${this.label}: the stream ended without "data: [DONE]"; every choice had finished, so it was kept`);
    }
    if (choices.size === 0) throw this.err(`${this.label}: the stream carried no choices`, { kind: 'protocol' });
    return { candidates: this.toCandidates(choices, n, indexBase, start, params, model, usage) };
  }

  private fromJson(text: string, n: number, indexBase: number, start: number, params: SamplingParams, opts: GenerateOptions): AttemptResult {
    let json: JsonCompletion;
    try {
      json = JSON.parse(text) as JsonCompletion;
    } catch {
      throw this.err(`${this.label}: the response is not JSON: ${snippet(text, 120)}`, { kind: 'protocol' });
    }
    if (json && typeof json === 'object' && json.error !== undefined) throw this.errorFromBody(json, undefined, 'error in response');
    if (!json || !Array.isArray(json.choices) || json.choices.length === 0) {
      throw this.err(`${this.label}: the response has no "choices": ${snippet(text, 120)}`, { kind: 'protocol' });
    }
    const end = performance.now();
    const choices = new Map<number, ChoiceState>();
    json.choices.forEach((ch, k) => {
      const idx = typeof ch?.index === 'number' ? ch.index : k;
      const content = ch?.message?.content;
      if (content !== null && content !== undefined && typeof content !== 'string') {
        opts.onWarning?.(`${this.label}: choice ${idx} has non-text content; kept as empty text`);
      }
      const st: ChoiceState = { text: typeof content === 'string' ? content : '', finishedAt: end };
      choices.set(idx, st);
      if (st.text) opts.onDelta?.(indexBase + idx, st.text);
    });
    const model = typeof json.model === 'string' && json.model ? json.model : undefined;
    return { candidates: this.toCandidates(choices, n, indexBase, start, params, model, json.usage ? readUsage(json.usage) : undefined) };
  }

  private toCandidates(
    choices: Map<number, ChoiceState>,
    n: number,
    indexBase: number,
    start: number,
    params: SamplingParams,
    model: string | undefined,
    usage: Usage | undefined,
  ): GeneratedCandidate[] {
    const end = performance.now();
    return [...choices.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([idx, st]) => {
        const c: GeneratedCandidate = {
          id: newCandidateId(this.id, indexBase + idx),
          text: st.text,
          model: model ?? this.cfg.model,
          source: this.id,
          latencyMs: Math.round((st.finishedAt ?? end) - start),
        };
        if (Object.keys(params).length > 0) c.params = { ...params };
        // Usage is per request: completion tokens can only be attributed when it had one choice.
        if (usage) c.usage = n === 1 ? usage : { promptTokens: usage.promptTokens };
        return c;
      });
  }

  private readAll(body: Readable, readOpts: ReadOpts, limit: number): Promise<string> {
    const parts: Buffer[] = [];
    let size = 0;
    return consume(body, readOpts, (buf) => {
      if (size < limit) parts.push(buf);
      size += buf.length;
      return false;
    }).then(
      () => Buffer.concat(parts).toString('utf8'),
      (e) => {
        throw this.readFailure(e, readOpts);
      },
    );
  }

  private readFailure(e: unknown, readOpts: ReadOpts): GenerationError {
    if (e instanceof GenerationError) return e;
    if (e instanceof IdleTimeout) {
      return this.err(
        `${this.label}: the response stalled: no data for ${fmtMs(readOpts.idleMs ?? 0)} (idle timeout); the stream was cut off`,
        { kind: 'idle' },
      );
    }
    if (e instanceof DeadlineTimeout) {
      return this.err(
        `${this.label}: no complete response from ${this.url} within ${fmtMs(readOpts.timeoutMs ?? readOpts.deadlineMs ?? 0)} (request timeout)`,
        { kind: 'timeout' },
      );
    }
    if (readOpts.signal?.aborted) return this.err(`${this.label}: cancelled`, { kind: 'aborted' });
    return this.networkError(e, 'while reading the response');
  }

  private networkError(e: unknown, when?: string): GenerationError {
    const ae = e as { code?: string; message?: string };
    const code = ae?.code;
    const msg = ae?.message ?? String(e);
    const retryable = (code !== undefined && RETRYABLE_NET_CODES.has(code)) || /socket hang up|aborted|premature/i.test(msg);
    return this.err(`${this.label}: connection to ${this.url} failed${when ? ' ' + when : ''}: ${code ? code + ' ' : ''}${msg}`, {
      kind: 'network',
      code,
      retryable,
    });
  }

  private httpError(status: number, bodyText: string, retryAfter: string | undefined): GenerationError {
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      body = undefined;
    }
    const retryable = status === 429 || (status >= 500 && status !== 501 && status !== 505);
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter) : undefined;
    return this.errorFromBody(body, { status, retryable, retryAfterMs }, `HTTP ${status}`, bodyText);
  }

  /** Reads the documented `{"error":{"message","type","param","code"}}` body (or `{"error":"..."}`). */
  private errorFromBody(
    body: unknown,
    http: { status: number; retryable: boolean; retryAfterMs?: number } | undefined,
    what: string,
    rawText?: string,
  ): GenerationError {
    const e = (body as { error?: unknown } | undefined)?.error;
    let message: string | undefined;
    let type: string | undefined;
    let param: string | undefined;
    let code: string | undefined;
    if (typeof e === 'string') message = e;
    else if (e && typeof e === 'object') {
      const eo = e as Record<string, unknown>;
      if (typeof eo.message === 'string') message = eo.message;
      if (typeof eo.type === 'string') type = eo.type;
      if (typeof eo.param === 'string') param = eo.param;
      if (typeof eo.code === 'string' || typeof eo.code === 'number') code = String(eo.code);
    }
    if (message === undefined) message = rawText && rawText.trim() ? snippet(rawText, 200) : '(no error message)';
    const detail = [type, code].filter(Boolean).join(', ');
    return this.err(`${this.label}: ${what}${detail ? ` (${detail})` : ''}: ${message}`, {
      kind: http ? 'http' : 'protocol',
      status: http?.status,
      type,
      param,
      code,
      retryable: http?.retryable ?? false,
      retryAfterMs: http?.retryAfterMs,
      serverMessage: message,
    });
  }

  /** The API key and any credential-looking custom header values. */
  private get secrets(): string[] {
    const out = this.cfg.apiKey ? [this.cfg.apiKey] : [];
    for (const [k, v] of Object.entries(this.cfg.headers ?? {})) if (isCredentialHeader(k)) out.push(v);
    return out;
  }

  private err(message: string, init: Omit<GenerationErrorInit, 'sourceId'>): GenerationError {
    const secrets = this.secrets;
    const serverMessage = init.serverMessage === undefined ? undefined : redact(init.serverMessage, secrets);
    return new GenerationError(redact(message, secrets), { ...init, serverMessage, sourceId: this.id });
  }
}

/**
 * A 400 about the `n` parameter (servers that only do one sample per request), e.g. param "n",
 * "n must be 1 ...", or llama.cpp's "Only one completion choice is allowed".
 */
export function isNRejection(e: GenerationError): boolean {
  if (e.status !== 400) return false;
  if (e.param === 'n') return true;
  const msg = e.serverMessage ?? '';
  return /(^|[^\w.'-])['"`]?n['"`]?([^\w'-]|$)/.test(msg) || /\bchoices?\b/i.test(msg);
}

/** A header name that carries credentials (Authorization, api-key, X-Auth-Token, Cookie, …). */
export function isCredentialHeader(name: string): boolean {
  return /auth|key|token|secret|passw|cookie|credential|session/i.test(name);
}

interface ReadOpts {
  /** Cut the body off when no byte arrives for this long (streams). */
  idleMs?: number;
  /** Cut the body off when it has not ended within this long (whole responses). */
  deadlineMs?: number;
  /** The configured timeoutMs, for the message when the deadline passes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

class IdleTimeout extends Error {}
class DeadlineTimeout extends Error {}

/**
 * Feeds a body stream to `onChunk` until it ends, `onChunk` returns true (stop early), the
 * signal aborts, no byte arrives for `idleMs`, or `deadlineMs` passes.
 */
function consume(body: Readable, { idleMs, deadlineMs, signal }: ReadOpts, onChunk: (b: Buffer) => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = deadlineMs === undefined ? undefined : setTimeout(() => finish(new DeadlineTimeout()), deadlineMs);
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      body.removeListener('data', onData);
      if (err !== undefined) {
        body.destroy();
        reject(err);
      } else resolve();
    };
    const arm = () => {
      if (idleMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => finish(new IdleTimeout()), idleMs);
    };
    const onAbort = () => finish(new Error('aborted by caller'));
    const onData = (b: Buffer) => {
      arm();
      try {
        if (onChunk(b)) {
          finish();
          body.destroy();
        }
      } catch (e) {
        finish(e);
      }
    };
    if (signal?.aborted) return finish(new Error('aborted by caller'));
    signal?.addEventListener('abort', onAbort, { once: true });
    body.on('data', onData);
    body.once('end', () => finish());
    body.once('error', (e) => finish(e));
    body.once('close', () => finish(Object.assign(new Error('connection closed before the response ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
    arm();
  });
}

function headerValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

function readUsage(u: { prompt_tokens?: unknown; completion_tokens?: unknown }): Usage {
  const out: Usage = {};
  if (typeof u.prompt_tokens === 'number') out.promptTokens = u.prompt_tokens;
  if (typeof u.completion_tokens === 'number') out.completionTokens = u.completion_tokens;
  return out;
}

interface StreamChunk {
  error?: unknown;
  model?: unknown;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  choices?: Array<{ index?: unknown; delta?: { content?: unknown }; finish_reason?: unknown }>;
}

interface JsonCompletion {
  error?: unknown;
  model?: unknown;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  choices?: Array<{ index?: unknown; message?: { content?: unknown }; finish_reason?: unknown }>;
}
