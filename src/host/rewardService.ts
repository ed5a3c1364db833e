// The reward model as the host sees it: which model folder is active, a lazily started scoring
// worker, a score cache, the flag threshold (model's calibrated one, store-calibrated, or the
// user's override) and the flag log. Nothing here loads onnxruntime: the worker does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PreferenceRecord, QueueItem } from '../core/records';
import { FLAGS_FILE, FlagLog, type FlagRecord } from '../core/reward/flags';
import { META_FILE, readRewardMeta, type RewardMeta } from '../core/reward/meta';
import type { ScoreInput, ScorerInfo } from '../core/reward/scorer';
import { calibrateOnPairs, pairInputs, type StoreCalibration } from '../core/reward/storeCalibration';
import { WorkerScorer } from '../core/reward/workerScorer';

export type QueueOrder = 'queue' | 'uncertain' | 'flagged';
/** rlhf.reward.modelPath value for the model shipped with the extension. */
export const BUILTIN = 'builtin';

export interface CandidateScore {
  score: number;
  flagged: boolean;
  reason?: string;
}

export interface ThresholdInfo {
  value: number;
  source: 'setting' | 'model' | 'store';
  /** Held-out (or store) pairwise accuracy behind a calibrated threshold. */
  accuracy?: number;
}

export interface RewardConfig {
  modelPath: string;
  flagThreshold: number | undefined;
  queueOrder: QueueOrder;
}

export function readRewardConfig(ws: typeof vscode.workspace): RewardConfig {
  const c = ws.getConfiguration('rlhf');
  const t = c.get<number | null>('reward.flagThreshold', null);
  const order = c.get<string>('queueOrder', 'queue');
  return {
    modelPath: (c.get<string>('reward.modelPath', '') ?? '').trim(),
    flagThreshold: typeof t === 'number' && Number.isFinite(t) ? t : undefined,
    queueOrder: order === 'uncertain' || order === 'flagged' ? order : 'queue',
  };
}

interface Ready {
  scorer: WorkerScorer;
  dir: string;
  /** Undefined when no threshold is known: scores are shown, nothing is flagged. */
  threshold: ThresholdInfo | undefined;
  thresholdProblem?: string;
}

type State = { kind: 'idle' } | { kind: 'loading'; dir: string; promise: Promise<Ready | undefined> } | { kind: 'ready'; ready: Ready } | { kind: 'error'; dir: string; message: string };

export interface RewardServiceDeps {
  extensionPath: string;
  storeDir: string;
  workspaceRoot: string | undefined;
  log: vscode.LogOutputChannel;
  /** Active (non-retracted) store records, for threshold calibration of models that ship none. */
  records: () => PreferenceRecord[];
}

export class RewardService implements vscode.Disposable {
  private state: State = { kind: 'idle' };
  private cache = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the model, its threshold or the cached scores change. */
  readonly onDidChange = this.changed.event;
  readonly flags: FlagLog;
  private reportedErrors = new Set<string>();
  private started = false;

  constructor(private readonly deps: RewardServiceDeps) {
    this.flags = new FlagLog(path.join(deps.storeDir, FLAGS_FILE));
  }

  get workerFile(): string {
    return path.join(this.deps.extensionPath, 'dist', 'rewardWorker.js');
  }

  get defaultModelDir(): string {
    return path.join(this.deps.extensionPath, 'media', 'reward', 'default');
  }

  get trainedDir(): string {
    return path.join(this.deps.storeDir, 'reward');
  }

  /** Whether a worker was ever started (activation must not start one). */
  get everStarted(): boolean {
    return this.started;
  }

  get status(): State['kind'] {
    return this.state.kind;
  }

  get error(): string | undefined {
    return this.state.kind === 'error' ? this.state.message : undefined;
  }

  get info(): ScorerInfo | undefined {
    return this.state.kind === 'ready' ? this.state.ready.scorer.info : undefined;
  }

  get threshold(): ThresholdInfo | undefined {
    return this.state.kind === 'ready' ? this.state.ready.threshold : undefined;
  }

