// Runs python/rlhf_train.py on this machine: in its own process group (detached) so cancel
// reaches accelerate's workers and anything they spawned.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildTrainArgv } from './argv';
import { parseTrainerLine } from './events';
import { followTrainer, runCommand } from './process';
import { LaunchError, assertSafeRunId, type LaunchHooks, type RunHandle, type RunSpec, type StatusUpdate, type TrainingLauncher } from './types';

export interface EnvReport {
  python?: string;
  missing: string[];
  fix: string | null;
  accelerate?: string | null;
  cuda_devices?: number;
  [k: string]: unknown;
}

export interface LocalLauncherOptions {
  /** Python interpreter (a venv's python works). Default 'python3'. */
  python?: string;
  /** Path to rlhf_train.py (shipped in the extension's python/ folder). */
  script: string;
  /** Default <datasetDir>/../runs/<id>/model when the spec has no outputDir. */
  outputRoot?: string;
  numProcesses?: number;
  /** 'auto': accelerate when installed, plain python for one process otherwise. */
  accelerate?: 'auto' | 'always' | 'never';
  exportOnnx?: boolean;
  env?: NodeJS.ProcessEnv;
  /** SIGTERM first (the script stops after the step and saves), SIGKILL after this. */
  killGraceMs?: number;
  skipEnvCheck?: boolean;
}

/** Runs `<python> <script> --check-env` and reads its one JSON line. `needPeft`: LoRA runs also need peft. */
export async function checkPythonEnv(python: string, script: string, env?: NodeJS.ProcessEnv, needPeft = false): Promise<EnvReport> {
  let res;
  try {
    res = await runCommand(python, [script, '--check-env', ...(needPeft ? ['--use-peft'] : [])], { timeoutMs: 60_000, env });
  } catch (e) {
    throw new LaunchError(`cannot run ${python}: ${(e as Error).message}`, 'set the Python path setting to an interpreter with TRL installed');
  }
  for (const line of res.stdout.split('\n')) {
    const ev = parseTrainerLine(line);
    if (ev?.event === 'env') return ev as unknown as EnvReport;
  }
  throw new LaunchError(`${python} ${path.basename(script)} --check-env printed no environment report (exit ${res.code}): ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

interface LocalState {
  pid: number;
  cancelled: boolean;
  exited: boolean;
}

export class LocalLauncher implements TrainingLauncher {
  readonly target = 'local' as const;
  private readonly runs = new Map<string, LocalState>();

  constructor(private readonly opts: LocalLauncherOptions) {}

  async start(spec: RunSpec, hooks: LaunchHooks): Promise<RunHandle> {
    assertSafeRunId(spec.id);
    const python = this.opts.python ?? 'python3';
    const nproc = this.opts.numProcesses ?? 1;
    hooks.onStatus({ status: 'starting', message: 'checking the Python environment' });
    let useAccelerate = this.opts.accelerate === 'always' || (this.opts.accelerate !== 'never' && nproc > 1);
    if (!this.opts.skipEnvCheck) {
      const env = await checkPythonEnv(python, this.opts.script, this.opts.env);
      const missing = env.missing.filter((m) => !(m === 'accelerate' && nproc === 1 && this.opts.accelerate !== 'always'));
      if (missing.length) {
        throw new LaunchError(`Python environment ${python} lacks ${missing.join(', ')}`, env.fix ?? `${python} -m pip install ${missing.join(' ')}`);
      }
      if (this.opts.accelerate !== 'never' && env.accelerate) useAccelerate = true;
    }
    const outputDir = spec.outputDir ?? path.join(this.opts.outputRoot ?? path.join(spec.datasetDir, '..', 'runs'), spec.id, 'model');
    fs.mkdirSync(path.dirname(outputDir), { recursive: true });
    const { command, args } = buildTrainArgv(spec, {
      python,
      script: this.opts.script,
      dataDir: spec.datasetDir,
      outputDir,
      numProcesses: nproc,
      useAccelerate,
      exportOnnx: this.opts.exportOnnx,
    });
    hooks.onLog(`$ ${[command, ...args].join(' ')}`);
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...(this.opts.env ?? process.env), PYTHONUNBUFFERED: '1' },
    });
    const state: LocalState = { pid: child.pid ?? -1, cancelled: false, exited: false };
    const done = followTrainer(child, hooks, () => state.cancelled).then((s: StatusUpdate) => {
      state.exited = true;
      return s.status === 'succeeded' && !s.output ? { ...s, output: outputDir } : s;
    });
    if (child.pid === undefined) {
      const s = await done;
      throw new LaunchError(s.error ?? `could not start ${command}`);
    }
    this.runs.set(spec.id, state);
    return { runId: spec.id, target: 'local', pid: child.pid, done };
  }

  async cancel(handle: RunHandle): Promise<void> {
    const st = this.runs.get(handle.runId);
    const pid = st?.pid ?? handle.pid;
    if (!pid || pid <= 0) throw new LaunchError(`run ${handle.runId} has no process to cancel`);
    if (st) st.cancelled = true;
    // Negative pid: the whole process group (accelerate workers, dataloader children).
    if (!killGroup(pid, 'SIGTERM')) return;
    const grace = this.opts.killGraceMs ?? 15_000;
    const deadline = Date.now() + grace;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (!groupAlive(pid)) return;
    }
    killGroup(pid, 'SIGKILL');
  }
}

function killGroup(pgid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
