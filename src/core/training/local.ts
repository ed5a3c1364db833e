// Runs python/rlhf_train.py on this machine: in its own process group (detached) so cancel
// reaches accelerate's workers and anything they spawned, and so it outlives the window.
// Its stdout/stderr go straight to a log file (no pipe to this process), which the launcher
// follows; a reloaded window follows the same file again from the run record (reattach).
//
// How a run ended, without a parent to wait for it after a reload: the trainer's last event
// decides ("done" → succeeded, "error" → failed with its message) once no live process is left
// in its process group; gone with neither event → failed, with the last lines of the log. The
// exit code is only known to the window that started the run (it is the child's parent).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildTrainArgv } from './argv';
import { LineSplitter, parseTrainerLine } from './events';
import { TrainerLines, runCommand } from './process';
import { LaunchError, assertSafeRunId, type LaunchHooks, type RunHandle, type RunRecord, type RunSpec, type StatusUpdate, type TrainingLauncher } from './types';

/**
 * What `rlhf_train.py --check-env` prints (the "env" event). Every package is imported for
 * real, so a broken install counts as missing. `missing`: pip names to install or repair;
 * `problems`: one sentence per entry (not installed, fails to import and why, trl older than
 * `min_trl`); `errors`: every failed import with its message; `accelerate_launch`: whether
 * `python -m accelerate.commands.launch` imports in that interpreter.
 */
export interface EnvReport {
  python?: string;
  missing: string[];
  fix: string | null;
  accelerate?: string | null;
  trl?: string | null;
  cuda_devices?: number;
  accelerate_launch?: boolean;
  /** null unless the check was asked about ONNX export. */
  onnx_export?: boolean | null;
  min_trl?: string;
  problems?: string[];
  errors?: Record<string, string>;
  [k: string]: unknown;
}

export type AccelerateMode = 'auto' | 'always' | 'never';

/**
 * Whether to start the trainer with `python -m accelerate.commands.launch` (one GPU or many).
 * 'auto' does whenever the env report says that launcher imports (`accelerate_launch`), and
 * for several processes in any case (plain python cannot run them). A report without that
 * field (a script of one's own in rlhf.training.scriptPath, a test trainer) or no report at
 * all keeps one process on plain python; 'never' opts out, 'always' insists.
 */
export function useAccelerateFor(mode: AccelerateMode | undefined, numProcesses: number, report?: Pick<EnvReport, 'accelerate_launch'>): boolean {
  if (mode === 'never') return false;
  if (mode === 'always' || numProcesses > 1) return true;
  return report?.accelerate_launch === true;
}

/** "lacks trl, torch (trl 0.11 is older than 0.16.0; torch ... does not import: OSError: ...)" */
export function describeMissing(report: Pick<EnvReport, 'problems'>, missing: string[]): string {
  const why = (report.problems ?? []).filter((p) => missing.some((m) => p.includes(m)));
  return `lacks ${missing.join(', ')}${why.length ? ` (${why.join('; ')})` : ''}`;
}

/**
 * The refusal for an env report that lacks something the run needs, or undefined when it can
 * go: the report's own sentences (`problems`) say what is wrong, and its `fix` (one pip command
 * for everything, upgrading an old trl) is the fix. accelerate is not required to start one
 * process on plain python (unless `accelerate: 'always'`). `where` prefixes a remote host.
 */
