// Reward model in VS Code: Train / Load / Score Selection commands, the Flagged view, score
// badges for the review panel, diagnostics and queue ordering. Scoring and training run in
// worker threads; nothing starts until a score is first needed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { activeRecords } from '../core/pairs';
import { candidateLabel, type QueueItem } from '../core/records';
import { displayOrder } from '../core/review/session';
import { detectModelKind } from '../core/reward/meta';
import type { FromTrainWorker, TrainRequest, TrainSummary } from '../core/reward/trainWorker';
import { flaggedFirst, orderByUncertainty } from '../core/reward/uncertainty';
import { readConfig } from './config';
import type { HostContext } from './hostContext';
import { ReviewPanel } from './reviewPanel';
import { BUILTIN, describeSource, readRewardConfig, RewardService, type CandidateScore } from './rewardService';

export const FLAGGED_VIEW = 'rlhf.flagged';
const DIAG_SOURCE = 'RLHF reward';

export interface FlagEntry {
  item: QueueItem;
  candidateId: string;
  label: string;
  score: number;
  reason: string;
}

export interface TrainOutcome {
  ok: boolean;
  message: string;
  result?: TrainSummary;
}

export interface LoadOutcome {
  ok: boolean;
  message: string;
  version?: string;
  dir?: string;
}

export interface ScoreSelectionOutcome {
  score: number;
  flagged: boolean;
  threshold?: number;
  modelVersion: string;
  message: string;
}

/** The Flagged view: flagged candidates of the queue, lowest score first. */
class FlaggedTreeProvider implements vscode.TreeDataProvider<FlagEntry> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  view: vscode.TreeView<FlagEntry> | undefined;
  private entries: FlagEntry[] | undefined;
  private scoring: Promise<FlagEntry[]> | undefined;

  constructor(
    private readonly host: HostContext,
    private readonly reward: RewardService,
  ) {}

  /** Recomputes on next show (model, threshold or queue changed). */
  invalidate(): void {
    this.entries = undefined;
    this.changed.fire();
  }

  /** Scores the whole queue (worker) and lists what falls under the threshold. */
  compute(): Promise<FlagEntry[]> {
    if (this.scoring) return this.scoring;
    this.scoring = (async () => {
      try {
        this.setMessage('Scoring the queue with the reward model…');
        const items = this.host.session.allItems();
        const ok = await this.reward.scoreItems(items);
        if (!ok) {
          this.entries = [];
          this.describe();
          return [];
        }
        const shuffle = readConfig(vscode.workspace).shuffleCandidates;
        const judged = this.reward.judge(items);
        const out: FlagEntry[] = [];
        items.forEach((item, i) => {
          const order = displayOrder(item, shuffle);
          for (const [cid, s] of Object.entries(judged[i])) {
            if (!s.flagged) continue;
            out.push({ item, candidateId: cid, label: candidateLabel(order.indexOf(cid)), score: s.score, reason: s.reason ?? '' });
          }
        });
        out.sort((a, b) => a.score - b.score);
        this.entries = out;
        this.describe();
        return out;
      } finally {
        this.scoring = undefined;
      }
    })();
    return this.scoring;
  }

  private setMessage(m: string | undefined): void {
    // '' rather than undefined: an undefined message is not always cleared in the view.
    if (this.view) this.view.message = m ?? '';
  }

  describe(): void {
    if (!this.view) return;
    const info = this.reward.info;
    const t = this.reward.threshold;
    const err = this.reward.error;
    if (err) {
      this.view.description = 'flags off';
      this.setMessage(`Reward model not loaded, flags are off: ${err}`);
      return;
    }
    if (!info) {
      this.view.description = undefined;
      return;
    }
    this.view.description = t ? `below ${t.value.toFixed(2)} · ${info.version}` : info.version;
    if (!t) this.setMessage(`No flag threshold: ${this.reward.thresholdProblem ?? 'unknown'}`);
    else if (this.entries && this.entries.length === 0) this.setMessage(`Nothing flagged. Threshold ${t.value.toFixed(2)} (${describeSource(t)}), model ${info.version}.`);
    else this.setMessage(undefined);
  }

  getTreeItem(e: FlagEntry): vscode.TreeItem {
    // Candidate and score first: the prompt is long and the sidebar narrow.
    const t = new vscode.TreeItem(`${e.label} · ${e.score.toFixed(2)}`, vscode.TreeItemCollapsibleState.None);
    t.id = `${e.item.id}\u0000${e.candidateId}`;
    t.description = firstLine(e.item.prompt.instruction);
    t.tooltip = new vscode.MarkdownString().appendText(`Candidate ${e.label} flagged: ${e.reason}\n\n${e.item.prompt.instruction}`);
    t.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    t.accessibilityInformation = { label: `${firstLine(e.item.prompt.instruction)}, candidate ${e.label} flagged, ${e.reason}` };
    t.command = { command: 'rlhf.openReviewPanel', title: 'Review', arguments: [e.item.id] };
    t.contextValue = 'rlhf.flag';
    return t;
  }

  async getChildren(element?: FlagEntry): Promise<FlagEntry[]> {
    if (element) return [];
    // Expanding the view is one of the moments the worker may start.
    return this.entries ?? (await this.compute());
  }
}

function firstLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 80 ? line.slice(0, 79) + '…' : line;
}

function versionStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `bt-${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function registerReward(host: HostContext): RewardService {
  const { context, log, session } = host;
  const wsRoot = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const reward = new RewardService({
    extensionPath: context.extensionPath,
    storeDir: host.storeDir,
    workspaceRoot: wsRoot,
    log,
    records: () => {
      const snap = host.store.load();
      return activeRecords(snap.records, snap.retractions);
    },
  });
  const flagged = new FlaggedTreeProvider(host, reward);
  const view = vscode.window.createTreeView(FLAGGED_VIEW, { treeDataProvider: flagged, showCollapseAll: false });
  flagged.view = view;
  const diagnostics = vscode.languages.createDiagnosticCollection('rlhf-reward');

  // ---- queue order ----
  let orderPending = false;
  const applyOrder = async (): Promise<void> => {
    const mode = readRewardConfig(vscode.workspace).queueOrder;
    if (mode === 'queue') {
      session.setOrder(undefined);
      host.refresh();
      return;
    }
    if (orderPending) return;
    orderPending = true;
    try {
      const before = session.pending().map((i) => i.id).join('\n');
      const ok = await reward.scoreItems(session.allItems());
      const fn = (items: QueueItem[]): QueueItem[] => {
        const scores = items.map((i) => reward.cachedScores(i) ?? []);
        const t = reward.threshold;
        if (mode === 'uncertain') return orderByUncertainty(items, scores);
        return t ? flaggedFirst(items, scores, t.value) : items;
      };
      session.setOrder(ok ? fn : undefined);
      if (session.pending().map((i) => i.id).join('\n') !== before) host.refresh();
    } finally {
      orderPending = false;
    }
  };
  const orderWanted = () => readRewardConfig(vscode.workspace).queueOrder !== 'queue';

  /** Scores for the review panel's badges; also the moment ordering may first be computed. */
  const scoresForPanel = async (item: QueueItem): Promise<Record<string, CandidateScore>> => {
    const res = await reward.scoreItem(item);
    if (orderWanted() && !orderPending && reward.status === 'ready' && !session.allItems().every((i) => reward.cachedScores(i))) void applyOrder();
    return res;
  };
  // Score and flag badges in the review panel (its hook); re-installed when the model or the
  // threshold changes so the panel drops its cached badges.
  ReviewPanel.setScoreProvider(scoresForPanel);
  context.subscriptions.push({ dispose: () => ReviewPanel.setScoreProvider(undefined) });

  // ---- Train ----
  const train = async (): Promise<TrainOutcome> => {
    const version = versionStamp();
    const outDir = path.join(reward.trainedDir, version);
    const workerFile = path.join(context.extensionPath, 'dist', 'rewardTrainWorker.js');
    log.info(`Training reward model ${version} on the active records of ${host.storeDir}`);
    let result: TrainSummary;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'RLHF: Training reward model', cancellable: true },
        (progress, token) =>
          new Promise<TrainSummary>((resolve, reject) => {
            if (!fs.existsSync(workerFile)) return reject(new Error(`training worker not found at ${workerFile}; rebuild the extension (npm run build)`));
            progress.report({ message: 'reading the judged records…' });
            const worker = new Worker(workerFile);
            let last = 0;
            let settled = false;
            const finish = (f: () => void) => {
              if (settled) return;
              settled = true;
              f();
              void worker.terminate();
            };
            token.onCancellationRequested(() => finish(() => reject(new vscode.CancellationError())));
            worker.on('message', (m: FromTrainWorker) => {
              if (m.type === 'progress') {
                const pct = Math.round((m.step / m.steps) * 100);
                progress.report({ increment: pct - last, message: `step ${m.step}/${m.steps}, loss ${m.loss.toFixed(4)}` });
                last = pct;
              } else if (m.type === 'done') finish(() => resolve(m.result));
              else finish(() => reject(new Error(m.message)));
            });
            worker.on('error', (e) => finish(() => reject(new Error(`training worker crashed: ${e.message}`))));
            worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited (code ${code})`))));
            worker.postMessage({ storeDir: host.storeDir, outDir, version, splitBy: 'prompt' } satisfies TrainRequest);
          }),
      );
    } catch (e) {
      if (e instanceof vscode.CancellationError) {
        log.info('Reward model training cancelled.');
        return { ok: false, message: 'cancelled' };
      }
      const message = (e as Error).message;
      log.error(`Reward model training failed: ${message}`);
      void vscode.window.showErrorMessage(`RLHF: Could not train the reward model: ${message}`, 'Show Log').then((c) => c && log.show());
      return { ok: false, message };
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const summary =
      `Reward model ${version} trained on ${result.trainPairs} pairs from ${result.records} judged records: held-out pairwise accuracy ${pct(result.heldOutAccuracy)} ` +
      `vs ${pct(result.lengthBaselineAccuracy)} for the length-only baseline (${result.heldOutPairs} held-out pairs). ` +
      `Flag threshold ${result.calibration.threshold.toFixed(3)} (balanced accuracy ${pct(result.calibration.balancedAccuracy)} on held-out chosen vs rejected).`;
    log.info(`${summary} Trained in ${result.trainMs} ms; written to ${outDir}.`);
    // Switch to it: through the setting when the user pinned a model, else newest-trained wins.
    let switched = '';
    try {
      const ready = await reward.open(outDir);
      await reward.adopt(ready);
      if (readRewardConfig(vscode.workspace).modelPath) await setModelPath(outDir);
      switched = ' Now scoring with it.';
    } catch (e) {
      switched = ` It was not loaded: ${(e as Error).message}`;
      log.warn(`Trained model not loaded: ${(e as Error).message}`);
    }
    void vscode.window.showInformationMessage(`RLHF: ${summary}${switched}`, 'Show Log').then((c) => c && log.show());
    return { ok: true, message: summary + switched, result };
  };

  const setModelPath = async (dir: string | undefined) => {
    const cfg = vscode.workspace.getConfiguration('rlhf');
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await cfg.update('reward.modelPath', dir, target);
  };

  // ---- Load ----
  const load = async (arg?: unknown): Promise<LoadOutcome> => {
    let dir: string | undefined;
    if (arg instanceof vscode.Uri) dir = arg.fsPath;
    else if (typeof arg === 'string') dir = reward.resolvePath(arg);
    else dir = await pickModel(reward);
    if (!dir) return { ok: false, message: 'cancelled' };
    try {
      // A model file picked instead of its folder.
      if (fs.existsSync(dir) && fs.statSync(dir).isFile()) dir = path.dirname(dir);
      reward.checkTrust(dir);
      const kind = detectModelKind(dir);
      const ready = await reward.open(dir);
      await reward.adopt(ready);
      await setModelPath(dir === reward.defaultModelDir ? BUILTIN : dir);
      const t = reward.threshold;
      const msg =
        `Reward model ${ready.scorer.info.version} (${kind === 'hf' ? `Hugging Face export, ${ready.scorer.info.inputFormat ?? 'text pair'}` : 'built-in'}) loaded. ` +
        (t ? `Flag threshold ${t.value.toFixed(3)} (${describeSource(t)}).` : `Flags are off: ${reward.thresholdProblem}.`);
      log.info(msg);
      void vscode.window.showInformationMessage(`RLHF: ${msg}`);
      return { ok: true, message: msg, version: ready.scorer.info.version, dir };
    } catch (e) {
      const message = (e as Error).message;
      const kept = reward.info ? ` Still using ${reward.info.version}.` : '';
      log.error(`Loading reward model ${dir} failed: ${message}`);
      void vscode.window.showErrorMessage(`RLHF: Could not load the reward model: ${message}.${kept}`, 'Show Log').then((c) => c && log.show());
      return { ok: false, message };
    }
  };

  // ---- Score Selection ----
  const scoreSelection = async (arg?: { instruction?: string }): Promise<ScoreSelectionOutcome | undefined> => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('RLHF: Score Selection needs an editor with code selected.');
      return undefined;
    }
    const doc = editor.document;
    const range = editor.selection.isEmpty ? new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)) : new vscode.Range(editor.selection.start, editor.selection.end);
    const text = doc.getText(range);
    if (!text.trim()) {
      void vscode.window.showWarningMessage('RLHF: the selection is empty; select the code to score.');
      return undefined;
    }
    const file = vscode.workspace.asRelativePath(doc.uri);
    const instruction = arg?.instruction ?? `Code in ${file}`;
    let res: Awaited<ReturnType<RewardService['scoreTexts']>>;
    try {
      res = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'RLHF: scoring selection' }, () =>
        reward.scoreTexts([{ prompt: { instruction, context: { language: doc.languageId, filePath: file, selection: { text } } }, response: text, language: doc.languageId }]),
      );
    } catch (e) {
      void vscode.window.showErrorMessage(`RLHF: scoring failed: ${(e as Error).message}`);
      return undefined;
    }
    if (!res) return undefined; // the load error was already shown
    const score = res.scores[0];
    const t = res.ready.threshold;
    const version = res.ready.scorer.info.version;
    const flagged = t !== undefined && score < t.value;
    const message = t
      ? flagged
        ? `Reward score ${score.toFixed(2)} is below the flag threshold ${t.value.toFixed(2)} (model ${version}): likely a weak answer.`
        : `Reward score ${score.toFixed(2)}, at or above the flag threshold ${t.value.toFixed(2)} (model ${version}): not flagged.`
      : `Reward score ${score.toFixed(2)} (model ${version}); no flag threshold: ${res.ready.thresholdProblem}`;
    const d = new vscode.Diagnostic(range, message, flagged ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
    d.source = DIAG_SOURCE;
    d.code = flagged ? 'reward-flag' : 'reward-score';
    diagnostics.set(doc.uri, [d]);
    log.info(`Score Selection ${file}:${range.start.line + 1}-${range.end.line + 1}: ${message}`);
    return { score, flagged, threshold: t?.value, modelVersion: version, message };
  };

  const refreshFlagged = async (): Promise<FlagEntry[]> => {
    flagged.invalidate();
    return flagged.compute();
  };

  context.subscriptions.push(
    reward,
    view,
    diagnostics,
    vscode.commands.registerCommand('rlhf.trainRewardModel', train),
    vscode.commands.registerCommand('rlhf.loadRewardModel', load),
    vscode.commands.registerCommand('rlhf.scoreSelection', scoreSelection),
    vscode.commands.registerCommand('rlhf.refreshFlagged', async () => (await refreshFlagged()).map((e) => ({ itemId: e.item.id, candidateId: e.candidateId, score: e.score, reason: e.reason }))),
    // Flags of a selection no longer describe edited text.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length && diagnostics.has(e.document.uri)) diagnostics.delete(e.document.uri);
    }),
    reward.onDidChange(() => {
      flagged.invalidate();
      ReviewPanel.setScoreProvider(scoresForPanel);
      if (orderWanted()) void applyOrder();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('rlhf.reward.modelPath')) {
        // A command's own settings write confirms its switch; any other change takes over.
        if (reward.override === undefined || reward.configuredDir() !== reward.override) {
          reward.override = undefined;
          if (reward.everStarted) await reward.reload();
        }
      } else if (e.affectsConfiguration('rlhf.reward.flagThreshold')) {
        await reward.rethreshold().catch((err: Error) => log.error(`Re-reading the flag threshold failed: ${err.message}`));
      }
      if (e.affectsConfiguration('rlhf.queueOrder')) void applyOrder();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (reward.everStarted) void reward.reload();
    }),
  );
  return reward;
}

