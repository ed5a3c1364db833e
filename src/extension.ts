// Activation wires services to VS Code; nothing heavy loads here (see bench/activation).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ReviewSession } from './core/review/session';
import { formatImportReport, importQueueText } from './core/store/importQueue';
import { PreferenceStore } from './core/store/store';
import type { QueueItem } from './core/records';
import { readConfig, resolveStoreDir } from './host/config';
import { QueueTreeProvider } from './host/queueView';
import { registerSecrets } from './host/secrets';
import { registerGenerate } from './host/generate';
import { registerReward } from './host/reward';
import { registerTraining } from './host/training';
import type { HostContext } from './host/hostContext';
import { PANEL_VIEW_TYPE, ReviewPanel, type PanelDeps } from './host/reviewPanel';
import { registerReviewPanel } from './host/reviewPanel';

/** What activate() returns: used by the integration tests and by other extensions. */
export interface RlhfApi {
  session: ReviewSession;
  storeDir: string;
}

export function activate(context: vscode.ExtensionContext): RlhfApi {
  const log = vscode.window.createOutputChannel('RLHF Review', { log: true });
  const cfg = readConfig(vscode.workspace);
  const wsRoot = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const storeDir = resolveStoreDir(cfg.storePath, wsRoot, context.globalStorageUri.fsPath);
  const store = new PreferenceStore(storeDir);
  const session = new ReviewSession(store, { sampleItems: cfg.useSampleQueue ? loadSampleQueue(context.extensionPath, log) : [] });
  const queue = new QueueTreeProvider(session);
  const view = vscode.window.createTreeView('rlhf.queue', { treeDataProvider: queue, showCollapseAll: false });
  queue.view = view;

  const refreshAll = () => {
    const snap = session.refresh();
    queue.refresh();
    return snap;
  };
  const deps: PanelDeps = { extensionUri: context.extensionUri, session, log, onStoreChanged: () => queue.refresh() };

  const reportBadLines = () => {
    const snap = refreshAll();
    if (snap.bad.length === 0) return;
    for (const b of snap.bad) log.warn(`Unreadable line kept aside: ${b.file}:${b.line}: ${b.error}`);
    const where = snap.bad.slice(0, 3).map((b) => `${b.file}:${b.line}`).join(', ');
    void vscode.window
      .showWarningMessage(
        `RLHF Review: ${snap.bad.length} line(s) of the preference store could not be read (${where}${snap.bad.length > 3 ? ', …' : ''}). They were skipped and copied to ${path.join(cfg.storePath, 'corrupt.jsonl')}; the original file is unchanged.`,
        'Show Log',
      )
      .then((choice) => choice && log.show());
  };

  context.subscriptions.push(
    log,
    view,
    vscode.commands.registerCommand('rlhf.openReviewPanel', (itemId?: unknown) => {
      const panel = ReviewPanel.createOrShow(deps);
      if (typeof itemId === 'string') panel.focus(itemId);
    }),
    vscode.commands.registerCommand('rlhf.importQueue', async (uri?: vscode.Uri) => {
      const target =
        uri instanceof vscode.Uri
          ? uri
          : (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Review queue (JSONL)': ['jsonl', 'json'] }, openLabel: 'Import' }))?.[0];
      if (!target) return;
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
      const report = importQueueText(text, { kind: 'import', file: target.fsPath });
      const known = new Set(session.store.load().items.map((i) => i.id));
      const fresh = report.items.filter((i) => !known.has(i.id));
      session.store.addItems(fresh);
      const summary = formatImportReport(report, path.basename(target.fsPath));
      log.info(summary);
      const dupes = report.items.length - fresh.length;
      const msg = `${summary.split('\n')[0]}${dupes ? ` ${dupes} were already in the queue.` : ''}${report.errors.length ? ` ${report.errors.length} line(s) skipped (see log).` : ''}`;
      if (report.errors.length) void vscode.window.showWarningMessage(msg, 'Show Log').then((c) => c && log.show());
      else void vscode.window.showInformationMessage(msg);
      refreshAll();
      ReviewPanel.current?.showCurrent();
    }),
    vscode.commands.registerCommand('rlhf.refreshQueue', () => {
      reportBadLines();
      ReviewPanel.current?.showCurrent();
    }),
    vscode.commands.registerCommand('rlhf.openStoreFolder', () => vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(storeDir))),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        ReviewPanel.revive(panel, deps);
      },
    }),
    { dispose: () => ReviewPanel.current?.dispose() },
  );

  // Other windows (or git) append to the store: follow the files, cheaply.
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(storeDir), '{queue,preferences}.jsonl'));
  const onDisk = debounce(() => {
    refreshAll();
    ReviewPanel.current?.showCurrent();
  }, 300);
  context.subscriptions.push(watcher, watcher.onDidChange(onDisk), watcher.onDidCreate(onDisk));

  const host: HostContext = {
    context,
    log,
    session,
    store,
    storeDir,
    refresh: () => {
      refreshAll();
      ReviewPanel.current?.showCurrent();
    },
    panel: () => ReviewPanel.current,
    openPanel: (itemId?: string) => {
      const panel = ReviewPanel.createOrShow(deps);
      if (itemId) panel.focus(itemId);
      return panel;
    },
  };
  // Feature modules register their commands, views and services here, one line each.
  registerSecrets(host);
  registerGenerate(host);
  registerReward(host);
  registerTraining(host);
  registerReviewPanel(host);
  void host;

  reportBadLines();
  return { session, storeDir };
}

export function deactivate(): void {}

function loadSampleQueue(extensionPath: string, log: vscode.LogOutputChannel): QueueItem[] {
  const file = path.join(extensionPath, 'media', 'sample-queue.jsonl');
  try {
    const report = importQueueText(fs.readFileSync(file, 'utf8'), { kind: 'sample' }, new Date(0));
    for (const e of report.errors) log.error(`Sample queue line ${e.line}: ${e.error}`);
    return report.items;
  } catch (e) {
    log.error(`Could not read the bundled sample queue: ${(e as Error).message}`);
    return [];
  }
}

function debounce(fn: () => void, ms: number): () => void {
  let t: NodeJS.Timeout | undefined;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}