  get thresholdProblem(): string | undefined {
    return this.state.kind === 'ready' ? this.state.ready.thresholdProblem : undefined;
  }

  /** Trained models in the store, newest first. */
  trainedModels(): { dir: string; meta: RewardMeta }[] {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.trainedDir);
    } catch {
      return [];
    }
    const out: { dir: string; meta: RewardMeta }[] = [];
    for (const n of names) {
      const dir = path.join(this.trainedDir, n);
      if (!fs.existsSync(path.join(dir, META_FILE))) continue;
      try {
        out.push({ dir, meta: readRewardMeta(dir) });
      } catch (e) {
        this.deps.log.warn(`Skipped trained reward model ${dir}: ${(e as Error).message}`);
      }
    }
    return out.sort((a, b) => (a.meta.trainedAt < b.meta.trainedAt ? 1 : a.meta.trainedAt > b.meta.trainedAt ? -1 : 0));
  }

  resolvePath(p: string): string {
    const home = process.env.HOME ?? '';
    const expanded = p.startsWith('~/') && home ? path.join(home, p.slice(2)) : p;
    return path.isAbsolute(expanded) ? expanded : path.resolve(this.deps.workspaceRoot ?? this.deps.storeDir, expanded);
  }

  /** A folder the workspace controls (inside a workspace folder). */
  inWorkspace(dir: string): boolean {
    const folders = vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath) ?? [];
    return folders.some((f) => {
      const rel = path.relative(f, dir);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    });
  }

  /** Throws a clear error when a workspace model would load in an untrusted workspace. */
  checkTrust(dir: string): void {
    if (!vscode.workspace.isTrusted && this.inWorkspace(dir)) {
      throw new Error(`${dir} is inside the workspace, which is not trusted: loading a model runs native code on files the workspace controls. Trust the workspace (Workspaces: Manage Workspace Trust) to use it; until then the built-in model is used.`);
    }
  }

  /**
   * A model switched to by a command (Load, Train). It wins over the settings until the
   * modelPath setting changes to something else, so the switch cannot race the settings write.
   */
  override: string | undefined;

  /** The folder that should be active: a command's switch, else what the settings say. */
  wantedDir(): string {
    return this.override ?? this.configuredDir();
  }

  /** The setting ("builtin" for the shipped model), else the newest trained model, else the built-in one. */
  configuredDir(): string {
    const cfg = readRewardConfig(vscode.workspace);
    if (cfg.modelPath.toLowerCase() === BUILTIN) return this.defaultModelDir;
    if (cfg.modelPath) return this.resolvePath(cfg.modelPath);
    const trained = this.trainedModels()[0];
    if (trained && (vscode.workspace.isTrusted || !this.inWorkspace(trained.dir))) return trained.dir;
    return this.defaultModelDir;
  }

  /** The loaded model, starting the worker on first use; undefined (flags off) when it cannot load. */
  async ensure(): Promise<Ready | undefined> {
    const dir = this.wantedDir();
    const s = this.state;
    if (s.kind === 'ready' && s.ready.dir === dir) return s.ready;
    if (s.kind === 'loading' && s.dir === dir) return s.promise;
    if (s.kind === 'error' && s.dir === dir) return undefined;
    const promise = this.open(dir).then(
      async (ready) => {
        if (this.state.kind === 'loading' && this.state.promise === promise) {
          this.state = { kind: 'ready', ready };
          this.changed.fire();
          return ready;
        }
        // Superseded while loading (another model was asked for).
        await ready.scorer.dispose();
        return this.ensure();
      },
      (e: Error) => {
        if (this.state.kind === 'loading' && this.state.promise === promise) {
          this.state = { kind: 'error', dir, message: e.message };
          this.reportError(dir, e.message);
          this.changed.fire();
        }
        return undefined;
      },
    );
    // The old model's worker goes now; its in-flight requests fail and callers drop them.
    if (s.kind === 'ready') void s.ready.scorer.dispose();
    this.state = { kind: 'loading', dir, promise };
    return promise;
  }

  /** Loads a folder in a fresh worker and works out its flag threshold; throws clear errors. */
  async open(dir: string): Promise<Ready> {
    this.checkTrust(dir);
    this.started = true;
    const t0 = Date.now();
    const scorer = await WorkerScorer.open(this.workerFile, dir);
    const ready: Ready = { scorer, dir, threshold: undefined };
    try {
      await this.setThreshold(ready);
    } catch (e) {
      await scorer.dispose();
      throw e;
    }
    const t = ready.threshold;
    this.deps.log.info(
      `Reward model ${scorer.info.version} (${scorer.info.kind}) loaded from ${dir} in ${Date.now() - t0} ms; ` +
        (t ? `flag threshold ${t.value.toFixed(3)} (${describeSource(t)})` : `no flag threshold: ${ready.thresholdProblem}`),
    );
    return ready;
  }

  private async setThreshold(ready: Ready): Promise<void> {
    const cfg = readRewardConfig(vscode.workspace);
    const info = ready.scorer.info;
    if (cfg.flagThreshold !== undefined) {
      ready.threshold = { value: cfg.flagThreshold, source: 'setting' };
      return;
    }
    if (info.threshold !== undefined) {
      ready.threshold = { value: info.threshold, source: 'model', accuracy: info.heldOutAccuracy };
      return;
    }
    // A model without its own threshold (Hugging Face export): calibrate on the store's judged pairs.
    const { chosen, rejected } = pairInputs(this.deps.records());
    try {
      if (chosen.length < 5) throw new Error(`only ${chosen.length} judged pair(s) in the store to calibrate a flag threshold on; need at least 5. Judge more comparisons or set rlhf.reward.flagThreshold`);
      const [c, r] = await Promise.all([ready.scorer.score(chosen), ready.scorer.score(rejected)]);
      const cal: StoreCalibration = calibrateOnPairs(c, r);
      ready.threshold = { value: cal.threshold, source: 'store', accuracy: cal.pairAccuracy };
      this.deps.log.info(`Calibrated the flag threshold of ${info.version} on ${cal.pairs} judged pairs in the store: threshold ${cal.threshold.toFixed(3)}, pairwise accuracy ${(cal.pairAccuracy * 100).toFixed(1)}%, balanced accuracy ${(cal.balancedAccuracy * 100).toFixed(1)}%`);
    } catch (e) {
      const msg = (e as Error).message;
      // Inference errors (wrong output shape...) mean the model is unusable: let them through.
      if (!/judged pair/.test(msg)) throw e;
      ready.thresholdProblem = `${info.version} carries no flag threshold and ${msg}`;
    }
  }

  /** Switches to an already opened model (Load command, training). */
  async adopt(ready: Ready): Promise<void> {
    const old = this.state;
    this.override = ready.dir;
    this.state = { kind: 'ready', ready };
    this.cache.clear();
    if (old.kind === 'ready' && old.ready.scorer !== ready.scorer) await old.ready.scorer.dispose();
    this.changed.fire();
  }

  /** Drops the loaded model so the next use loads what the settings say now. */
  async reload(): Promise<void> {
    await this.release();
    this.state = { kind: 'idle' };
    this.cache.clear();
    this.reportedErrors.clear();
    this.changed.fire();
  }

  /** Re-reads the threshold (setting changed) without reloading the model. */
  async rethreshold(): Promise<void> {
    if (this.state.kind !== 'ready') return;
    const ready = this.state.ready;
    ready.thresholdProblem = undefined;
    await this.setThreshold(ready);
    this.changed.fire();
  }

  private async release(): Promise<void> {
    if (this.state.kind === 'ready') await this.state.ready.scorer.dispose();
  }

  private reportError(dir: string, message: string): void {
    this.deps.log.error(`Reward model at ${dir} could not be loaded: ${message}`);
    if (this.reportedErrors.has(dir)) return;
    this.reportedErrors.add(dir);
    const isDefault = dir === this.defaultModelDir;
    const actions = isDefault ? ['Show Log'] : ['Use Built-in Model', 'Show Log'];
    void vscode.window
      .showErrorMessage(`RLHF Review: the reward model could not be loaded, so reward flags are off. ${message}`, ...actions)
      .then(async (c) => {
        if (c === 'Show Log') this.deps.log.show();
        if (c === 'Use Built-in Model') await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(this.defaultModelDir));
      });
  }

  private key(item: QueueItem, candidateId: string): string {
    return `${item.id}\u0000${candidateId}`;
  }

  cachedScores(item: QueueItem): number[] | undefined {
    const out: number[] = [];
    for (const c of item.candidates) {
      const s = this.cache.get(this.key(item, c.id));
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }

  /** Scores every candidate of the items (only those not cached) in the worker. */
  async scoreItems(items: QueueItem[]): Promise<boolean> {
    const ready = await this.ensure();
    if (!ready) return false;
    const todo: { key: string; input: ScoreInput }[] = [];
    for (const item of items) {
      for (const c of item.candidates) {
        const key = this.key(item, c.id);
        if (!this.cache.has(key)) todo.push({ key, input: { prompt: item.prompt, response: c.text, language: item.prompt.context?.language } });
      }
    }
    if (todo.length === 0) return true;
    let scores: number[];
    try {
      scores = await ready.scorer.score(todo.map((t) => t.input));
    } catch (e) {
      if (this.state.kind === 'ready' && this.state.ready === ready) {
        this.deps.log.error(`Reward scoring failed: ${(e as Error).message}`);
        this.state = { kind: 'error', dir: ready.dir, message: (e as Error).message };
        this.reportError(ready.dir, (e as Error).message);
        void ready.scorer.dispose();
        this.changed.fire();
      }
      return false;
    }
    // The model may have been switched while scoring: keep only scores of the model still active.
    if (this.state.kind !== 'ready' || this.state.ready !== ready) return false;
    todo.forEach((t, i) => this.cache.set(t.key, scores[i]));
    return true;
  }

  /** Scores and flags of one item's candidates; flagged ones are appended to flags.jsonl. */
  async scoreItem(item: QueueItem): Promise<Record<string, CandidateScore>> {
    if (!(await this.scoreItems([item]))) return {};
    return this.judge([item])[0] ?? {};
  }

  /** Score + flag per candidate for items already scored (cache); records new flags. */
  judge(items: QueueItem[]): Record<string, CandidateScore>[] {
    const info = this.info;
    const t = this.threshold;
    const fresh: FlagRecord[] = [];
    const at = new Date().toISOString();
    const out = items.map((item) => {
      const res: Record<string, CandidateScore> = {};
      for (const c of item.candidates) {
        const score = this.cache.get(this.key(item, c.id));
        if (score === undefined) continue;
        const flagged = t !== undefined && score < t.value;
        res[c.id] = { score, flagged, reason: flagged && info ? flagReason(score, t!, info.version) : undefined };
        if (flagged && info) fresh.push({ itemId: item.id, candidateId: c.id, score, threshold: t!.value, modelVersion: info.version, at });
      }
      return res;
    });
    if (fresh.length) {
      try {
        this.flags.record(fresh);
      } catch (e) {
        this.deps.log.error(`Could not append to ${this.flags.file}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  async scoreTexts(inputs: ScoreInput[]): Promise<{ scores: number[]; ready: Ready } | undefined> {
    const ready = await this.ensure();
    if (!ready) return undefined;
    return { scores: await ready.scorer.score(inputs), ready };
  }

  dispose(): void {
    void this.release();
    this.state = { kind: 'idle' };
    this.changed.dispose();
  }
}

export function describeSource(t: ThresholdInfo): string {
  const acc = t.accuracy !== undefined ? `, pairwise accuracy ${(t.accuracy * 100).toFixed(1)}%` : '';
  if (t.source === 'setting') return 'set in rlhf.reward.flagThreshold';
  if (t.source === 'model') return `calibrated on held-out preferences${acc}`;
  return `calibrated on the store's judged pairs${acc}`;
}

export function flagReason(score: number, t: ThresholdInfo, version: string): string {
  return `score ${score.toFixed(2)} < threshold ${t.value.toFixed(2)} (${version})`;
}
