// Runs in the window: the Runs view, the status-bar item, progress notifications, one log
// channel plus a log file per run, and picking runs up again after a reload. The run history
// itself is the RunStore (.rlhf/runs/runs.jsonl); this class only adds what is live.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LaunchError,
  TERMINAL_STATUSES,
  groupAlive,
  metricsText,
  reattachTracked,
  redact,
  startTracked,
  type LaunchHooks,
  type RunHandle,
  type RunMetrics,
  type RunRecord,
  type RunSpec,
  type RunStatus,
  type RunStore,
  type StatusUpdate,
  type TrainingLauncher,
} from '../core/training';

export { metricsText };

export const TARGET_LABELS: Record<RunRecord['target'], string> = { local: 'Local GPU', ssh: 'SSH host', together: 'Together AI', openai: 'OpenAI' };
export const METHOD_LABELS: Record<RunRecord['method'], string> = { dpo: 'DPO', reward: 'Reward model', sft: 'SFT', kto: 'KTO' };
const SHORT_METHOD: Record<RunRecord['method'], string> = { dpo: 'DPO', reward: 'RM', sft: 'SFT', kto: 'KTO' };
export const UNKNOWN_AFTER_RELOAD = 'unknown (window reloaded while the run was going)';

interface LiveRun {
  launcher: TrainingLauncher;
  handle?: RunHandle;
  metrics?: RunMetrics;
  status: RunStatus;
  message?: string;
  cancelRequested: boolean;
  method: RunRecord['method'];
  startedAt: number;
}

/** Builds the launcher that can follow a recorded run again, or says why it cannot. */
export type ReattachFactory = (record: RunRecord) => Promise<{ launcher: TrainingLauncher; secrets: string[] } | string>;

export type RunNode = { kind: 'run'; id: string } | { kind: 'detail'; runId: string; label: string; value: string; icon: string };

