// "RLHF: Start Fine-Tuning Run…" and the run commands: method → target → base model, then a
// fresh export of the store into the run folder, the environment check, and the launch.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FORMAT_LABELS, formatExportReport, writeExport, type ExportFormat } from '../core/formats';
import {
  LaunchError,
  LocalLauncher,
  OPENAI_FINE_TUNING_NOTICE,
  OpenAILauncher,
  RunStore,
  SshLauncher,
  TRAIN_METHODS,
  TogetherLauncher,
  checkPythonEnv,
  envRefusal,
  parseSshConfigHosts,
  type RunRecord,
  type RunSpec,
  type RunTarget,
  type TrainMethod,
  type TrainingLauncher,
} from '../core/training';
import { buildExport, readExportSettings, registerExport } from './export';
import type { HostContext } from './hostContext';
import { getApiKey, promptForApiKey } from './secrets';
import { METHOD_LABELS, RunManager, TARGET_LABELS, type RunNode } from './trainingRuns';

export interface TrainingSettings {
  pythonPath: string;
  scriptPath: string;
  numProcesses: number;
  baseModel: string;
  useLora: boolean;
  loraR: number;
  loraAlpha: number;
  epochs?: number;
  learningRate?: number;
  beta?: number;
  batchSize?: number;
  maxSteps?: number;
  exportOnnx: boolean;
  env: Record<string, string>;
  sshHost: string;
  /** OpenSSH client config for SSH runs (ssh -F); empty: ssh's own (~/.ssh/config). */
  sshConfigFile: string;
  sshRemoteDir: string;
  sshPython: string;
  pollMs: number;
  togetherBaseUrl?: string;
  togetherModel: string;
  openaiBaseUrl?: string;
  openaiModel: string;
}

/** Which targets run which methods (Together: DPO/SFT; OpenAI: DPO; own GPUs: all four). */
export const TARGET_METHODS: Record<RunTarget, readonly TrainMethod[]> = {
  together: ['dpo', 'sft'],
  local: TRAIN_METHODS,
  ssh: TRAIN_METHODS,
  openai: ['dpo'],
};

/** The export each (method, target) trains on. */
export function formatFor(method: TrainMethod, target: RunTarget): ExportFormat {
  if (target === 'together' || target === 'openai') return method === 'sft' ? 'trl-sft' : 'openai-dpo';
  return method === 'kto' ? 'trl-kto' : method === 'sft' ? 'trl-sft' : 'trl-preference';
}

const wsRoot = () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

/** A relative path with a folder in it (`.venv/bin/python`) is relative to the workspace. */
function resolveTool(p: string): string {
  const root = wsRoot();
  if (!p || path.isAbsolute(p) || !/[\\/]/.test(p) || !root) return p;
  return path.join(root, p);
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : resolveTool(p);
}

function optNum(c: vscode.WorkspaceConfiguration, key: string, positive = true): number | undefined {
  const v = c.get<number | null>(key);
  return typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0) ? v : undefined;
}

export function readTrainingSettings(extensionPath: string): TrainingSettings {
  const c = vscode.workspace.getConfiguration('rlhf');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.get<Record<string, unknown>>('training.env', {}) ?? {})) if (typeof v === 'string' || typeof v === 'number') env[k] = String(v);
  const script = c.get<string>('training.scriptPath', '');
  return {
    pythonPath: resolveTool(c.get<string>('training.pythonPath', 'python3') || 'python3'),
    scriptPath: script ? resolveTool(script.includes('/') || script.includes('\\') ? script : `./${script}`) : path.join(extensionPath, 'python', 'rlhf_train.py'),
    numProcesses: Math.max(1, Math.floor(c.get<number>('training.numProcesses', 1) || 1)),
    baseModel: c.get<string>('training.baseModel', '') || 'Qwen/Qwen2.5-0.5B-Instruct',
    useLora: c.get<boolean>('training.useLora', true),
    loraR: c.get<number>('training.loraR', 16),
    loraAlpha: c.get<number>('training.loraAlpha', 32),
    epochs: optNum(c, 'training.epochs'),
    learningRate: optNum(c, 'training.learningRate'),
    beta: optNum(c, 'training.beta'),
    batchSize: optNum(c, 'training.batchSize'),
    maxSteps: optNum(c, 'training.maxSteps'),
    exportOnnx: c.get<boolean>('training.exportOnnx', true),
    env,
    sshHost: c.get<string>('training.sshHost', '').trim(),
    sshConfigFile: expandHome(c.get<string>('training.sshConfigFile', '').trim()),
    sshRemoteDir: c.get<string>('training.sshRemoteDir', '.rlhf-runs') || '.rlhf-runs',
    sshPython: c.get<string>('training.sshPythonPath', 'python3') || 'python3',
    pollMs: Math.max(50, 1000 * (c.get<number>('training.pollIntervalSeconds', 15) || 15)),
    togetherBaseUrl: c.get<string>('together.baseUrl') || undefined,
    togetherModel: c.get<string>('together.baseModel', '') || 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
    openaiBaseUrl: c.get<string>('openai.baseUrl') || undefined,
    openaiModel: c.get<string>('openai.baseModel', '') || 'gpt-4.1-mini-2025-04-14',
  };
}