export function envRefusal(
  report: EnvReport,
  python: string,
  o: { numProcesses?: number; accelerate?: AccelerateMode; where?: string } = {},
): LaunchError | undefined {
  const nproc = o.numProcesses ?? 1;
  const missing = report.missing.filter((m) => !(m === 'accelerate' && nproc === 1 && o.accelerate !== 'always'));
  if (!missing.length) return undefined;
  const q = /[\s'"]/.test(python) ? `'${python.replace(/'/g, `'\\''`)}'` : python;
  const fix = report.fix ?? `${q} -m pip install -U ${missing.join(' ')}`;
  return new LaunchError(`${o.where ? `${o.where}: ` : ''}the Python environment ${python} ${describeMissing(report, missing)}`, fix);
}

export interface LocalLauncherOptions {
  /** Python interpreter (a venv's python works). Default 'python3'. */
  python?: string;
  /** Path to rlhf_train.py (shipped in the extension's python/ folder). */
  script: string;
  /** Default <datasetDir>/../runs/<id>/model when the spec has no outputDir. */
  outputRoot?: string;
  numProcesses?: number;
  /**
   * 'auto' (default): `accelerate launch` whenever the env report says it can run (one GPU or
   * many; see useAccelerateFor); 'never': plain python (test trainers); 'always'.
   */
  accelerate?: AccelerateMode;
  /**
   * The report of the check the caller already ran (with skipEnvCheck): it decides whether
   * 'auto' starts the trainer under `accelerate launch`. Nothing is remembered between calls.
   */
  envReport?: EnvReport;
  exportOnnx?: boolean;
  env?: NodeJS.ProcessEnv;
  /** SIGTERM first (the script stops after the step and saves), SIGKILL after this. */
  killGraceMs?: number;
  skipEnvCheck?: boolean;
  /** Where the trainer's output goes. Default <outputDir's folder>/<run id>.trainer.log. */
  trainerLog?: string;
  /** How often the log file is read for new lines. Default 250 ms. */
  followMs?: number;
}

/**
 * Runs `<python> <script> --check-env` and reads its one JSON line. `needPeft`: LoRA runs also
 * need peft; `needOnnx`: reward runs that export ONNX also need optimum's ONNX exporter.
 * The check imports torch, transformers and trl for real, which takes a while on a cold disk.
 */
export async function checkPythonEnv(python: string, script: string, env?: NodeJS.ProcessEnv, needPeft = false, needOnnx = false): Promise<EnvReport> {
  let res;
  try {
    res = await runCommand(python, [script, '--check-env', ...(needPeft ? ['--use-peft'] : []), ...(needOnnx ? ['--export-onnx'] : [])], { timeoutMs: 180_000, env });
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
  /** The recorded pid now names another process (reboot, pid reuse): never signal it. */
  foreign?: boolean;
  cancelled: boolean;
  /** Stop following (the window is closing); the trainer goes on. */
  detached: boolean;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export class LocalLauncher implements TrainingLauncher {
  readonly target = 'local' as const;
  private readonly runs = new Map<string, LocalState>();

  constructor(private readonly opts: LocalLauncherOptions) {}

  async start(spec: RunSpec, hooks: LaunchHooks): Promise<RunHandle> {
    assertSafeRunId(spec.id);
    const python = this.opts.python ?? 'python3';
    const nproc = this.opts.numProcesses ?? 1;
    hooks.onStatus({ status: 'starting', message: 'checking the Python environment' });
    let report = this.opts.envReport;
    if (!this.opts.skipEnvCheck) {
      const exportOnnx = !!this.opts.exportOnnx && spec.method === 'reward';
      report = await checkPythonEnv(python, this.opts.script, this.opts.env, !!spec.useLora, exportOnnx);
      const refusal = envRefusal(report, python, { numProcesses: nproc, accelerate: this.opts.accelerate });
      if (refusal) throw refusal;
    }
    const useAccelerate = useAccelerateFor(this.opts.accelerate, nproc, report);
    const outputDir = spec.outputDir ?? path.join(this.opts.outputRoot ?? path.join(spec.datasetDir, '..', 'runs'), spec.id, 'model');
    fs.mkdirSync(path.dirname(outputDir), { recursive: true });
    const trainerLog = this.opts.trainerLog ?? path.join(path.dirname(outputDir), `${spec.id}.trainer.log`);
    fs.mkdirSync(path.dirname(trainerLog), { recursive: true });
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
    const fd = fs.openSync(trainerLog, 'a');
    let child;
    try {
      child = spawn(command, args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...(this.opts.env ?? process.env), PYTHONUNBUFFERED: '1' },
      });
    } finally {
      fs.closeSync(fd); // the child has its own copy
    }
    if (child.pid === undefined) {
      const e = await new Promise<Error>((r) => child.once('error', r));
      throw new LaunchError(`could not start ${command}: ${e.message}`, 'set the Python path setting to an existing interpreter');
    }
    child.on('error', () => {}); // signals to a gone process: nothing to report
    // The window may close before the trainer ends: do not keep this process alive for it.
    child.unref();
    let exit: Exit | undefined;
    child.once('exit', (code, signal) => (exit = { code, signal }));
    const state: LocalState = { pid: child.pid, cancelled: false, detached: false };
    this.runs.set(spec.id, state);
    const done = this.follow(trainerLog, state, hooks, { exit: () => exit, catchUp: false }).then((s: StatusUpdate) =>
      s.status === 'succeeded' && !s.output ? { ...s, output: outputDir } : s,
    );
    return { runId: spec.id, target: 'local', pid: child.pid, procStart: processIdentity(child.pid), trainerLog, done };
  }

  /**
   * Follows a run a closed window started, from its record: the log is read again from the
   * start (the latest metrics, whether training started), then followed while the process
   * group lives; a run that already ended is settled from the log's last events.
   */
  async reattach(record: RunRecord, hooks: LaunchHooks): Promise<RunHandle> {
    if (!record.pid || record.pid <= 1) throw new LaunchError(`run ${record.id} has no recorded process`);
    if (!record.trainerLog) throw new LaunchError(`run ${record.id} has no trainer log recorded`);
    if (!fs.existsSync(record.trainerLog)) throw new LaunchError(`run ${record.id}: its trainer log ${record.trainerLog} is gone`);
    const state: LocalState = { pid: record.pid, foreign: !isSameProcess(record.pid, record.procStart), cancelled: false, detached: false };
    if (state.foreign) hooks.onLog(`process ${record.pid} is no longer this run's trainer (restarted machine or reused pid); settling the run from its log`);
    this.runs.set(record.id, state);
    const done = this.follow(record.trainerLog, state, hooks, { exit: () => undefined, catchUp: true }).then((s) =>
      s.status === 'succeeded' && !s.output && record.output ? { ...s, output: record.output } : s,
    );
    return { runId: record.id, target: 'local', pid: record.pid, trainerLog: record.trainerLog, done };
  }

  /** Reads new bytes of the log on an interval until the process group is gone. */
  private follow(file: string, st: LocalState, hooks: LaunchHooks, o: { exit: () => Exit | undefined; catchUp: boolean }): Promise<StatusUpdate> {
    const lines = new TrainerLines(hooks);
    let quiet = o.catchUp;
    const split = new LineSplitter((l) => lines.line(l, quiet));
    let offset = 0;
    const buf = Buffer.alloc(64 * 1024);
    const drain = () => {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return; // not there (yet): nothing to read
      }
      try {
        for (;;) {
          const n = fs.readSync(fd, buf, 0, buf.length, offset);
          if (n <= 0) break;
          offset += n;
          split.push(buf.subarray(0, n));
        }
      } finally {
        fs.closeSync(fd);
      }
    };
    if (o.catchUp) {
      drain();
      quiet = false;
      if (lines.started) hooks.onStatus({ status: 'running', message: 'training (followed again after a reload)' });
      if (lines.caughtUp) hooks.onMetrics(lines.caughtUp);
      hooks.onLog(`following ${file} again from byte ${offset}`);
    }
    return new Promise((resolve) => {
      const finish = (s: StatusUpdate) => {
        if (s.status !== 'running') hooks.onStatus(s);
        resolve(s);
      };
      const tick = () => {
        if (st.detached) return finish({ status: 'running', message: 'stopped following (the trainer goes on)' });
        drain();
        // The started window waits for its child's exit (for the code); any window then for
        // the whole group, as a pipe would until every process holding it had exited.
        const exit = o.exit();
        const ended = (o.catchUp || exit !== undefined) && (st.foreign || !processGroupLive(st.pid));
        if (!ended) return void setTimeout(tick, this.opts.followMs ?? 250);
        drain();
        split.end();
        if (st.cancelled) return finish({ status: 'cancelled', message: 'cancelled by user' });
        finish(lines.outcome(exit));
      };
      setTimeout(tick, o.catchUp ? 0 : this.opts.followMs ?? 250);
    });
  }

  async cancel(handle: RunHandle): Promise<void> {
    const st = this.runs.get(handle.runId);
    const pid = st?.pid ?? handle.pid;
    if (!pid || pid <= 1) throw new LaunchError(`run ${handle.runId} has no process to cancel`);
    if (st) st.cancelled = true;
    if (st?.foreign) return;
    // Negative pid: the whole process group (accelerate workers, dataloader children).
    if (!killGroup(pid, 'SIGTERM')) return;
    const grace = this.opts.killGraceMs ?? 15_000;
    const deadline = Date.now() + grace;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (!processGroupLive(pid)) return;
    }
    killGroup(pid, 'SIGKILL');
  }

  /** Stops following a run (window closing); the trainer keeps going and can be followed again. */
  detach(runId: string): void {
    const st = this.runs.get(runId);
    if (st) st.detached = true;
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

/** Some process of the group exists (zombies included). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Fields of /proc/<pid>/stat after "(<comm>)" (comm may hold spaces and ')'): f[0] is field 3. */
function procFields(pid: string | number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** [state, pgrp] of a process. */
function procStat(pid: string): [string, number] | undefined {
  const f = procFields(pid);
  return f && [f[0], Number(f[2])];
}

/**
 * "<boot id>:<start time in clock ticks>" of a live process: stable for its lifetime, and
 * different for any later process that gets the same pid. Undefined without procfs.
 */
export function processIdentity(pid: number): string | undefined {
  const f = procFields(pid);
  if (!f) return undefined;
  let boot = '';
  try {
    boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // containers may hide it; the start time alone still tells processes apart
  }
  return `${boot}:${f[19]}`;
}

/**
 * Whether pid may still be the process recorded as `recorded`. A live process with another
 * identity is not ours; a dead leader is (its group may live on in accelerate workers),
 * unless the machine has restarted since.
 */
export function isSameProcess(pid: number, recorded: string | undefined): boolean {
  if (!recorded) return true; // recorded without an identity (no procfs): trust the pid
  const now = processIdentity(pid);
  if (now !== undefined) return now === recorded;
  let boot = '';
  try {
    boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return true;
  }
  return recorded.startsWith(`${boot}:`);
}

/**
 * A process of the group that is still running, zombies not counted: after a reload the
 * trainer's new parent may never reap it (an init-less container), and a zombie trains nothing.
 */
export function processGroupLive(pgid: number): boolean {
  if (!groupAlive(pgid)) return false;
  if (!fs.existsSync('/proc/self/stat')) return true; // no procfs (macOS): trust kill(0)
  const leader = procStat(String(pgid));
  if (leader && leader[0] !== 'Z' && leader[1] === pgid) return true;
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return true;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const st = procStat(n);
    if (st && st[1] === pgid && st[0] !== 'Z') return true;
  }
  return false;
}