export class RunManager implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly live = new Map<string, LiveRun>();
  private readonly changed = new vscode.EventEmitter<RunNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly channel: vscode.LogOutputChannel;
  private readonly statusItem: vscode.StatusBarItem;
  private records = new Map<string, RunRecord>();
  private disposed = false;

  constructor(
    readonly store: RunStore,
    private readonly reattachFactory: ReattachFactory,
  ) {
    this.channel = vscode.window.createOutputChannel('RLHF Training', { log: true });
    this.statusItem = vscode.window.createStatusBarItem('rlhf.trainingRun', vscode.StatusBarAlignment.Left, 50);
    this.statusItem.name = 'RLHF Training Run';
    this.statusItem.command = 'rlhf.runs.focus';
    this.reload();
  }

  get runsDir(): string {
    return this.store.dir;
  }

  runDir(runId: string): string {
    return path.join(this.store.dir, runId);
  }

  /** Re-reads the run store (other windows append to it too). */
  reload(): void {
    const { runs, bad, invalid } = this.store.load();
    for (const b of bad) this.channel.warn(`runs.jsonl line ${b.line} unreadable, skipped: ${b.error}`);
    for (const i of invalid) this.channel.warn(`run ${i.runId}: incomplete history, skipped: ${i.error}`);
    this.records = new Map(runs.map((r) => [r.id, r]));
    this.fire();
  }

  private fire(): void {
    if (this.disposed) return;
    this.changed.fire();
    this.updateStatusBar();
  }

  record(runId: string): RunRecord | undefined {
    return this.records.get(runId);
  }

  isLive(runId: string): boolean {
    const l = this.live.get(runId);
    return !!l && !TERMINAL_STATUSES.includes(l.status);
  }

  private ensureRunsGitignore(): void {
    // Run folders hold copies of the data, models and logs: keep them out of git by default.
    const f = path.join(this.store.dir, '.gitignore');
    if (!fs.existsSync(f)) {
      fs.mkdirSync(this.store.dir, { recursive: true });
      fs.writeFileSync(f, '# Run folders (data copies, models, logs); runs.jsonl is the shared history.\n*/\n');
    }
  }

  private hooksFor(runId: string, secrets: string[], logFile: string, progress?: (m: RunMetrics) => void): LaunchHooks {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const clean = (s: string) => redact(s, secrets);
    return {
      onLog: (line) => {
        const l = clean(line);
        this.channel.info(`[${runId}] ${l}`);
        try {
          fs.appendFileSync(logFile, l + '\n');
        } catch (e) {
          this.channel.warn(`[${runId}] cannot write ${logFile}: ${(e as Error).message}`);
        }
      },
      onMetrics: (m) => {
        const l = this.live.get(runId);
        if (l) l.metrics = m;
        progress?.(m);
        this.fire();
      },
      onStatus: (s) => {
        const l = this.live.get(runId);
        if (l) {
          l.status = s.status;
          l.message = s.message ? clean(s.message) : undefined;
        }
        if (s.message) this.channel.info(`[${runId}] ${s.status}: ${clean(s.message)}`);
        this.reload();
      },
    };
  }

  /**
   * Starts a run with a cancellable progress notification; resolves once the launcher has
   * started it (or throws its LaunchError). The notification stays until the run ends.
   */
  async start(spec: RunSpec, launcher: TrainingLauncher, secrets: string[]): Promise<RunHandle> {
    this.ensureRunsGitignore();
    const logFile = path.join(this.runDir(spec.id), 'train.log');
    const live: LiveRun = { launcher, status: 'starting', cancelRequested: false, method: spec.method, startedAt: Date.now() };
    this.live.set(spec.id, live);
    let started!: (h: RunHandle) => void;
    let failed!: (e: unknown) => void;
    const startedP = new Promise<RunHandle>((res, rej) => {
      started = res;
      failed = rej;
    });
    const title = `RLHF ${METHOD_LABELS[spec.method]} on ${TARGET_LABELS[launcher.target]}`;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let shown = 0;
      const report = (m: RunMetrics) => {
        if (m.percent === undefined) return;
        const inc = Math.max(0, m.percent - shown);
        shown = Math.max(shown, m.percent);
        progress.report({ increment: inc, message: `${Math.floor(m.percent)}%${m.loss !== undefined ? ` · loss ${fmt(m.loss)}` : ''}` });
      };
      token.onCancellationRequested(() => void this.cancel(spec.id));
      progress.report({ message: 'starting…' });
      let handle: RunHandle;
      try {
        handle = await startTracked(this.store, launcher, spec, this.hooksFor(spec.id, secrets, logFile, report), { logFile, metricsEveryMs: 2_000 });
      } catch (e) {
        live.status = 'failed';
        this.reload();
        failed(e);
        return;
      }
      live.handle = handle;
      started(handle);
      if (live.cancelRequested) void this.cancel(spec.id);
      const final = await handle.done;
      this.finished(spec.id, final);
    });
    return startedP;
  }

  /** Follows a run recorded by an earlier window; no notification, the view and status bar show it. */
  private async follow(record: RunRecord, launcher: TrainingLauncher, secrets: string[]): Promise<void> {
    const live: LiveRun = { launcher, status: record.status, cancelRequested: false, method: record.method, metrics: record.metrics, startedAt: Date.now() };
    this.live.set(record.id, live);
    const logFile = record.logFile ?? path.join(this.runDir(record.id), 'train.log');
    const hooks = this.hooksFor(record.id, secrets, logFile);
    hooks.onLog(`following again after a reload (${TARGET_LABELS[record.target]}${record.remoteJobId ? ` job ${record.remoteJobId}` : ''}${record.host ? ` on ${record.host}` : ''})`);
    try {
      const handle = await reattachTracked(this.store, launcher, record, hooks, { logFile, metricsEveryMs: 2_000 });
      live.handle = handle;
      this.fire();
      this.finished(record.id, await handle.done);
    } catch (e) {
      this.live.delete(record.id);
      this.channel.error(`[${record.id}] cannot follow again: ${redact((e as Error).message, secrets)}`);
      this.fire();
    }
  }

  /** Picks up runs that were going when the window closed (and runs started by other windows). */
  async resume(): Promise<void> {
    this.reload();
    const pending = [...this.records.values()].filter((r) => !TERMINAL_STATUSES.includes(r.status) && !this.live.has(r.id));
    for (const r of pending) {
      if (r.target === 'local' && !(r.pid && r.trainerLog)) {
        // Cut off before its trainer started, or recorded by a version that piped the trainer's
        // output to the window: nothing to follow. A live process group may belong to another
        // window of this workspace: leave it alone.
        if (r.pid && groupAlive(r.pid)) {
          this.channel.info(`[${r.id}] local process group ${r.pid} is still alive (another window?); not touched`);
          continue;
        }
        this.store.record(r.id, { status: 'failed', error: UNKNOWN_AFTER_RELOAD });
        this.channel.warn(`[${r.id}] ${UNKNOWN_AFTER_RELOAD}; its log: ${r.logFile ?? 'none'}`);
        continue;
      }
      const made = await this.reattachFactory(r);
      if (typeof made === 'string') {
        this.channel.warn(`[${r.id}] not followed: ${made}`);
        continue;
      }
      void this.follow(r, made.launcher, made.secrets);
    }
    this.reload();
  }

  async cancel(runId: string): Promise<void> {
    const l = this.live.get(runId);
    if (!l || TERMINAL_STATUSES.includes(l.status)) throw new LaunchError(`run ${runId} is not running in this window`);
    l.cancelRequested = true;
    if (!l.handle) return; // still starting: cancelled as soon as the launcher hands back the run
    this.channel.info(`[${runId}] cancelling…`);
    try {
      await l.launcher.cancel(l.handle);
    } catch (e) {
      this.channel.error(`[${runId}] cancel failed: ${(e as Error).message}`);
      throw e;
    }
  }

  private finished(runId: string, s: StatusUpdate): void {
    const l = this.live.get(runId);
    if (l) l.status = s.status;
    this.reload();
    if (s.status === 'running' || s.status === 'starting') {
      // Stopped following: the window is closing, or the launcher lost contact for good (an SSH
      // host gone quiet). The run goes on remotely; "Refresh Runs" picks it up again.
      if (this.disposed) return;
      this.live.delete(runId);
      this.fire();
      if (s.message) {
        this.channel.warn(`[${runId}] not followed any more: ${s.message}`);
        void vscode.window.showWarningMessage(`RLHF: ${s.message}`, 'Refresh Runs', 'Show Log').then((c) => {
          if (c === 'Refresh Runs') return vscode.commands.executeCommand('rlhf.refreshRuns');
          if (c === 'Show Log') return vscode.commands.executeCommand('rlhf.showRunLog', runId);
          return undefined;
        });
      }
      return;
    }
    const rec = this.records.get(runId);
    const what = `${METHOD_LABELS[l?.method ?? rec?.method ?? 'dpo']} run ${runId}`;
    if (s.status === 'succeeded') {
      const actions = ['Open Output', 'Show Log'];
      const offerLoad = async () => !!s.onnxDir && (await vscode.commands.getCommands(true)).includes('rlhf.loadRewardModel');
      void offerLoad().then(async (load) => {
        const choice = await vscode.window.showInformationMessage(`RLHF: ${what} finished. Output: ${s.output ?? 'none'}`, ...(load ? ['Load this model', ...actions] : actions));
        if (choice === 'Load this model') await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(s.onnxDir!));
        else if (choice === 'Open Output') await vscode.commands.executeCommand('rlhf.openRunOutput', runId);
        else if (choice === 'Show Log') await vscode.commands.executeCommand('rlhf.showRunLog', runId);
      });
    } else if (s.status === 'cancelled') {
      void vscode.window.showInformationMessage(`RLHF: ${what} cancelled.`, 'Show Log').then((c) => c && vscode.commands.executeCommand('rlhf.showRunLog', runId));
    } else {
      this.channel.error(`[${runId}] failed: ${s.error ?? 'no error message'}`);
      void vscode.window.showErrorMessage(`RLHF: ${what} failed: ${failureSummary(s.error)}`, 'Show Log').then((c) => c && vscode.commands.executeCommand('rlhf.showRunLog', runId));
    }
  }

  /** Stops polling remote jobs (they go on remotely) when the window closes. */
  dispose(): void {
    this.disposed = true;
    for (const [id, l] of this.live) {
      const d = (l.launcher as { detach?: (id: string) => void }).detach;
      if (typeof d === 'function') d.call(l.launcher, id);
    }
    this.statusItem.dispose();
    this.channel.dispose();
    this.changed.dispose();
  }

  private updateStatusBar(): void {
    const active = [...this.live.entries()].filter(([, l]) => !TERMINAL_STATUSES.includes(l.status)).sort((a, b) => b[1].startedAt - a[1].startedAt);
    if (!active.length) {
      this.statusItem.hide();
      return;
    }
    const [id, l] = active[0];
    const pct = l.metrics?.percent !== undefined ? ` ${Math.floor(l.metrics.percent)}%` : l.status === 'starting' ? ' starting' : '';
    this.statusItem.text = `$(rocket) ${SHORT_METHOD[l.method]}${pct}${active.length > 1 ? ` (+${active.length - 1})` : ''}`;
    this.statusItem.tooltip = `RLHF training run ${id}: ${l.status}${l.message ? ` (${l.message})` : ''}. Click to show the Runs view.`;
    this.statusItem.show();
  }

  // ---- tree view

  private merged(id: string): (RunRecord & { liveMetrics?: RunMetrics }) | undefined {
    const r = this.records.get(id);
    if (!r) return undefined;
    const l = this.live.get(id);
    return { ...r, metrics: l?.metrics ?? r.metrics };
  }

  getChildren(node?: RunNode): RunNode[] {
    if (!node) {
      return [...this.records.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((r) => ({ kind: 'run', id: r.id }));
    }
    if (node.kind !== 'run') return [];
    const r = this.merged(node.id);
    if (!r) return [];
    const d = (label: string, value: string | undefined, icon: string): RunNode[] => (value ? [{ kind: 'detail', runId: r.id, label, value, icon }] : []);
    return [
      ...d('Status', statusText(r, this.live.get(r.id)?.message), 'pulse'),
      ...d('Target', `${TARGET_LABELS[r.target]}${r.host ? ` (${r.host})` : ''}${r.remoteJobId ? ` · job ${r.remoteJobId}` : ''}`, 'server'),
      ...d('Base model', r.model, 'symbol-class'),
      ...d('Dataset', `sha256 ${r.datasetHash.slice(0, 12)}`, 'database'),
      ...d('Metrics', metricsText(r.metrics), 'graph-line'),
      ...d('Output', r.output, 'folder'),
      ...d('ONNX', r.onnxDir, 'package'),
      ...d('Error', r.error ? r.error.split('\n')[0] : undefined, 'error'),
      ...d('Started', new Date(r.createdAt).toLocaleString(), 'calendar'),
    ];
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    if (node.kind === 'detail') {
      const t = new vscode.TreeItem(`${node.label}: ${node.value}`, vscode.TreeItemCollapsibleState.None);
      t.iconPath = new vscode.ThemeIcon(node.icon);
      t.tooltip = `${node.label}: ${node.value}`;
      t.contextValue = `rlhfRunDetail.${node.label.toLowerCase()}`;
      t.id = `${node.runId}/${node.label}`;
      return t;
    }
    const r = this.merged(node.id)!;
    const live = this.isLive(r.id);
    const t = new vscode.TreeItem(`${METHOD_LABELS[r.method]} · ${TARGET_LABELS[r.target]}`, vscode.TreeItemCollapsibleState.Collapsed);
    t.id = r.id;
    t.description = [statusText(r, undefined), metricsText(r.metrics, true)].filter(Boolean).join(' · ');
    t.iconPath = statusIcon(r.status, r.error);
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${METHOD_LABELS[r.method]}** on **${TARGET_LABELS[r.target]}** — run \`${r.id}\`\n\n`);
    md.appendText(`Status: ${statusText(r, this.live.get(r.id)?.message)}\nDataset: sha256 ${r.datasetHash}\n`);
    if (r.model) md.appendText(`Base model: ${r.model}\n`);
    if (r.metrics) md.appendText(`Metrics: ${metricsText(r.metrics)}\n`);
    if (r.output) md.appendText(`Output: ${r.output}\n`);
    if (r.error) md.appendText(`Error: ${r.error.split('\n').slice(0, 6).join('\n')}\n`);
    t.tooltip = md;
    t.contextValue = ['rlhfRun', live ? 'active' : 'done', r.logFile || live ? 'log' : '', r.output ? 'output' : '', r.onnxDir ? 'onnx' : ''].filter(Boolean).join('.');
    t.accessibilityInformation = { label: `${METHOD_LABELS[r.method]} run on ${TARGET_LABELS[r.target]}, ${t.description}` };
    return t;
  }
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 || n === 0 ? String(Math.round(n * 100) / 100) : n.toPrecision(3);
}

