// The review panel's host side: one webview panel, strict CSP, validated messages, and the
// VS Code commands (vote, skip, undo, back, apply, rewrite) that drive it.
//
// Hooks for other modules (keep them small):
// - ReviewPanel.setScoreProvider(fn): reward scores per candidate. Called for each item the
//   panel shows (and the next one); when it resolves, the panel shows score and flag badges.
// - host.openPanel().showLive(item, state): show an item whose candidates are still streaming.
//   Call again as deltas arrive (rendering is throttled). Votes open once no candidate is
//   pending and the item is in the queue (store.addItems + host.refresh()).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extractCode, fitIndent } from '../core/review/blocks';
import { describeJudgment, guidelineVersion, judgmentProblems } from '../core/review/judgment';
import { candidateLabel, describeZodError, type QueueItem } from '../core/records';
import { displayOrder, type ReviewSession } from '../core/review/session';
import { NUMBERED_ACTIONS, WebviewMessageSchema, type HostMessage, type PanelAction, type ViewItem, type WebviewMessage } from '../protocol';
import { readConfig } from './config';
import type { HostContext } from './hostContext';

export const PANEL_VIEW_TYPE = 'rlhf.reviewPanel';

/** Reward-model verdict on one candidate, keyed by candidate id in a ScoreProvider's result. */
export interface CandidateScore {
  score: number;
  flagged: boolean;
  reason?: string;
}
export type ScoreProvider = (item: QueueItem) => Promise<Record<string, CandidateScore> | undefined>;

/** Per-candidate streaming state for showLive. */
export type LiveState = Record<string, { pending?: boolean; error?: string }>;

export interface PanelDeps {
  extensionUri: vscode.Uri;
  session: ReviewSession;
  log: vscode.LogOutputChannel;
  /** Called after the store changed (vote, undo), so views refresh. */
  onStoreChanged: () => void;
  /** Reward scores for an item's candidates; ReviewPanel.setScoreProvider installs one for all panels. */
  scores?: ScoreProvider;
}

const LIVE_THROTTLE_MS = 100;

export class ReviewPanel {
  static current: ReviewPanel | undefined;
  private static scoreProvider: ScoreProvider | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private shownItem: QueueItem | undefined;
  private live: { item: QueueItem; state: LiveState } | undefined;
  private liveTimer: NodeJS.Timeout | undefined;
  private readonly scoreCache = new Map<string, Record<string, CandidateScore> | 'pending'>();
  /** Rewrites saved from a diff editor, re-sent if the webview was re-created meanwhile. */
  private readonly hostRewrites = new Map<string, Map<string, string>>();
  private guidelinesCache: { file: string; mtime: number; value: { version: string; text: string } } | undefined;
  private handling: Promise<void> = Promise.resolve();
  private ack = 0;

  /** Installs the reward-model hook for every panel (pass undefined to remove it). */
  static setScoreProvider(fn: ScoreProvider | undefined): void {
    ReviewPanel.scoreProvider = fn;
    if (ReviewPanel.current) {
      ReviewPanel.current.scoreCache.clear();
      ReviewPanel.current.showCurrent();
    }
  }

  static createOrShow(deps: PanelDeps): ReviewPanel {
    if (ReviewPanel.current) {
      ReviewPanel.current.panel.reveal(vscode.ViewColumn.Active);
      return ReviewPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'RLHF Review', vscode.ViewColumn.Active, webviewOptions(deps.extensionUri));
    ReviewPanel.current = new ReviewPanel(panel, deps);
    return ReviewPanel.current;
  }

