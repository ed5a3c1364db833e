// The review panel's host side: one webview panel, strict CSP, validated messages.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { candidateLabel, describeZodError, type QueueItem } from '../core/records';
import { displayOrder, type ReviewSession } from '../core/review/session';
import { WebviewMessageSchema, type HostMessage, type ViewItem, type WebviewMessage } from '../protocol';
import { readConfig } from './config';

export const PANEL_VIEW_TYPE = 'rlhf.reviewPanel';

export interface PanelDeps {
  extensionUri: vscode.Uri;
  session: ReviewSession;
  log: vscode.LogOutputChannel;
  /** Called after the store changed (vote, undo), so views refresh. */
  onStoreChanged: () => void;
}

export class ReviewPanel {
  static current: ReviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private shownItem: QueueItem | undefined;

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
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  dispose(): void {
    if (ReviewPanel.current === this) ReviewPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private post(msg: HostMessage): void {
    void this.panel.webview.postMessage(msg);
  }

  private receive(raw: unknown): void {
    const parsed = WebviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.deps.log.warn(`Ignored an invalid message from the review panel: ${describeZodError(parsed.error)}`);
      this.post({ type: 'error', message: `The panel sent an invalid message (${describeZodError(parsed.error)}).` });
      return;
    }
    try {
      this.handle(parsed.data);
    } catch (e) {
      const message = (e as Error).message;
      this.deps.log.error(`Review panel: ${message}`);
      this.post({ type: 'error', message });
      void vscode.window.showErrorMessage(`RLHF Review: ${message}`);
    }
  }

  private handle(msg: WebviewMessage): void {
    const { session } = this.deps;
    switch (msg.type) {
      case 'ready':
        session.refresh();
        this.showCurrent();
        return;
      case 'vote': {
        const item = session.findItem(msg.itemId);
        if (!item) throw new Error(`The item ${msg.itemId} is no longer in the queue.`);
        const ids = new Set(item.candidates.map((c) => c.id));
        const w = msg.judgment.winner;
        if (w && w !== 'tie' && w !== 'both_bad' && !ids.has(w)) throw new Error(`Unknown candidate ${w} for item ${item.id}.`);
        const cfg = readConfig(vscode.workspace);
        const rec = session.vote(item.id, { ...msg.judgment, judgedAt: new Date().toISOString(), reviewer: cfg.reviewer });
        this.deps.log.info(`Saved judgment ${rec.id} for item ${item.id} (${describeWinner(item, rec.judgment.winner, msg.judgment.shownOrder)})`);
        const models: Record<string, string> = {};
        for (const c of item.candidates) if (c.model) models[c.id] = c.model;
        this.post({ type: 'saved', recordId: rec.id, announcement: `Saved: ${describeWinner(item, rec.judgment.winner, msg.judgment.shownOrder)}.`, models });
        this.deps.onStoreChanged();
        this.showCurrent();
        return;
      }
      case 'skip':
        session.skip(msg.itemId);
        this.showCurrent();
        return;
      case 'undo': {
        const undone = session.undo();
        this.post(undone ? { type: 'notice', message: 'Last judgment undone.' } : { type: 'notice', message: 'Nothing to undo in this session.' });
        this.deps.onStoreChanged();
        this.showCurrent();
        return;
      }
      case 'back':
        if (!session.back()) this.post({ type: 'notice', message: 'No earlier item in this session.' });
        this.showCurrent();
        return;
    }
  }

  /** Pushes the current item (or the empty state) to the webview. */
  showCurrent(): void {
    const { session } = this.deps;
    const cfg = readConfig(vscode.workspace);
    const item = session.current();
    this.shownItem = item;
    this.post({
      type: 'show',
      item: item ? toViewItem(item, cfg.shuffleCandidates, cfg.hideModelNames) : null,
      progress: session.progress(),
      sample: session.usingSamples,
      tags: cfg.tags,
      guidelines: null,
    });
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
  return {
    id: item.id,
    instruction: item.prompt.instruction,
    context: item.prompt.context,
    candidates: order.map((id, i) => {
      const c = byId.get(id)!;
      return { id: c.id, label: candidateLabel(i), text: c.text, model: hideModels ? undefined : c.model };
    }),
    canApply: item.origin?.kind === 'generate' || item.origin?.kind === 'snippets',
  };
}

function describeWinner(item: QueueItem, winner: string | undefined, shownOrder: string[] | undefined): string {
  if (winner === 'tie') return 'tie';
  if (winner === 'both_bad') return 'both bad';
  if (!winner) return 'ranking';
  const order = shownOrder ?? item.candidates.map((c) => c.id);
  const idx = order.indexOf(winner);
  return `${idx >= 0 ? candidateLabel(idx) : winner} is better`;
}
