// HTTP for the managed fine-tuning APIs: bearer auth, retries with backoff, and errors that
// never carry the API key.
//
// Retry policy:
//  - 429: always retried after Retry-After (the server refused the request, nothing happened);
//  - 5xx, dropped connection, timeout: retried only for idempotent calls (GET, upload, cancel).
//    For a non-idempotent call (job creation) they raise ApiError{ambiguous: true}: the job may
//    or may not exist, and the caller reconciles (see createJobOnce) instead of re-posting.
//  - connection refused: nothing reached the server, retried for every call.
import type { AxiosResponse } from 'axios';

// axios loads on the first request: the extension host imports this module at activation.
const loadAxios = () => import('axios').then((m) => m.default);

export interface ApiClientOptions {
  provider: string;
  baseUrl: string;
  apiKey: string;
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** true when the request may have taken effect although no answer came back. */
    readonly ambiguous = false,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function redact(text: string, secrets: string[]): string {
  let out = text.replace(/Bearer\s+[^\s"',]+/gi, 'Bearer ***');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

export interface RequestOptions {
  json?: unknown;
  /** Built fresh for every attempt (a consumed body cannot be re-sent). */
  form?: () => FormData;
  query?: Record<string, string | number | undefined>;
  idempotent: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryAfterMs(h: unknown): number | undefined {
  if (typeof h !== 'string') return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const d = Date.parse(h);
  return Number.isFinite(d) ? Math.max(0, d - Date.now()) : undefined;
}

function providerMessage(data: unknown): string {
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    const e = d.error;
    if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') return (e as Record<string, string>).message;
    if (typeof e === 'string') return e;
    if (typeof d.message === 'string') return d.message;
  }
  return typeof data === 'string' ? data.slice(0, 300) : '';
}

export class ApiClient {
  constructor(readonly o: ApiClientOptions) {}

  private fail(message: string, status?: number, ambiguous = false, code?: string): ApiError {
    return new ApiError(redact(message, [this.o.apiKey]), status, ambiguous, code);
  }

  async request<T>(method: 'GET' | 'POST', path: string, opts: RequestOptions): Promise<T> {
    const retries = this.o.retries ?? 4;
    const base = this.o.baseDelayMs ?? 500;
    const max = this.o.maxDelayMs ?? 30_000;
    const what = `${this.o.provider} ${method} ${path}`;
    for (let attempt = 0; ; attempt++) {
      const backoff = Math.min(max, base * 2 ** attempt);
      let res: AxiosResponse;
      try {
        res = await (await loadAxios()).request({
          baseURL: this.o.baseUrl,
          url: path,
          method,
          params: opts.query,
          data: opts.form ? opts.form() : opts.json,
          headers: { Authorization: `Bearer ${this.o.apiKey}` },
          timeout: this.o.timeoutMs ?? 60_000,
          validateStatus: () => true,
          maxBodyLength: Infinity,
          maxContentLength: Infinity,
          proxy: false,
        });
      } catch (e) {
        const code = (e as { code?: string }).code;
        const refused = code === 'ECONNREFUSED';
        if ((opts.idempotent || refused) && attempt < retries) {
          await sleep(backoff);
          continue;
        }
        throw this.fail(`${what}: no response (${code ?? (e as Error).message})`, undefined, !refused, code);
      }
      if (res.status >= 200 && res.status < 300) return res.data as T;
      const msg = providerMessage(res.data);
      if (res.status === 429 && attempt < retries) {
        await sleep(Math.min(max, retryAfterMs(res.headers['retry-after']) ?? backoff));
        continue;
      }
      if (res.status >= 500 && opts.idempotent && attempt < retries) {
        await sleep(backoff);
        continue;
      }
      const errCode = (res.data as { error?: { code?: string } } | undefined)?.error?.code ?? undefined;
      throw this.fail(`${what}: HTTP ${res.status}${msg ? `: ${msg}` : ''}`, res.status, res.status >= 500, errCode ?? undefined);
    }
  }
}

/**
 * Creates a remote job without ever creating it twice: on an ambiguous failure, look for a
 * job that uses this attempt's freshly uploaded training file (its id is unique to this
 * run) before posting again.
 */
export async function createJobOnce<J>(create: () => Promise<J>, findExisting: () => Promise<J | undefined>, attempts = 3): Promise<J> {
  for (let i = 0; ; i++) {
    try {
      return await create();
    } catch (e) {
      if (!(e instanceof ApiError) || !e.ambiguous || i + 1 >= attempts) throw e;
      const found = await findExisting();
      if (found) return found;
    }
  }
}
