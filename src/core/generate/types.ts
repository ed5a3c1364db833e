// The one interface every candidate source implements (OpenAI-compatible HTTP here; the host
// adds a vscode.lm source with the same shape). Types, the error class and an id helper: no I/O.
import * as crypto from 'node:crypto';
import type { Candidate, Prompt } from '../records';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Sampling parameters recorded on each candidate (`Candidate.params`). */
export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
}

export interface GenerateRequest {
  prompt: Prompt;
  /** How many samples this source should return (default 1). */
  n?: number;
  /** Prebuilt messages; when absent the source builds them with `buildChatMessages`. */
  messages?: ChatMessage[];
}

export interface GenerateOptions {
  signal?: AbortSignal;
  /** Streaming progress: the full text of candidate `index` so far (restarts from '' on a retry). */
  onDelta?: (index: number, textSoFar: string) => void;
  /** Non-fatal problems (malformed stream chunk, one of several samples failed, retry). */
  onWarning?: (message: string) => void;
  onRetry?: (info: RetryInfo) => void;
  /**
   * One of several samples failed while the others go on (`index` as in `onDelta`). The source
   * still resolves with the samples that arrived, or rejects when none did.
   */
  onSampleError?: (index: number, error: GenerationError) => void;
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** What a source produces: a ready `Candidate` (it has an id, so it can go straight into a QueueItem). */
export type GeneratedCandidate = Candidate;

/** Candidate ids unique across sources and runs; every source (the host's vscode.lm one too) should use this. */
export function newCandidateId(sourceId: string, index: number): string {
  return `${sourceId}-${index}-${crypto.randomUUID().slice(0, 8)}`;
}

export interface CandidateSource {
  readonly id: string;
  readonly label: string;
  generate(req: GenerateRequest, opts?: GenerateOptions): Promise<GeneratedCandidate[]>;
}

export type GenerationErrorKind =
  | 'http' // the server answered with an error status
  | 'timeout' // no response headers within the request timeout
  | 'idle' // the body stopped arriving for longer than the idle timeout
  | 'network' // connection refused/reset/dropped mid-stream
  | 'protocol' // the server answered something that is not the chat completions contract
  | 'aborted' // the caller cancelled
  | 'unavailable' // the source cannot run at all (e.g. no vscode.lm model)
  | 'other';

export interface GenerationErrorInit {
  kind: GenerationErrorKind;
  sourceId: string;
  status?: number;
  /** From the documented error body `{"error":{"message","type","param","code"}}`. */
  type?: string;
  param?: string;
  code?: string;
  retryable?: boolean;
  /** Server-requested wait (Retry-After), in ms. */
  retryAfterMs?: number;
  /** The server's own error message, unprefixed. */
  serverMessage?: string;
}

export class GenerationError extends Error {
  readonly kind: GenerationErrorKind;
  readonly sourceId: string;
  readonly status?: number;
  readonly type?: string;
  readonly param?: string;
  readonly code?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly serverMessage?: string;

  constructor(message: string, init: GenerationErrorInit) {
    super(message);
    this.name = 'GenerationError';
    this.kind = init.kind;
    this.sourceId = init.sourceId;
    this.status = init.status;
    this.type = init.type;
    this.param = init.param;
    this.code = init.code;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.serverMessage = init.serverMessage;
  }
}

/** Wraps anything thrown into a GenerationError (used by gatherCandidates for foreign sources too). */
export function asGenerationError(e: unknown, sourceId: string, signal?: AbortSignal): GenerationError {
  if (e instanceof GenerationError) return e;
  if (signal?.aborted) return new GenerationError('cancelled', { kind: 'aborted', sourceId });
  const message = e instanceof Error ? e.message : String(e);
  return new GenerationError(message, { kind: 'other', sourceId });
}

/** Events of one `gatherCandidates` run, tagged with the source they belong to. */
export type GatherEvent =
  | { type: 'start'; sourceId: string }
  | { type: 'delta'; sourceId: string; index: number; text: string }
  | { type: 'warning'; sourceId: string; message: string }
  | { type: 'retry'; sourceId: string; attempt: number; delayMs: number; reason: string }
  | { type: 'sampleError'; sourceId: string; index: number; error: GenerationError }
  | { type: 'done'; sourceId: string; candidates: GeneratedCandidate[] }
  | { type: 'error'; sourceId: string; error: GenerationError };

export type SourceResult =
  | { sourceId: string; label: string; ok: true; candidates: GeneratedCandidate[]; warnings: string[] }
  | { sourceId: string; label: string; ok: false; error: GenerationError; warnings: string[] };