async function pickModel(reward: RewardService): Promise<string | undefined> {
  type Pick = vscode.QuickPickItem & { dir?: string; browse?: boolean };
  const current = reward.info?.dir;
  const items: Pick[] = [
    { label: '$(package) Built-in model', description: 'ships with the extension', detail: reward.defaultModelDir, dir: reward.defaultModelDir },
    ...reward.trainedModels().map((m) => ({
      label: `$(history) ${m.meta.modelVersion}`,
      description: `trained ${m.meta.trainedAt.slice(0, 16).replace('T', ' ')} · held-out ${(m.meta.heldOutAccuracy * 100).toFixed(1)}% (length-only ${(m.meta.lengthBaselineAccuracy * 100).toFixed(1)}%)`,
      detail: m.dir,
      dir: m.dir,
    })),
    { label: '$(folder-opened) Choose a folder…', description: 'model.onnx with reward.json (built-in) or tokenizer.json (Hugging Face export)', browse: true },
  ];
  for (const i of items) if (i.dir && i.dir === current) i.description = `${i.description ?? ''} · in use`;
  const choice = await vscode.window.showQuickPick(items, { title: 'RLHF: Load Reward Model', placeHolder: 'Reward model to score and flag responses with' });
  if (!choice) return undefined;
  if (!choice.browse) return choice.dir;
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Load Reward Model', title: 'Folder with model.onnx (and reward.json or tokenizer.json)' });
  return picked?.[0]?.fsPath;
}

