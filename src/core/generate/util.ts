// Small pure helpers for the HTTP sources: secret redaction, Retry-After, backoff, cancellable sleep.

/** Replaces every secret (and any bearer token) in `text` by '***'. Secrets shorter than 4 chars are ignored. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('***');
  }
  return out.replace(/(Bearer\s+)[^\s"',]+/gi, '$1***');
}

/**
 * Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns ms to wait,
 * or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(parseFloat(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Exponential backoff with full jitter: random in [base*2^attempt/2, base*2^attempt], capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function snippet(text: string, max = 120): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max) + '…' : one;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/** Thrown by `withIdleTimeout` when the source sent nothing for `idleMs`. */
export class IdleTimeoutError extends Error {
  constructor(readonly idleMs: number) {
    super(`no data for ${fmtMs(idleMs)} (idle timeout)`);
    this.name = 'IdleTimeoutError';
  }
}

/**
 * Iterates `source`, failing with IdleTimeoutError when the next item takes longer than
 * `idleMs` (the clock restarts on every item). `onIdle` runs first, to cancel the producer.
 */
export async function* withIdleTimeout<T>(source: AsyncIterable<T>, idleMs: number, onIdle?: () => void): AsyncGenerator<T, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  let completed = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new IdleTimeoutError(idleMs)), idleMs);
      });
      let r: IteratorResult<T>;
      try {
        r = await Promise.race([it.next(), idle]);
      } catch (e) {
        if (e instanceof IdleTimeoutError) {
          try {
            onIdle?.();
          } catch {
            // cancelling is best effort
          }
        }
        completed = true; // a failed or abandoned iterator is not asked to return
        throw e;
      } finally {
        clearTimeout(timer);
      }
      if (r.done) {
        completed = true;
        return;
      }
      yield r.value;
    }
  } finally {
    // The consumer stopped early (break/throw): let the producer clean up, without waiting on it.
    if (!completed) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}
