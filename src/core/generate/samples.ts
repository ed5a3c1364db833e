// Several independent samples of one source, side by side: each failure is reported on its own
// (onSampleError, onWarning) while the others keep streaming. Shared by the HTTP source's
// parallel requests and the host's vscode.lm source. No I/O of its own.
import { asGenerationError, type GeneratedCandidate, type GenerateOptions, type GenerationError } from './types';

export interface RunSamplesOptions extends Pick<GenerateOptions, 'signal' | 'onWarning' | 'onSampleError'> {
  sourceId: string;
  /** Samples asked of the source in all (for messages); defaults to `indexes.length`. */
  of?: number;
  /** Candidates already in hand (e.g. from an earlier `n` request): with these, all failing is no error. */
  have?: GeneratedCandidate[];
}

/**
 * Runs `run(index)` for every index in parallel and returns the candidates that arrived, in
 * index order after `have`. A failed sample is reported through `onSampleError` and `onWarning`
 * as soon as it fails; only when nothing arrived at all is the first failure thrown.
 */
export async function runSamples(
  indexes: number[],
  run: (index: number) => Promise<GeneratedCandidate[]>,
  opts: RunSamplesOptions,
): Promise<GeneratedCandidate[]> {
  const of = opts.of ?? indexes.length;
  const failures: GenerationError[] = [];
  const settled = await Promise.allSettled(
    indexes.map((index) =>
      run(index).catch((e: unknown) => {
        const error = asGenerationError(e, opts.sourceId, opts.signal);
        failures.push(error);
        if (error.kind !== 'aborted') {
          safely(() => opts.onSampleError?.(index, error));
          safely(() => opts.onWarning?.(`sample ${index + 1} of ${of} failed: ${error.message}`));
        }
        throw error;
      }),
    ),
  );
  const out: GeneratedCandidate[] = [...(opts.have ?? [])];
  for (const s of settled) if (s.status === 'fulfilled') out.push(...s.value);
  if (out.length === 0 && failures.length > 0) {
    // The first failure by index, not by time, so the reported error is stable.
    const first = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    throw first ? (first.reason as GenerationError) : failures[0];
  }
  return out;
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // A listener bug must not turn a good sample into a failed one.
  }
}