function newRunId(method: TrainMethod): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${method}-${t}-${crypto.randomBytes(2).toString('hex')}`;
}

/** Arguments for scripts and tests: each one given skips its prompt. */
interface StartArgs {
  method?: TrainMethod;
  target?: RunTarget;
  model?: string;
  sshHost?: string;
}

class Cancelled extends Error {}

async function pickMethod(): Promise<TrainMethod | undefined> {
  const detail: Record<TrainMethod, string> = {
    dpo: 'Direct Preference Optimization on chosen/rejected pairs',
    reward: 'A reward model (sequence classifier) on chosen/rejected pairs; can export ONNX for local scoring',
    sft: 'Supervised fine-tuning on the rewrites you made',
    kto: 'KTO on unpaired desirable/undesirable answers (keeps "both bad" judgments)',
  };
  const pick = await vscode.window.showQuickPick(
    TRAIN_METHODS.map((m) => ({ label: METHOD_LABELS[m], description: m, detail: detail[m], method: m })),
    { title: 'RLHF: Start Fine-Tuning Run (1/3) — method', placeHolder: 'What to train', matchOnDescription: true },
  );
  return pick?.method;
}

async function pickTarget(method: TrainMethod): Promise<RunTarget | undefined> {
  type Item = vscode.QuickPickItem & { target: RunTarget };
  const all: Item[] = [
    { label: '$(cloud) Together AI', description: 'managed · default', detail: 'Upload the export and run a fine-tuning job on Together', target: 'together' },
    { label: '$(vm) Local GPU', description: 'this machine', detail: 'python/rlhf_train.py with TRL + accelerate in the Python environment from rlhf.training.pythonPath', target: 'local' },
    { label: '$(remote) Remote GPU host over SSH', description: 'your SSH config', detail: 'Copies the script and data to the host, streams progress back', target: 'ssh' },
    { label: '$(cloud) OpenAI', description: 'managed · DPO', detail: OPENAI_FINE_TUNING_NOTICE, target: 'openai' },
  ];
  const items = all.filter((i) => TARGET_METHODS[i.target].includes(method));
  const pick = await vscode.window.showQuickPick(items, {
    title: `RLHF: Start Fine-Tuning Run (2/3) — where to train ${METHOD_LABELS[method]}`,
    placeHolder: items.length < all.length ? `Managed APIs that cannot train ${METHOD_LABELS[method]} are not listed` : 'Where to train',
    matchOnDescription: true,
  });
  return pick?.target;
}

async function pickSshHost(configured: string, configFile: string): Promise<string | undefined> {
  if (configured) return configured;
  let hosts: ReturnType<typeof parseSshConfigHosts> = [];
  try {
    hosts = parseSshConfigHosts(fs.readFileSync(configFile || path.join(os.homedir(), '.ssh', 'config'), 'utf8'));
  } catch {
    /* no SSH config: type a host */
  }
  if (!hosts.length) {
    return (await vscode.window.showInputBox({ title: 'RLHF: SSH host', prompt: 'Host alias from ~/.ssh/config, or user@host (set rlhf.training.sshHost to skip this)', validateInput: (v) => (/^[^-\s][^\s]*$/.test(v.trim()) ? undefined : 'A host name without spaces') }))?.trim() || undefined;
  }
  const pick = await vscode.window.showQuickPick(
    hosts.map((h) => ({ label: h.alias, description: [h.user && `${h.user}@`, h.hostName, h.port && `:${h.port}`].filter(Boolean).join(''), alias: h.alias })),
    { title: `RLHF: SSH GPU host (from ${configFile || '~/.ssh/config'})`, placeHolder: 'Host keys must already be in known_hosts' },
  );
  return pick?.alias;
}

function requireTrust(target: RunTarget): void {
  if ((target === 'local' || target === 'ssh') && !vscode.workspace.isTrusted) {
    throw new LaunchError(
      `${TARGET_LABELS[target]} runs need a trusted workspace: they run programs named in this workspace's settings`,
      'trust the workspace, or train on Together AI',
    );
  }
}