function statusText(r: RunRecord, message: string | undefined): string {
  if (r.status === 'failed' && r.error === UNKNOWN_AFTER_RELOAD) return 'unknown (window reloaded)';
  const pct = r.metrics?.percent;
  const base = r.status === 'running' && pct !== undefined ? `running ${Math.floor(pct)}%` : r.status;
  return message && !TERMINAL_STATUSES.includes(r.status) ? `${base} (${message})` : base;
}

function statusIcon(s: RunStatus, error?: string): vscode.ThemeIcon {
  switch (s) {
    case 'succeeded':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'failed':
      return error === UNKNOWN_AFTER_RELOAD ? new vscode.ThemeIcon('question') : new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'cancelled':
      return new vscode.ThemeIcon('circle-slash');
    case 'starting':
      return new vscode.ThemeIcon('loading~spin');
    default:
      return new vscode.ThemeIcon('sync~spin');
  }
}

/** The first line of a failure and the last lines of output, short enough for a notification. */
export function failureSummary(error: string | undefined): string {
  if (!error) return 'no error message';
  const [head, ...rest] = error.split('\n');
  const tail = rest.filter((l) => l.trim() && !l.startsWith('--- last output'));
  return tail.length ? `${head} — last output: ${tail.slice(-4).join(' | ')}` : head;
}