  /** Re-creates the panel after a reload (the serializer hands back the old webview). */
  static revive(panel: vscode.WebviewPanel, deps: PanelDeps): ReviewPanel {
    panel.webview.options = webviewOptions(deps.extensionUri);
    ReviewPanel.current = new ReviewPanel(panel, deps);
    return ReviewPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        this.handling = this.handling.then(() => this.receive(raw));
      }),
    );
  }

  dispose(): void {
    if (ReviewPanel.current === this) ReviewPanel.current = undefined;
    clearTimeout(this.liveTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private post(msg: HostMessage): void {
    void this.panel.webview.postMessage(msg);
  }

  /** Acts as if the panel's own key for `action` was pressed (the rlhf.vote* commands). */
  command(action: PanelAction, arg?: number): void {
    this.post({ type: 'command', action, ...(arg !== undefined ? { arg } : {}) });
  }

  /** Hands text edited in the diff editor to the panel's draft of that item. */
  deliverRewrite(itemId: string, candidateId: string, text: string): void {
    const m = this.hostRewrites.get(itemId) ?? new Map<string, string>();
    m.set(candidateId, text);
    this.hostRewrites.set(itemId, m);
    this.post({ type: 'rewrite', itemId, candidateId, text });
  }

  /**
   * Shows an item whose candidates are still arriving, ahead of the queue. Re-callable with
   * the latest item and state; renders at most every 100 ms.
   */
  showLive(item: QueueItem, state: LiveState): void {
    const first = this.live?.item.id !== item.id;
    this.live = { item, state };
    if (this.liveTimer) return;
    this.liveTimer = setTimeout(
      () => {
        this.liveTimer = undefined;
        this.showCurrent();
      },
      first ? 0 : LIVE_THROTTLE_MS,
    );
  }

  /** Stops showing a live item (e.g. the generation was cancelled). */
  clearLive(itemId?: string): void {
    if (!this.live || (itemId && this.live.item.id !== itemId)) return;
    this.live = undefined;
    this.showCurrent();
  }

  private async receive(raw: unknown): Promise<void> {
    const parsed = WebviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.deps.log.warn(`Ignored an invalid message from the review panel: ${describeZodError(parsed.error)}`);
      this.post({ type: 'error', message: `The panel sent an invalid message (${describeZodError(parsed.error)}).` });
      return;
    }
    const msg = parsed.data;
    try {
      await this.handle(msg);
    } catch (e) {
      const message = (e as Error).message;
      this.deps.log.error(`Review panel: ${message}`);
      if (msg.seq !== undefined) this.ack = Math.max(this.ack, msg.seq);
      this.post({ type: 'error', message, ack: this.ack });
      void vscode.window.showErrorMessage(`RLHF Review: ${message}`);
      // The panel may have moved on optimistically: show what is really current.
      this.showCurrent();
    }
  }

  private async handle(msg: WebviewMessage): Promise<void> {
    const { session } = this.deps;
    const done = () => {
      if (msg.seq !== undefined) this.ack = Math.max(this.ack, msg.seq);
    };
    switch (msg.type) {
      case 'ready': {
        session.refresh();
        // After a reload, show the item the reviewer was on (with its draft) if still there.
        if (msg.itemId && msg.itemId !== session.current()?.id && msg.itemId !== this.live?.item.id) {
          const it = session.findItem(msg.itemId);
          if (it && !session.recordFor(it.id)) session.focus(it.id);
        }
        this.ack = 0;
        this.showCurrent();
        const id = this.shownItem?.id;
        for (const [cid, text] of (id && this.hostRewrites.get(id)) || []) this.post({ type: 'rewrite', itemId: id!, candidateId: cid, text });
        return;
      }
      case 'vote': {
        const item = session.findItem(msg.itemId);
        if (!item) {
          if (this.live?.item.id === msg.itemId) throw new Error('This item is still being generated; vote when all its candidates have arrived.');
          throw new Error(`The item ${msg.itemId} is no longer in the queue.`);
        }
        const problems = judgmentProblems(item, msg.judgment);
        if (problems.length) throw new Error(`The judgment does not fit item ${item.id}: ${problems.join('; ')}.`);
        const labelOf = labeler(item, msg.judgment.shownOrder);
        if (msg.apply) {
          const c = item.candidates.find((x) => x.id === msg.apply!.candidateId);
          if (!c) throw new Error(`Unknown candidate ${msg.apply.candidateId} for item ${item.id}.`);
          const text = msg.judgment.rewrites?.find((r) => r.candidateId === c.id)?.text ?? c.text;
          await applyToDocument(item, text);
          this.deps.log.info(`Applied ${labelOf(c.id)} of item ${item.id} to ${item.prompt.context?.filePath}`);
        }
        const cfg = readConfig(vscode.workspace);
        const guidelines = this.guidelines();
        const rec = session.vote(item.id, {
          ...msg.judgment,
          judgedAt: new Date().toISOString(),
          reviewer: cfg.reviewer,
          ...(guidelines ? { guidelineVersion: guidelines.version } : {}),
        });
        if (this.live?.item.id === item.id) this.live = undefined;
        this.hostRewrites.delete(item.id);
        const what = describeJudgment(msg.judgment, labelOf);
        this.deps.log.info(`Saved judgment ${rec.id} for item ${item.id} (${what})`);
        const models: Record<string, string> = {};
        for (const c of item.candidates) if (c.model) models[c.id] = c.model;
        done();
        this.post({ type: 'saved', recordId: rec.id, itemId: item.id, announcement: `Saved: ${what}${msg.apply ? ', applied to the file' : ''}.`, models });
        this.deps.onStoreChanged();
        this.showCurrent();
        return;
      }
      case 'skip':
        if (this.live?.item.id === msg.itemId) this.live = undefined;
        else session.skip(msg.itemId);
        done();
        this.showCurrent();
        return;
      case 'undo': {
        const undone = session.undo();
        done();
        this.post(undone ? { type: 'notice', message: 'Last judgment undone.' } : { type: 'notice', message: 'Nothing to undo in this session.' });
        this.deps.onStoreChanged();
        this.showCurrent();
        return;
      }
      case 'back':
        if (!session.back()) this.post({ type: 'notice', message: 'No earlier item in this session.' });
        done();
        this.showCurrent();
        return;
      case 'openRewrite': {
        const item = session.findItem(msg.itemId) ?? (this.live?.item.id === msg.itemId ? this.live.item : undefined);
        const c = item?.candidates.find((x) => x.id === msg.candidateId);
        if (!item || !c) throw new Error(`Unknown candidate ${msg.candidateId} for item ${msg.itemId}.`);
        const order = displayOrder(item, readConfig(vscode.workspace).shuffleCandidates);
        await openRewriteEditor(item, c.id, candidateLabel(order.indexOf(c.id)), c.text, msg.text);
        return;
      }
    }
  }

  /** Pushes the current item (or the empty state) to the webview, with the next one. */
  showCurrent(): void {
    const { session } = this.deps;
    const cfg = readConfig(vscode.workspace);
    const live = this.live;
    const item = live?.item ?? session.current();
    const next = live ? session.current() : session.peekNext();
    this.shownItem = item;
    const view = (it: QueueItem | undefined) => {
      if (!it) return null;
      const judged = !!session.recordFor(it.id);
      const v = toViewItem(it, cfg.shuffleCandidates, cfg.hideModelNames && !judged);
      if (judged) v.judged = true;
      if (live && it.id === live.item.id) {
        for (const c of v.candidates) {
          const s = live.state[c.id];
          if (s?.pending) c.pending = true;
          if (s?.error) c.error = s.error;
        }
        if (!session.findItem(it.id) || v.candidates.some((c) => c.pending)) v.live = true;
      }
      this.addScores(it, v);
      return v;
    };
    this.post({
      type: 'show',
      item: view(item),
      next: view(next),
      progress: session.progress(),
      sample: session.usingSamples,
      tags: cfg.tags,
      guidelines: this.guidelines(),
      ack: this.ack,
    });
  }

  private addScores(item: QueueItem, v: ViewItem): void {
    const provider = this.deps.scores ?? ReviewPanel.scoreProvider;
    if (!provider || v.live) return;
    const cached = this.scoreCache.get(item.id);
    if (cached === undefined) {
      this.scoreCache.set(item.id, 'pending');
      provider(item).then(
        (res) => {
          this.scoreCache.set(item.id, res ?? {});
          if (res && Object.keys(res).length) this.showCurrent();
        },
        (e: Error) => {
          this.scoreCache.set(item.id, {});
          this.deps.log.warn(`Reward scores for item ${item.id} failed: ${e.message}`);
        },
      );
      return;
    }
    if (cached === 'pending') return;
    for (const c of v.candidates) {
      const s = cached[c.id];
      if (!s) continue;
      c.score = s.score;
      if (s.flagged) {
        c.flagged = true;
        if (s.reason) c.flagReason = s.reason;
      }
    }
  }

  /** `guidelines.md` in the store folder, with its version; re-read when it changes. */
  private guidelines(): { version: string; text: string } | null {
    const file = path.join(this.deps.session.store.dir, 'guidelines.md');
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      this.guidelinesCache = undefined;
      return null;
    }
    if (this.guidelinesCache?.file === file && this.guidelinesCache.mtime === stat.mtimeMs) return this.guidelinesCache.value;
    const text = fs.readFileSync(file, 'utf8');
    const value = { version: guidelineVersion(text), text };
    this.guidelinesCache = { file, mtime: stat.mtimeMs, value };
    return value;
  }

  focus(itemId: string): void {
    this.deps.session.focus(itemId);
    this.showCurrent();
  }

  get currentItemId(): string | undefined {
    return this.shownItem?.id;
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'panel.css'));
    const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `img-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${style}" rel="stylesheet">
<title>RLHF Review</title>
</head>
<body>
<main id="rlhf-root" aria-label="RLHF review panel"></main>
<div id="rlhf-live" class="visually-hidden" role="status" aria-live="polite"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
  };
}

export function toViewItem(item: QueueItem, shuffle: boolean, hideModels: boolean): ViewItem {
  const order = displayOrder(item, shuffle);
  const byId = new Map(item.candidates.map((c) => [c.id, c]));
  const ctx = item.prompt.context;
  return {
    id: item.id,
    instruction: item.prompt.instruction,
    context: ctx,
    candidates: order.map((id, i) => {
      const c = byId.get(id)!;
      return { id: c.id, label: candidateLabel(i), text: c.text, model: hideModels ? undefined : c.model };
    }),
    canApply: !!(ctx?.filePath && ctx.selection),
  };
}

function labeler(item: QueueItem, shownOrder: string[] | undefined): (id: string) => string {
  const order = shownOrder ?? item.candidates.map((c) => c.id);
  return (id) => {
    const i = order.indexOf(id);
    return i >= 0 ? candidateLabel(i) : id;
  };
}

// ---------- apply ----------

function resolveInWorkspace(filePath: string): vscode.Uri {
  if (path.isAbsolute(filePath)) {
    if (!fs.existsSync(filePath)) throw new Error(`${filePath} does not exist, so the answer cannot be applied.`);
    // An imported item names any path it likes: edit files of this workspace, or one the user has open.
    const inside = (vscode.workspace.workspaceFolders ?? []).some((f) => {
      const rel = path.relative(f.uri.fsPath, filePath);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    const open = vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'file' && d.uri.fsPath === path.normalize(filePath));
    if (!inside && !open) throw new Error(`${filePath} is outside this workspace; open it in an editor first to apply the answer to it.`);
    return vscode.Uri.file(filePath);
  }
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    const p = path.join(f.uri.fsPath, filePath);
    if (path.relative(f.uri.fsPath, p).startsWith('..')) continue; // "../x" leaves the folder
    if (fs.existsSync(p)) return vscode.Uri.file(p);
  }
  throw new Error(`${filePath} is not in this workspace, so the answer cannot be applied.`);
}

const norm = (s: string) => s.replace(/\r\n/g, '\n').replace(/[ \t]+$/gm, '').replace(/\n+$/, '');

/** Replaces the item's selected lines with the response's code, as one undoable edit. */
export async function applyToDocument(item: QueueItem, responseText: string): Promise<void> {
  const ctx = item.prompt.context;
  if (!ctx?.filePath || !ctx.selection) throw new Error('This item did not come from an editor selection, so there is nothing to apply it to.');
  const uri = resolveInWorkspace(ctx.filePath);
  const doc = await vscode.workspace.openTextDocument(uri);
  const sel = ctx.selection;
  let range: vscode.Range | undefined;
  if (sel.endLine < doc.lineCount) {
    const end = sel.endLine + 1 < doc.lineCount ? new vscode.Position(sel.endLine + 1, 0) : doc.lineAt(sel.endLine).range.end;
    const r = new vscode.Range(new vscode.Position(sel.startLine, 0), end);
    if (norm(doc.getText(r)) === norm(sel.text)) range = r;
  }
  if (!range) {
    // The lines moved: find the selected text elsewhere, if it is there exactly once.
    const all = doc.getText();
    const at = all.indexOf(sel.text);
    if (sel.text.trim() && at >= 0 && all.indexOf(sel.text, at + 1) < 0) range = new vscode.Range(doc.positionAt(at), doc.positionAt(at + sel.text.length));
  }
  if (!range) throw new Error(`Lines ${sel.startLine + 1}–${sel.endLine + 1} of ${ctx.filePath} changed since the prompt was made; nothing was applied.`);
  const replaced = doc.getText(range);
  let code = fitIndent(extractCode(responseText, ctx.language), sel.text);
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  code = code.replace(/\r?\n/g, eol).replace(/(\r?\n)+$/, '');
  if (/\n$/.test(replaced)) code += eol;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, range, code);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`VS Code refused the edit to ${ctx.filePath}.`);
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
}

// ---------- rewrite in a real diff editor ----------

const ORIGINAL_SCHEME = 'rlhf-original';
const originals = new Map<string, string>();
const rewriteDocs = new Map<string, { itemId: string; candidateId: string; label: string }>();

async function openRewriteEditor(item: QueueItem, candidateId: string, label: string, original: string, draft: string): Promise<void> {
  const origUri = vscode.Uri.from({ scheme: ORIGINAL_SCHEME, path: `/${encodeURIComponent(item.id)}/${encodeURIComponent(candidateId)}/${label}-original.md` });
  originals.set(origUri.toString(), original);
  const doc = await vscode.workspace.openTextDocument({ content: draft, language: 'markdown' });
  rewriteDocs.set(doc.uri.toString(), { itemId: item.id, candidateId, label });
  await vscode.commands.executeCommand('setContext', 'rlhf.rewriteOpen', true);
  await vscode.commands.executeCommand('vscode.diff', origUri, doc.uri, `Rewrite ${label}: original ↔ your rewrite`, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  void vscode.window.setStatusBarMessage('Edit the right side, then run “RLHF: Save Rewrite” (Ctrl+Alt+Enter).', 8000);
}

async function saveRewrite(host: HostContext): Promise<void> {
  const active = vscode.window.activeTextEditor?.document;
  let key = active && rewriteDocs.has(active.uri.toString()) ? active.uri.toString() : undefined;
  if (!key && rewriteDocs.size === 1) key = [...rewriteDocs.keys()][0];
  if (!key) {
    void vscode.window.showErrorMessage('RLHF Review: no rewrite editor is active. Open one with Shift+W on a candidate in the review panel.');
    return;
  }
  const target = rewriteDocs.get(key)!;
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
  if (!doc) {
    rewriteDocs.delete(key);
    void vscode.window.showErrorMessage('RLHF Review: the rewrite editor was closed; open it again from the panel.');
    return;
  }
  const panel = host.panel() ?? host.openPanel();
  panel.deliverRewrite(target.itemId, target.candidateId, doc.getText());
  host.log.info(`Rewrite of ${target.label} (item ${target.itemId}) taken from the diff editor.`);
  rewriteDocs.delete(key);
  if (rewriteDocs.size === 0) await vscode.commands.executeCommand('setContext', 'rlhf.rewriteOpen', false);
  // Close the diff without the "save untitled?" prompt: the text now lives in the panel.
  for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
    const input = tab.input;
    if (input instanceof vscode.TabInputTextDiff && input.modified.toString() === key) {
      await vscode.window.showTextDocument(doc, { viewColumn: tab.group.viewColumn, preview: false });
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  }
  panel.panel.reveal(undefined, false);
}

const ACTION_COMMANDS: [string, PanelAction][] = [
  ['rlhf.voteA', 'voteA'],
  ['rlhf.voteB', 'voteB'],
  ['rlhf.voteC', 'voteC'],
  ['rlhf.voteD', 'voteD'],
  ['rlhf.voteTie', 'voteTie'],
  ['rlhf.voteBothBad', 'voteBothBad'],
  ['rlhf.strengthSlight', 'strengthSlight'],
  ['rlhf.strengthClear', 'strengthClear'],
  ['rlhf.selectNextCandidate', 'selectNext'],
  ['rlhf.selectPreviousCandidate', 'selectPrevious'],
  ['rlhf.rankSelected', 'rank'],
  ['rlhf.saveRanking', 'saveRanking'],
  ['rlhf.rateSelected', 'rate'],
  ['rlhf.tagSelected', 'tag'],
  ['rlhf.writeRationale', 'rationale'],
  ['rlhf.rewriteSelected', 'rewrite'],
  ['rlhf.rewriteSelectedInEditor', 'rewriteInEditor'],
  ['rlhf.skip', 'skip'],
  ['rlhf.undo', 'undo'],
  ['rlhf.back', 'back'],
  ['rlhf.apply', 'apply'],
  ['rlhf.toggleDiff', 'diff'],
  ['rlhf.toggleLayout', 'layout'],
  ['rlhf.toggleGuidelines', 'guidelines'],
  ['rlhf.showKeyboardMap', 'keys'],
];

/** The number a numbered action acts with: the command's argument (a keybinding's "args"), else asked for. */
async function actionArg(action: PanelAction, raw: unknown): Promise<number | undefined> {
  const range = (NUMBERED_ACTIONS as Partial<Record<PanelAction, readonly [number, number]>>)[action];
  if (!range) return undefined;
  const [lo, hi] = range;
  const ok = (n: number) => Number.isInteger(n) && n >= lo && n <= hi;
  if (typeof raw === 'number' && ok(raw)) return raw;
  if (raw !== undefined) {
    void vscode.window.showErrorMessage(`RLHF Review: this command takes a whole number from ${lo} to ${hi} (got ${JSON.stringify(raw)}).`);
    return undefined;
  }
  const what = action === 'rank' ? 'Rank of the selected candidate (0 clears)' : action === 'rate' ? 'Rating of the selected candidate, 1–7 (0 clears)' : 'Number of the tag to toggle (its place in rlhf.tags)';
  const items = Array.from({ length: hi - lo + 1 }, (_, i) => String(lo + i));
  const pick = await vscode.window.showQuickPick(items, { title: `RLHF: ${what}` });
  return pick === undefined ? undefined : Number(pick);
}

/** The panel's commands (rebindable keys for its actions), the rewrite editor and its provider. */
export function registerReviewPanel(host: HostContext): void {
  const subs = host.context.subscriptions;
  for (const [id, action] of ACTION_COMMANDS) {
    subs.push(
      vscode.commands.registerCommand(id, async (raw?: unknown) => {
        const panel = host.panel();
        if (!panel) {
          host.openPanel();
          void vscode.window.showInformationMessage('RLHF Review: the review panel is open now; run the command again to act on its item.');
          return;
        }
        const arg = await actionArg(action, raw);
        if (action in NUMBERED_ACTIONS && arg === undefined) return;
        panel.command(action, arg);
      }),
    );
  }
  subs.push(
    vscode.commands.registerCommand('rlhf.saveRewrite', () => saveRewrite(host)),
    vscode.workspace.registerTextDocumentContentProvider(ORIGINAL_SCHEME, {
      provideTextDocumentContent: (uri) => originals.get(uri.toString()) ?? '(the original is no longer available)',
    }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (rewriteDocs.delete(d.uri.toString()) && rewriteDocs.size === 0) void vscode.commands.executeCommand('setContext', 'rlhf.rewriteOpen', false);
    }),
  );
}
