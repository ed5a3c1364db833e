// Runs several candidate sources side by side for one prompt. A failing source yields its own
// error (for its own column); the others still finish.
import * as crypto from 'node:crypto';
import type { Origin, Prompt, QueueItem } from '../records';
import { asGenerationError, type CandidateSource, type ChatMessage, type GatherEvent, type GeneratedCandidate, type SourceResult } from './types';

export interface GatherOptions {
  /** Samples per source (default 1). */
  n?: number;
  signal?: AbortSignal;
  onEvent?: (ev: GatherEvent) => void;
  messages?: ChatMessage[];
}

export async function gatherCandidates(sources: CandidateSource[], prompt: Prompt, opts: GatherOptions = {}): Promise<SourceResult[]> {
  const ids = new Set<string>();
  for (const s of sources) {
    if (ids.has(s.id)) throw new Error(`two candidate sources share the id "${s.id}"`);
    ids.add(s.id);
  }
  const emit = (ev: GatherEvent) => {
    try {
      opts.onEvent?.(ev);
    } catch {
      // A listener bug must not turn a good generation into a failed one.
    }
  };
  return Promise.all(
    sources.map(async (src): Promise<SourceResult> => {
      const warnings: string[] = [];
      emit({ type: 'start', sourceId: src.id });
      try {
        const candidates = await src.generate(
          { prompt, n: opts.n ?? 1, messages: opts.messages },
          {
            signal: opts.signal,
            onDelta: (index, text) => emit({ type: 'delta', sourceId: src.id, index, text }),
            onWarning: (message) => {
              warnings.push(message);
              emit({ type: 'warning', sourceId: src.id, message });
            },
            onRetry: (r) => emit({ type: 'retry', sourceId: src.id, ...r }),
            onSampleError: (index, error) => emit({ type: 'sampleError', sourceId: src.id, index, error }),
          },
        );
        emit({ type: 'done', sourceId: src.id, candidates });
        return { sourceId: src.id, label: src.label, ok: true, candidates, warnings };
      } catch (e) {
        const error = asGenerationError(e, src.id, opts.signal);
        emit({ type: 'error', sourceId: src.id, error });
        return { sourceId: src.id, label: src.label, ok: false, error, warnings };
      }
    }),
  );
}

/** All candidates of the successful sources, in source order. */
export function candidatesOf(results: SourceResult[]): GeneratedCandidate[] {
  return results.flatMap((r) => (r.ok ? r.candidates : []));
}

/** A queue item from gathered results, or undefined when fewer than 2 candidates came back. */
export function queueItemFrom(
  prompt: Prompt,
  results: SourceResult[],
  opts: { id?: string; now?: Date; origin?: Origin } = {},
): QueueItem | undefined {
  const candidates = candidatesOf(results);
  if (candidates.length < 2) return undefined;
  return {
    id: opts.id ?? `gen-${crypto.randomUUID()}`,
    prompt,
    candidates,
    origin: opts.origin ?? { kind: 'generate' },
    createdAt: (opts.now ?? new Date()).toISOString(),
  };
}

/** Spreads `total` samples over the sources round-robin (2 sources, 2 candidates: one each). */
export function samplesPerSource(total: number, sources: number): number[] {
  return Array.from({ length: sources }, (_, i) => Math.floor(total / sources) + (i < total % sources ? 1 : 0));
}

export interface SamplePlan {
  /** Candidates actually asked for: the requested count, raised to one per source. */
  total: number;
  /** Samples per source, in source order; every source gets at least one. */
  perSource: number[];
  /** True when `total` is more than was requested (more sources than candidates). */
  raised: boolean;
}

/**
 * How many samples each usable source is asked for. Every source contributes at least one
 * candidate (3 sources with 2 candidates requested: 3 candidates, one each), so no configured
 * source is silently left out; the rest are spread round-robin as `samplesPerSource` does.
 */
export function planSamples(requested: number, sources: number): SamplePlan {
  if (sources <= 0) return { total: 0, perSource: [], raised: false };
  const want = Number.isFinite(requested) ? Math.max(1, Math.floor(requested)) : 1;
  const total = Math.max(want, sources);
  return { total, perSource: samplesPerSource(total, sources), raised: total > want };
}
