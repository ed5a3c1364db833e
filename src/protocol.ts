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
  /** The item already has a judgment (shown again by back/undo/focus): models are revealed. */
  judged: z.boolean().optional(),
  /** Candidates are still streaming in: votes wait until it is complete and queued. */
  live: z.boolean().optional(),
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
      /** The item after this one, so the panel can show it the frame the vote is cast. */
      next?: ViewItem | null;
      /** Sequence number of the last panel message the host handled (stale-show detection). */
      ack?: number;
    }
  | { type: 'saved'; recordId: string; itemId: string; announcement: string; models: Record<string, string> }
  | { type: 'notice'; message: string }
  | { type: 'error'; message: string; ack?: number }
  /** A VS Code command (rlhf.voteA, ...) asks the panel to act as if its key was pressed. */
  | { type: 'command'; action: PanelAction; arg?: number }
  /** Text edited in the VS Code diff editor ("RLHF: Save Rewrite"), for the panel's draft. */
  | { type: 'rewrite'; itemId: string; candidateId: string; text: string };

export const PANEL_ACTIONS = [
  'voteA', 'voteB', 'voteC', 'voteD', 'voteTie', 'voteBothBad', 'strengthSlight', 'strengthClear',
  'selectNext', 'selectPrevious', 'rank', 'saveRanking', 'rate', 'tag', 'rationale', 'rewrite', 'rewriteInEditor',
  'skip', 'undo', 'back', 'apply', 'diff', 'layout', 'guidelines', 'keys',
] as const;
/** Actions that take a number: rank (0 clears) and rate (1-7, 0 clears) of the selected candidate, tag (1-based index in rlhf.tags). */
export const NUMBERED_ACTIONS = { rank: [0, 9], rate: [0, 7], tag: [1, 9] } as const satisfies Partial<Record<PanelAction, readonly [number, number]>>;
export type PanelAction = (typeof PANEL_ACTIONS)[number];

// ---- webview -> host ----
/** A judgment as the panel sends it; the host adds judgedAt, reviewer and guideline version. */
export const JudgmentInputSchema = JudgmentFieldsSchema.omit({ judgedAt: true, reviewer: true, guidelineVersion: true }).refine(
  needsWinnerOrRanking.check,
  { message: needsWinnerOrRanking.message },
);

const seq = z.number().int().nonnegative().optional();
const MAX_TEXT = 20_000_000;

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  /** The panel loaded; itemId is the item it showed before a reload, to show it again. */
  z.object({ type: z.literal('ready'), itemId: z.string().min(1).optional(), seq }),
  z.object({
    type: z.literal('vote'),
    itemId: z.string().min(1),
    judgment: JudgmentInputSchema,
    /** Also put this candidate (its rewrite when there is one) into the document. */
    apply: z.object({ candidateId: z.string().min(1) }).optional(),
    seq,
  }),
  z.object({ type: z.literal('skip'), itemId: z.string().min(1), seq }),
  z.object({ type: z.literal('undo'), seq }),
  z.object({ type: z.literal('back'), seq }),
  /** Open a candidate in a VS Code diff editor to rewrite it there. */
  z.object({ type: z.literal('openRewrite'), itemId: z.string().min(1), candidateId: z.string().min(1), text: z.string().max(MAX_TEXT), seq }),
]);

export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;
export type JudgmentInput = z.infer<typeof JudgmentInputSchema>;

/** What a reviewer has entered for one item and not yet saved. */
export interface Draft {
  startedAt: string;
  strength?: 'slight' | 'clear';
  /** Candidate id -> rank (1 = best; equal numbers are ties). */
  ranks: Record<string, number>;
  ratings: Record<string, number>;
  tags: Record<string, string[]>;
  rationale: string;
  /** Candidate id -> rewritten text (kept). */
  rewrites: Record<string, string>;
  /** The inline rewrite editor that is open, with its unsaved text. */
  editing?: { candidateId: string; text: string };
  /** Index (display order) of the selected candidate. */
  selected: number;
}

/** State the webview keeps across hide/reload (vscode.getState / serializer). */
export interface PanelState {
  itemId?: string;
  /** Drafts of the current item and a few recent ones, by item id. */
  drafts?: Record<string, Draft>;
  layout?: 'columns' | 'stacked';
  diff?: { left: string; right: string } | null;
}
