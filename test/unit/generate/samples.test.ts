// Several samples of one source side by side (runSamples) and the idle timeout on async
// iterables (withIdleTimeout) that the vscode.lm source uses: both without vscode.
import { describe, expect, it } from 'vitest';
import { GenerationError, runSamples, withIdleTimeout, IdleTimeoutError, type GeneratedCandidate } from '../../../src/core/generate';

const cand = (i: number): GeneratedCandidate => ({ id: `s-${i}`, text: `answer ${i}`, source: 's' });
const later = <T>(ms: number, v: () => T) => new Promise<T>((resolve, reject) => setTimeout(() => { try { resolve(v()); } catch (e) { reject(e); } }, ms));

describe('runSamples', () => {
  it('keeps the samples that arrived and reports each failure on its own, as it happens', async () => {
    const log: string[] = [];
    const errors: Array<[number, GenerationError]> = [];
    const warnings: string[] = [];
    const out = await runSamples(
      [0, 1, 2],
      (i) =>
        i === 1
          ? later(5, () => {
              throw new Error('model overloaded');
            })
          : later(40, () => {
              log.push(`done ${i}`);
              return [cand(i)];
            }),
      {
        sourceId: 's',
        onSampleError: (i, e) => {
          log.push(`failed ${i}`);
          errors.push([i, e]);
        },
        onWarning: (w) => warnings.push(w),
      },
    );
    expect(out.map((c) => c.id)).toEqual(['s-0', 's-2']);
    expect(log[0]).toBe('failed 1'); // reported before the slower samples finished
    expect(errors).toHaveLength(1);
    expect(errors[0][1]).toBeInstanceOf(GenerationError);
    expect(errors[0][1].sourceId).toBe('s');
    expect(warnings).toEqual(['sample 2 of 3 failed: model overloaded']);
  });

  it('throws the first failure by index when no sample arrived, and keeps earlier candidates', async () => {
    const fail = (i: number) => later(i === 0 ? 30 : 1, () => {
      throw new GenerationError(`boom ${i}`, { kind: 'http', status: 500, sourceId: 's' });
    });
    await expect(runSamples([0, 1], fail, { sourceId: 's' })).rejects.toThrow('boom 0');
    // With candidates already in hand (an earlier n request), failures are warnings only.
    const warnings: string[] = [];
    const out = await runSamples([1, 2], fail, { sourceId: 's', of: 3, have: [cand(0)], onWarning: (w) => warnings.push(w) });
    expect(out.map((c) => c.id)).toEqual(['s-0']);
    expect(warnings).toEqual(['sample 2 of 3 failed: boom 1', 'sample 3 of 3 failed: boom 2']);
  });

  it('does not report cancelled samples as sample errors, and a listener bug breaks nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const seen: number[] = [];
    const p = runSamples([0, 1], () => Promise.reject(new Error('aborted')), { sourceId: 's', signal: ac.signal, onSampleError: (i) => seen.push(i) });
    await expect(p).rejects.toMatchObject({ kind: 'aborted' });
    expect(seen).toEqual([]);
    const out = await runSamples([0, 1], (i) => (i ? Promise.reject(new Error('x')) : Promise.resolve([cand(0)])), {
      sourceId: 's',
      onSampleError: () => {
        throw new Error('listener bug');
      },
    });
    expect(out).toHaveLength(1);
  });
});

async function* ticks(delays: number[]): AsyncGenerator<string> {
  for (const [i, d] of delays.entries()) {
    await new Promise((r) => setTimeout(r, d));
    yield `t${i}`;
  }
}

describe('withIdleTimeout', () => {
  it('passes items through while each arrives within the idle time, however long the whole takes', async () => {
    const got: string[] = [];
    for await (const t of withIdleTimeout(ticks([20, 20, 20, 20, 20, 20]), 80)) got.push(t);
    expect(got).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
  });

  it('cuts off a source that goes silent, cancelling it first', async () => {
    const got: string[] = [];
    let cancelled = false;
    const t0 = Date.now();
    const run = async () => {
      for await (const t of withIdleTimeout(ticks([5, 5, 10_000]), 60, () => (cancelled = true))) got.push(t);
    };
    const e = await run().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(IdleTimeoutError);
    expect((e as IdleTimeoutError).message).toBe('no data for 60 ms (idle timeout)');
    expect(got).toEqual(['t0', 't1']);
    expect(cancelled).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('times out a source that never sends its first item, and passes on the source’s own errors', async () => {
    const never: AsyncIterable<string> = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<string>>(() => undefined) }) };
    await expect((async () => { for await (const _ of withIdleTimeout(never, 30)) void _; })()).rejects.toBeInstanceOf(IdleTimeoutError);
    async function* failing(): AsyncGenerator<string> {
      yield 'a';
      throw new Error('provider error');
    }
    await expect((async () => { for await (const _ of withIdleTimeout(failing(), 1000)) void _; })()).rejects.toThrow('provider error');
  });
});