/** Export and fine-tuning runs: "Export Preferences…", "Start Fine-Tuning Run…", the Runs view. */
export function registerTraining(host: HostContext): void {
  registerExport(host);
  const { context } = host;
  const store = new RunStore(path.join(host.storeDir, 'runs'));
  const extPath = context.extensionPath;

  const apiKey = async (provider: 'together' | 'openai', interactive: boolean): Promise<string> => {
    let key = await getApiKey(context, provider);
    if (!key && interactive && (await promptForApiKey(context, provider))) key = await getApiKey(context, provider);
    if (!key) throw new LaunchError(`no ${TARGET_LABELS[provider]} API key stored`, 'run "RLHF: Set API Key…"');
    return key;
  };

  const sshLauncher = (s: TrainingSettings, hostName: string) =>
    new SshLauncher({
      host: hostName,
      configFile: s.sshConfigFile || undefined,
      script: s.scriptPath,
      python: s.sshPython,
      remoteDir: s.sshRemoteDir,
      numProcesses: s.numProcesses,
      remoteEnv: s.env,
    });

  const manager = new RunManager(store, async (r: RunRecord) => {
    const s = readTrainingSettings(extPath);
    if (r.target === 'ssh') {
      if (!vscode.workspace.isTrusted) return 'the workspace is not trusted';
      if (!r.host || !r.pid) return 'no host or remote process recorded';
      return { launcher: sshLauncher(s, r.host), secrets: [] };
    }
    if (r.target === 'together' || r.target === 'openai') {
      // No job id recorded: the launcher adopts the job made with the recorded training file,
      // or fails the run saying none was created.
      const key = await getApiKey(context, r.target);
      if (!key) return `no ${TARGET_LABELS[r.target]} API key stored`;
      const launcher =
        r.target === 'together' ? new TogetherLauncher({ apiKey: key, baseUrl: s.togetherBaseUrl, pollMs: s.pollMs }) : new OpenAILauncher({ apiKey: key, baseUrl: s.openaiBaseUrl, pollMs: s.pollMs });
      return { launcher, secrets: [key] };
    }
    if (r.target === 'local') {
      if (!r.pid || !r.trainerLog) return 'no trainer process or log recorded';
      // Following reads the log and signals the recorded process group; nothing is executed.
      return { launcher: new LocalLauncher({ python: s.pythonPath, script: s.scriptPath }), secrets: [] };
    }
    return `unknown target ${String(r.target)}`;
  });

  const view = vscode.window.createTreeView('rlhf.runs', { treeDataProvider: manager, showCollapseAll: true });

  const showLaunchError = (e: unknown) => {
    const err = e as Error & { fix?: string };
    const fix = err instanceof LaunchError ? err.fix : undefined;
    const isCommand = !!fix && /(pip|conda|uv) .*install|^ssh /.test(fix);
    host.log.error(`Training run not started: ${err.message}${fix ? ` (fix: ${fix})` : ''}`);
    const msg = `RLHF: ${err.message}${fix && !isCommand ? `. Fix: ${fix}` : fix ? `. Install with: ${fix}` : ''}`;
    const actions = [...(isCommand ? ['Copy Install Command'] : []), ...(/trusted workspace/.test(err.message) ? ['Manage Workspace Trust'] : []), ...(/API key/.test(err.message) ? ['Set API Key'] : [])];
    void vscode.window.showErrorMessage(msg, ...actions).then(async (c) => {
      if (c === 'Copy Install Command') await vscode.env.clipboard.writeText(fix!);
      else if (c === 'Manage Workspace Trust') await vscode.commands.executeCommand('workbench.trust.manage');
      else if (c === 'Set API Key') await vscode.commands.executeCommand('rlhf.setApiKey');
    });
  };

  async function startRun(a: StartArgs, interactive: boolean): Promise<string | undefined> {
    const method = a.method ?? (await pickMethod());
    if (!method) return undefined;
    if (!TRAIN_METHODS.includes(method)) throw new LaunchError(`unknown method "${method}" (expected ${TRAIN_METHODS.join(', ')})`);
    const target = a.target ?? (await pickTarget(method));
    if (!target) return undefined;
    if (!TARGET_METHODS[target]?.includes(method)) throw new LaunchError(`${TARGET_LABELS[target] ?? target} cannot train ${METHOD_LABELS[method]}`);
    requireTrust(target);
    const s = readTrainingSettings(extPath);
    const sshHost = target === 'ssh' ? (a.sshHost ?? (interactive ? await pickSshHost(s.sshHost, s.sshConfigFile) : s.sshHost)) : undefined;
    if (target === 'ssh' && !sshHost) {
      if (interactive) return undefined;
      throw new LaunchError('no SSH host given', 'set rlhf.training.sshHost');
    }
    const defModel = target === 'together' ? s.togetherModel : target === 'openai' ? s.openaiModel : s.baseModel;
    const model =
      a.model ??
      (interactive
        ? (
            await vscode.window.showInputBox({
              title: `RLHF: Start Fine-Tuning Run (3/3) — base model for ${METHOD_LABELS[method]} on ${TARGET_LABELS[target]}`,
              prompt: target === 'local' || target === 'ssh' ? 'Hugging Face Hub id or local path' : `${TARGET_LABELS[target]} model name`,
              value: defModel,
              validateInput: (v) => (v.trim() ? undefined : 'A base model is needed'),
            })
          )?.trim()
        : defModel);
    if (!model) return undefined;

    const key = target === 'together' || target === 'openai' ? await apiKey(target, interactive) : undefined;

    // A fresh export of the store, in the format this target reads, inside the run folder.
    const id = newRunId(method);
    const format = formatFor(method, target);
    const ex = readExportSettings();
    const result = buildExport(host, format, ex);
    const report = formatExportReport(result.report, 1000);
    if (result.report.errors.length) throw new LaunchError(`cannot train ${METHOD_LABELS[method]}: ${result.report.errors.join('; ')}`, 'judge more items in the review panel (ties give no pair)');
    const dataDir = path.join(manager.runDir(id), 'data');
    writeExport(dataDir, result);
    manager.channel.info(`[${id}] export ${FORMAT_LABELS[format]}${ex.noCode ? ' (no code)' : ''} → ${dataDir}\n${report}`);

    const spec: RunSpec = {
      id,
      method,
      datasetDir: dataDir,
      datasetHash: result.hash,
      model,
      outputDir: target === 'local' ? path.join(manager.runDir(id), 'model') : undefined,
      epochs: s.epochs,
      learningRate: s.learningRate,
      beta: s.beta,
      batchSize: s.batchSize,
      maxSteps: s.maxSteps,
      useLora: target === 'local' || target === 'ssh' ? s.useLora : undefined,
      loraR: s.loraR,
      loraAlpha: s.loraAlpha,
      suffix: target === 'together' || target === 'openai' ? 'rlhf-review' : undefined,
    };

    let launcher: TrainingLauncher;
    if (target === 'local') {
      const env = { ...process.env, ...s.env };
      const exportOnnx = method === 'reward' && s.exportOnnx;
      // One check, asked about everything this run needs (peft for LoRA, the ONNX exporter for a
      // reward run that exports); its report goes to the launcher, which does not check again.
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `RLHF: checking ${s.pythonPath} (trl, accelerate, torch, GPUs${exportOnnx ? ', ONNX export' : ''})…` },
        () => checkPythonEnv(s.pythonPath, s.scriptPath, env, s.useLora, exportOnnx),
      );
      const refusal = envRefusal(report, s.pythonPath, { numProcesses: s.numProcesses, accelerate: 'auto' });
      if (refusal) throw refusal;
      manager.channel.info(`[${id}] Python ${report.python ?? '?'} at ${s.pythonPath}: ${report.cuda_devices ?? 0} GPU(s), accelerate ${report.accelerate ?? 'not installed'}${report.accelerate_launch ? ' (accelerate launch)' : ''}`);
      if (!report.cuda_devices) {
        const msg = `No GPU is visible to torch in ${s.pythonPath}; training ${model} on the CPU will be very slow.`;
        manager.channel.warn(`[${id}] ${msg}`);
        if (interactive && (await vscode.window.showWarningMessage(msg, { modal: true }, 'Train on CPU')) !== 'Train on CPU') throw new Cancelled();
      }
      launcher = new LocalLauncher({
        python: s.pythonPath,
        script: s.scriptPath,
        numProcesses: s.numProcesses,
        // 'auto' with the report: `accelerate launch` when it vouches for the launcher
        // (accelerate_launch) or for several processes; plain python otherwise.
        accelerate: 'auto',
        envReport: report,
        exportOnnx,
        env,
        skipEnvCheck: true,
        trainerLog: path.join(manager.runDir(id), 'trainer.log'),
      });
    } else if (target === 'ssh') {
      launcher = sshLauncher(s, sshHost!);
    } else if (target === 'together') {
      launcher = new TogetherLauncher({ apiKey: key!, baseUrl: s.togetherBaseUrl, pollMs: s.pollMs });
    } else {
      launcher = new OpenAILauncher({ apiKey: key!, baseUrl: s.openaiBaseUrl, pollMs: s.pollMs });
    }
    await manager.start(spec, launcher, key ? [key] : []);
    return id;
  }

  const runIdOf = (arg: unknown): string | undefined => {
    if (typeof arg === 'string') return arg;
    if (arg && typeof arg === 'object' && 'kind' in arg) {
      const n = arg as RunNode;
      return n.kind === 'run' ? n.id : n.runId;
    }
    return view.selection[0] ? runIdOf(view.selection[0]) : undefined;
  };

  context.subscriptions.push(
    manager,
    view,
    vscode.commands.registerCommand('rlhf.startTrainingRun', async (args?: StartArgs) => {
      const interactive = !(args && typeof args === 'object' && args.method && args.target);
      try {
        return await startRun(args && typeof args === 'object' ? args : {}, interactive);
      } catch (e) {
        if (e instanceof Cancelled) return undefined;
        showLaunchError(e);
        if (!interactive) throw e;
        return undefined;
      }
    }),
    vscode.commands.registerCommand('rlhf.cancelRun', async (arg?: unknown) => {
      const id = runIdOf(arg);
      if (!id) return;
      try {
        await manager.cancel(id);
      } catch (e) {
        void vscode.window.showErrorMessage(`RLHF: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('rlhf.showRunLog', async (arg?: unknown) => {
      const id = runIdOf(arg);
      const rec = id ? manager.record(id) : undefined;
      const file = rec?.logFile ?? (id ? path.join(manager.runDir(id), 'train.log') : undefined);
      if (file && fs.existsSync(file)) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
      else manager.channel.show(true);
    }),
    vscode.commands.registerCommand('rlhf.openRunOutput', async (arg?: unknown) => {
      const id = runIdOf(arg);
      const rec = id ? manager.record(id) : undefined;
      if (!rec?.output) return void vscode.window.showInformationMessage('RLHF: this run has no output yet.');
      if (rec.target === 'local' && fs.existsSync(rec.output)) {
        const uri = vscode.Uri.file(rec.output);
        await vscode.commands.executeCommand(vscode.workspace.getWorkspaceFolder(uri) ? 'revealInExplorer' : 'revealFileInOS', uri);
        return;
      }
      // Remote folder or fine-tuned model name: nothing to open here, copy it.
      await vscode.env.clipboard.writeText(rec.output);
      void vscode.window.showInformationMessage(`RLHF: ${rec.target === 'ssh' ? 'remote output folder' : 'fine-tuned model name'} copied: ${rec.output}`);
    }),
    vscode.commands.registerCommand('rlhf.loadRunRewardModel', async (arg?: unknown) => {
      const id = runIdOf(arg);
      const rec = id ? manager.record(id) : undefined;
      if (!rec?.onnxDir) return void vscode.window.showInformationMessage('RLHF: this run exported no ONNX model.');
      if (!(await vscode.commands.getCommands(true)).includes('rlhf.loadRewardModel')) {
        return void vscode.window.showWarningMessage(`RLHF: the reward model feature is not available; the ONNX model is in ${rec.onnxDir}.`);
      }
      await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(rec.onnxDir));
    }),
    vscode.commands.registerCommand('rlhf.refreshRuns', () => manager.resume()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void manager.resume()),
  );
  void manager.resume();
}
