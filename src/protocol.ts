// Every message between the review panel (webview) and the extension host, typed once.
// The host validates each incoming message with these schemas before it touches state.
import { z } from 'zod';
import { CodeContextSchema, JudgmentFieldsSchema, needsWinnerOrRanking } from './core/records';

/** A candidate as the panel shows it. `model` stays undefined until revealed. */
export const ViewCandidateSchema = z.object({
  id: z.string(),
  label: z.string(),
  text: z.string(),
  model: z.string().optional(),
  /** Reward-model score, when a reward model is loaded. */
  score: z.number().optional(),
  /** The reward model flagged this candidate (score under its calibrated threshold). */
  flagged: z.boolean().optional(),
  /** Why it was flagged, e.g. "score -1.20 < threshold -0.35 (builtin v3)". */
  flagReason: z.string().optional(),
  /** Still streaming in from its source. */
  pending: z.boolean().optional(),
  /** The source failed: shown in this candidate's column. */
  error: z.string().optional(),
});

export const ViewItemSchema = z.object({
  id: z.string(),
  instruction: z.string(),
  context: CodeContextSchema.optional(),
  /** In display order. */
  candidates: z.array(ViewCandidateSchema),
  /** The item came from an editor selection, so a chosen answer can be applied. */
  canApply: z.boolean(),
});

export const ProgressSchema = z.object({ done: z.number(), total: z.number() });

export type ViewCandidate = z.infer<typeof ViewCandidateSchema>;
export type ViewItem = z.infer<typeof ViewItemSchema>;
export type Progress = z.infer<typeof ProgressSchema>;

// ---- host -> webview ----
export type HostMessage =
  | {
      type: 'show';
      item: ViewItem | null;
      progress: Progress;
      /** The queue is the bundled sample queue (nothing of the workspace's own yet). */
      sample: boolean;
      tags: string[];
      guidelines: { version: string; text: string } | null;
    }
  | { type: 'saved'; recordId: string; announcement: string; models: Record<string, string> }
  | { type: 'notice'; message: string }
  | { type: 'error'; message: string };

// ---- webview -> host ----
/** A judgment as the panel sends it; the host adds judgedAt, reviewer and guideline version. */
export const JudgmentInputSchema = JudgmentFieldsSchema.omit({ judgedAt: true, reviewer: true, guidelineVersion: true }).refine(
  needsWinnerOrRanking.check,
  { message: needsWinnerOrRanking.message },
);

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('vote'), itemId: z.string().min(1), judgment: JudgmentInputSchema }),
  z.object({ type: z.literal('skip'), itemId: z.string().min(1) }),
  z.object({ type: z.literal('undo') }),
  z.object({ type: z.literal('back') }),
]);

export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;
export type JudgmentInput = z.infer<typeof JudgmentInputSchema>;

/** State the webview keeps across hide/reload (vscode.getState / serializer). */
export interface PanelState {
  itemId?: string;
}
