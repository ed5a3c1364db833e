// The versioned record types of the preference store: the one place they are defined.
// Every line in .rlhf/*.jsonl is one of the `StoreLine` variants below.
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

export const SelectionSchema = z.object({
  startLine: z.number().int().nonnegative(),
  endLine: z.number().int().nonnegative(),
  text: z.string(),
});

/** Where the prompt came from in the code: enough to show it and to apply an answer back. */
export const CodeContextSchema = z.object({
  filePath: z.string().optional(),
  language: z.string().optional(),
  selection: SelectionSchema.optional(),
  /** Surrounding file text, when the user allowed it to be recorded. */
  fileContent: z.string().optional(),
  repository: z.string().optional(),
  commit: z.string().optional(),
});

export const PromptSchema = z.object({
  instruction: z.string().min(1, 'prompt.instruction must not be empty'),
  context: CodeContextSchema.optional(),
});

export const UsageSchema = z.object({
  promptTokens: z.number().int().nonnegative().optional(),
  completionTokens: z.number().int().nonnegative().optional(),
});

export const CandidateSchema = z.object({
  id: z.string().min(1),
  text: z.string(),
  model: z.string().optional(),
  source: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  latencyMs: z.number().nonnegative().optional(),
  usage: UsageSchema.optional(),
});

export const OriginSchema = z.object({
  kind: z.enum(['sample', 'import', 'generate', 'snippets', 'manual']),
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
});

/** A pending comparison: a prompt and 2..N candidates waiting for a judgment. */
export const QueueItemSchema = z.object({
  id: z.string().min(1),
  prompt: PromptSchema,
  candidates: z.array(CandidateSchema).min(2, 'an item needs at least 2 candidates'),
  origin: OriginSchema.optional(),
  createdAt: z.string(),
});

export const DEFAULT_TAGS = ['incorrect', 'unsafe', 'irrelevant', 'incomplete', 'style', 'verbose'] as const;

export const RewriteSchema = z.object({
  candidateId: z.string().min(1),
  text: z.string(),
});

export const JudgmentFieldsSchema = z.object({
    /** Candidate id of the winner, or 'tie' / 'both_bad'. Absent for a pure ranking. */
    winner: z.string().min(1).optional(),
    strength: z.enum(['slight', 'clear']).optional(),
    /** Full ranking, best first; each inner array is a group of tied candidate ids. */
    ranking: z.array(z.array(z.string().min(1)).min(1)).optional(),
    ratings: z.record(z.string(), z.number().int().min(1).max(7)).optional(),
    tags: z.record(z.string(), z.array(z.string().min(1))).optional(),
    rationale: z.string().optional(),
    rewrites: z.array(RewriteSchema).optional(),
    /** Candidate ids in the order they were shown (position-bias control). */
    shownOrder: z.array(z.string().min(1)).optional(),
    reviewer: z.string().optional(),
    guidelineVersion: z.string().optional(),
    startedAt: z.string().optional(),
    judgedAt: z.string(),
  });

export const needsWinnerOrRanking = {
  check: (j: { winner?: string; ranking?: string[][] }) => j.winner !== undefined || j.ranking !== undefined,
  message: 'a judgment needs a winner or a ranking',
};

export const JudgmentSchema = JudgmentFieldsSchema.refine(needsWinnerOrRanking.check, { message: needsWinnerOrRanking.message });

/** One judged comparison, self-contained so exports and `git diff` need nothing else. */
export const PreferenceRecordSchema = z.object({
  v: z.literal(SCHEMA_VERSION),
  type: z.literal('preference'),
  id: z.string().min(1),
  itemId: z.string().min(1),
  prompt: PromptSchema,
  candidates: z.array(CandidateSchema).min(2),
  judgment: JudgmentSchema,
});

export const QueueLineSchema = z.object({ v: z.literal(SCHEMA_VERSION), type: z.literal('item') }).and(QueueItemSchema);

/** Withdraws an earlier preference record (undo). Nothing is ever rewritten in place. */
export const RetractionSchema = z.object({
  v: z.literal(SCHEMA_VERSION),
  type: z.literal('retract'),
  id: z.string().min(1),
  recordId: z.string().min(1),
  at: z.string(),
});

export const StoreLineSchema = z.union([PreferenceRecordSchema, RetractionSchema, QueueLineSchema]);

export type Selection = z.infer<typeof SelectionSchema>;
export type CodeContext = z.infer<typeof CodeContextSchema>;
export type Prompt = z.infer<typeof PromptSchema>;
export type Candidate = z.infer<typeof CandidateSchema>;
export type Origin = z.infer<typeof OriginSchema>;
export type QueueItem = z.infer<typeof QueueItemSchema>;
export type Judgment = z.infer<typeof JudgmentSchema>;
export type Rewrite = z.infer<typeof RewriteSchema>;
export type PreferenceRecord = z.infer<typeof PreferenceRecordSchema>;
export type Retraction = z.infer<typeof RetractionSchema>;
export type QueueLine = z.infer<typeof QueueLineSchema>;
export type StoreLine = z.infer<typeof StoreLineSchema>;

/** Candidate labels shown to reviewers: A, B, ..., Z, AA, ... */
export function candidateLabel(index: number): string {
  let s = '';
  let n = index;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** Readable one-line summary of a zod error, naming the field paths. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
