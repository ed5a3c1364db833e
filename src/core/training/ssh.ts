// Runs python/rlhf_train.py on a GPU host over OpenSSH: scp the script and data, start it
// under setsid (its own process group, surviving the SSH session), stream its log back with
// `tail -F --pid`, and cancel by signalling the remote process group. Host keys are checked
// (StrictHostKeyChecking=yes unless configured); BatchMode never prompts.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildTrainArgv } from './argv';
import { LineSplitter, parseTrainerLine } from './events';
import { envRefusal, useAccelerateFor, type EnvReport } from './local';
import { TrainerLines, runCommand } from './process';
import { LaunchError, assertSafeRunId, type LaunchHooks, type RunHandle, type RunRecord, type RunSpec, type StatusUpdate, type TrainingLauncher } from './types';

export interface SshOptions {
  host: string;
  /** OpenSSH client config (ssh -F) instead of ~/.ssh/config: Host aliases, keys, known_hosts. */
  configFile?: string;
  user?: string;
  port?: number;
  identityFile?: string;
  /** known_hosts file to check the host key against (default: ssh's own). */
  knownHostsFile?: string;
  strictHostKeyChecking?: 'yes' | 'accept-new';
  /** Remote folder for runs; relative paths are under the remote home. */
  remoteDir?: string;
  python?: string;
  numProcesses?: number;
  /** Default: `accelerate launch` when the remote env check says it can run, or for several processes. */
  accelerate?: boolean;
  /** Local rlhf_train.py, copied to the host. */
  script: string;
  /** More local files to copy next to the script. */
  extraFiles?: string[];
  /** Environment for the remote trainer (e.g. CUDA_VISIBLE_DEVICES). */
  remoteEnv?: Record<string, string>;
  sshPath?: string;
  scpPath?: string;
  killGraceMs?: number;
  skipEnvCheck?: boolean;
  connectTimeoutS?: number;
  /** Lost contact while following (ssh exit 255): how many times in a row to follow again. Default 6. */
  maxReconnects?: number;
  /** First wait before following again; doubles per attempt up to maxReconnectDelayMs (30 s). Default 1 s. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/** Printed on stderr by the follow command once the trainer is gone, with its exit status. */
export const EXIT_MARKER = 'rlhf-trainer-exit-status';

export interface FollowAttempt {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The trainer's exit status, from the marker line: present only when the trainer is gone. */
  exitStatus?: number;
  lastStderr?: string;
  spawnError?: string;
}

export type FollowDecision =
  | { kind: 'ended'; code: number; cancelled: boolean }
  | { kind: 'lost'; reason: string }
  | { kind: 'error'; message: string };

/**
 * How one follow of the remote log ended. The marker (the trainer's exit status) is the only
 * proof the trainer is gone; ssh's own 255 (connection lost, host unreachable) or a killed ssh
 * client mean lost contact, never failure. Any other exit without the marker (the remote shell
 * itself failed) ends the run with that status.
 */
export function followDecision(a: FollowAttempt, cancelled: boolean): FollowDecision {
  if (a.spawnError !== undefined) return { kind: 'error', message: a.spawnError };
  if (a.exitStatus !== undefined) return { kind: 'ended', code: a.exitStatus, cancelled };
  if (a.code === 255 || a.signal !== null || a.code === null) {
    const why = a.signal ? `ssh ended by ${a.signal}` : `ssh exit ${a.code ?? '?'}`;
    return { kind: 'lost', reason: a.lastStderr ? `${why}: ${a.lastStderr}` : why };
  }
  return { kind: 'ended', code: a.code, cancelled };
}

/** POSIX single-quoting for the remote shell. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class SshLauncher implements TrainingLauncher {
  readonly target = 'ssh' as const;
  private readonly cancelled = new Set<string>();
  private readonly followers = new Set<ChildProcess>();

  constructor(private readonly o: SshOptions) {
    if (o.host.startsWith('-') || (o.user ?? '').startsWith('-')) throw new LaunchError(`invalid SSH host "${o.host}"`);
    for (const k of Object.keys(o.remoteEnv ?? {})) if (!ENV_NAME.test(k)) throw new LaunchError(`invalid environment variable name "${k}"`);
  }

  private get dest(): string {
    return this.o.user ? `${this.o.user}@${this.o.host}` : this.o.host;
  }

  private common(): string[] {
    const a = [...(this.o.configFile ? ['-F', this.o.configFile] : []), '-o', 'BatchMode=yes', '-o', `StrictHostKeyChecking=${this.o.strictHostKeyChecking ?? 'yes'}`, '-o', `ConnectTimeout=${this.o.connectTimeoutS ?? 15}`];
    if (this.o.knownHostsFile) a.push('-o', `UserKnownHostsFile=${this.o.knownHostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null');
    if (this.o.identityFile) a.push('-i', this.o.identityFile, '-o', 'IdentitiesOnly=yes');
    return a;
  }

  sshArgs(remoteCommand: string): string[] {
    // No port given: ssh's own (the config's Port for the alias, else 22).
    return [...this.common(), ...(this.o.port ? ['-p', String(this.o.port)] : []), '--', this.dest, remoteCommand];
  }

  private async ssh(remoteCommand: string, what: string): Promise<string> {
    const r = await runCommand(this.o.sshPath ?? 'ssh', this.sshArgs(remoteCommand), { timeoutMs: 120_000 });
    if (r.code !== 0) throw new LaunchError(`${what} on ${this.dest} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, hint(r.stderr));
    return r.stdout;
  }

  private async scp(files: string[], remoteFolder: string): Promise<void> {
    const args = [...this.common(), ...(this.o.port ? ['-P', String(this.o.port)] : []), '--', ...files, `${this.dest}:${remoteFolder}/`];
    const r = await runCommand(this.o.scpPath ?? 'scp', args, { timeoutMs: 600_000 });
    if (r.code !== 0) throw new LaunchError(`copying to ${this.dest}:${remoteFolder} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, hint(r.stderr));
  }

  runDir(runId: string): string {
    return `${(this.o.remoteDir ?? '.rlhf-runs').replace(/\/+$/, '')}/${runId}`;
  }

  async start(spec: RunSpec, hooks: LaunchHooks): Promise<RunHandle> {
    assertSafeRunId(spec.id);
    const run = this.runDir(spec.id);
    const python = this.o.python ?? 'python3';
    hooks.onStatus({ status: 'starting', message: `copying to ${this.dest}` });
    await this.ssh(`mkdir -p ${shq(run)}/data`, 'creating the run folder');
    await this.scp([this.o.script, ...(this.o.extraFiles ?? [])], run);
    const data = ['train.jsonl', 'eval.jsonl', 'manifest.json'].map((f) => path.join(spec.datasetDir, f)).filter((f) => fs.existsSync(f));
    if (!data.some((f) => f.endsWith('train.jsonl'))) throw new LaunchError(`${spec.datasetDir}: no train.jsonl; export the dataset first`);
    await this.scp(data, `${run}/data`);
    const script = path.basename(this.o.script);
    // The check sees the trainer's environment too (CUDA_VISIBLE_DEVICES changes the GPU count).
    const envPrefix = Object.entries({ PYTHONUNBUFFERED: '1', ...(this.o.remoteEnv ?? {}) }).map(([k, v]) => `${k}=${shq(v)}`).join(' ');
    let report: EnvReport | undefined;
    if (!this.o.skipEnvCheck) {
      const out = await this.ssh(`cd ${shq(run)} && env ${envPrefix} ${shq(python)} ${shq(script)} --check-env${spec.useLora ? ' --use-peft' : ''}`, 'checking the remote Python environment');
      const env = out.split('\n').map(parseTrainerLine).find((e) => e?.event === 'env');
      if (!env || env.event !== 'env') throw new LaunchError(`${this.dest}: ${python} --check-env printed no report`);
      report = env as EnvReport;
      const refusal = envRefusal(report, python, { numProcesses: this.o.numProcesses, accelerate: this.o.accelerate ? 'always' : 'auto', where: this.dest });
      if (refusal) throw new LaunchError(refusal.message, `ssh ${this.dest} ${refusal.fix}`);
    }
    const { command, args } = buildTrainArgv(spec, {
      python,
      script,
      dataDir: 'data',
      outputDir: spec.outputDir ?? 'model',
      numProcesses: this.o.numProcesses,
      useAccelerate: this.o.accelerate === undefined ? useAccelerateFor('auto', this.o.numProcesses ?? 1, report) : this.o.accelerate,
    });
    const inner = `echo $$ > train.pid; env ${envPrefix} ${[command, ...args].map(shq).join(' ')} > train.log 2>&1 < /dev/null; echo $? > train.exit`;
    const launch =
      `cd ${shq(run)} && rm -f train.pid train.exit && : > train.log && ` +
      `(setsid sh -c ${shq(inner)} > /dev/null 2>&1 < /dev/null &) && ` +
      `i=0; while [ ! -s train.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; cat train.pid`;
    hooks.onLog(`$ ssh ${this.dest} ${[command, ...args].join(' ')}`);
    const pgid = Number((await this.ssh(launch, 'starting the trainer')).trim());
    if (!Number.isInteger(pgid) || pgid <= 1) throw new LaunchError(`${this.dest}: the trainer did not report its process id`);
    return this.follow(spec.id, pgid, hooks, spec.outputDir ?? 'model');
  }

  /**
   * Streams the remote log until the trainer's process is gone. The remote command ends with a
   * marker line on stderr carrying the trainer's exit status (from train.exit; 143 when it
   * vanished without one): only that says the trainer is gone. An ssh that ends without it
   * (exit 255: connection lost, or the client killed) is lost contact: the trainer goes on
   * under setsid, so the log is followed again from the byte it got to, with backoff, up to
   * maxReconnects times in a row; then the run is left running (to be followed again later).
   */
  private follow(runId: string, pgid: number, hooks: LaunchHooks, outputDir: string): RunHandle {
    const run = this.runDir(runId);
    const dest = this.dest;
    const lines = new TrainerLines(hooks);
    const out = new LineSplitter((l) => lines.line(l));
    let offset = 0; // bytes of train.log received so far
    const maxReconnects = this.o.maxReconnects ?? 6;
    const baseDelay = this.o.reconnectDelayMs ?? 1_000;
    const done = (async (): Promise<StatusUpdate> => {
      let lost = 0;
      for (;;) {
        const startedAt = Date.now();
        const before = offset;
        const a = await this.followOnce(run, pgid, offset, (chunk) => {
          offset += chunk.length;
          out.push(chunk);
        }, (l) => lines.line(l));
        const d = followDecision(a, this.cancelled.has(runId));
        if (d.kind === 'ended') {
          out.end();
          const s: StatusUpdate = d.cancelled ? { status: 'cancelled', message: 'cancelled by user' } : lines.outcome({ code: d.code, signal: null });
          hooks.onStatus(s);
          return s;
        }
        if (d.kind === 'error') {
          out.end();
          const s: StatusUpdate = { status: 'failed', error: `could not run ssh: ${d.message}` };
          hooks.onStatus(s);
          return s;
        }
        // Lost contact. A follow that went on for a while (or brought lines) starts the count again.
        if (offset > before || Date.now() - startedAt > 60_000) lost = 0;
        lost++;
        if (lost > maxReconnects) {
          const s: StatusUpdate = {
            status: 'running',
            message: `lost contact with ${dest} ${maxReconnects + 1} times in a row (${d.reason}); the trainer may still be running there: "RLHF: Refresh Runs" follows it again`,
          };
          hooks.onLog(s.message!);
          hooks.onStatus(s);
          return s;
        }
        const wait = Math.min(baseDelay * 2 ** (lost - 1), this.o.maxReconnectDelayMs ?? 30_000);
        hooks.onLog(`lost contact with ${dest} (${d.reason}); the trainer goes on there; following again in ${(wait / 1000).toFixed(wait < 1000 ? 2 : 0)}s (attempt ${lost}/${maxReconnects}, from byte ${offset})`);
        await new Promise((r) => setTimeout(r, wait));
      }
    })().then((s) => (s.status === 'succeeded' ? { ...s, output: `${dest}:${outputDir.startsWith('/') ? outputDir : `${run}/${outputDir}`}` } : s));
    return { runId, target: 'ssh', pid: pgid, host: dest, done };
  }

  /** One `ssh host tail -F` of the remote log from byte `offset`, until ssh ends. */
  private followOnce(run: string, pgid: number, offset: number, onData: (b: Buffer) => void, onStderrLine: (l: string) => void): Promise<FollowAttempt> {
    const cmd =
      `cd ${shq(run)} && tail -c +${offset + 1} -F --pid=${pgid} train.log 2>/dev/null; ` +
      `c=$(cat train.exit 2>/dev/null || echo 143); echo "${EXIT_MARKER} $c" >&2; exit $c`;
    return new Promise((resolve) => {
      const child = spawn(this.o.sshPath ?? 'ssh', this.sshArgs(cmd), { stdio: ['ignore', 'pipe', 'pipe'] });
      this.followers.add(child);
      let exitStatus: number | undefined;
      let lastStderr = '';
      const err = new LineSplitter((l) => {
        const m = new RegExp(`^${EXIT_MARKER} (\\d+)$`).exec(l.trim());
        if (m) exitStatus = Number(m[1]);
        else {
          if (l.trim()) lastStderr = l.trim();
          onStderrLine(l);
        }
      });
      child.stdout.on('data', (d: Buffer) => onData(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      let settled = false;
      child.on('error', (e) => {
        if (settled) return;
        settled = true;
        this.followers.delete(child);
        resolve({ code: null, signal: null, spawnError: e.message });
      });
      child.on('close', (code, signal) => {
        if (settled) return;
        settled = true;
        this.followers.delete(child);
        err.end();
        resolve({ code, signal, exitStatus, lastStderr });
      });
    });
  }

  /** The ssh processes following remote logs now (tests use it to cut a connection). */
  followerPids(): number[] {
    return [...this.followers].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  async cancel(handle: RunHandle): Promise<void> {
    const pgid = handle.pid;
    if (!pgid || !Number.isInteger(pgid) || pgid <= 1) throw new LaunchError(`run ${handle.runId} has no remote process group`);
    this.cancelled.add(handle.runId);
    const grace = Math.ceil((this.o.killGraceMs ?? 15_000) / 1000);
    // TERM first (the trainer stops after the step and saves), KILL when the grace runs out.
    await this.ssh(
      `kill -TERM -- -${pgid} 2>/dev/null || exit 0; i=0; while kill -0 -- -${pgid} 2>/dev/null && [ $i -lt ${grace * 10} ]; do sleep 0.1; i=$((i+1)); done; kill -KILL -- -${pgid} 2>/dev/null; exit 0`,
      'cancelling the run',
    );
  }

  async reattach(record: RunRecord, hooks: LaunchHooks): Promise<RunHandle> {
    if (!record.pid) throw new LaunchError(`run ${record.id} has no remote process group`);
    return this.follow(record.id, record.pid, hooks, 'model');
  }
}

function hint(stderr: string): string | undefined {
  if (/Host key verification failed|No .* host key is known/i.test(stderr)) return 'add the host key to known_hosts after checking its fingerprint (ssh-keyscan + compare), or set strictHostKeyChecking to accept-new';
  if (/Permission denied/i.test(stderr)) return 'check the SSH user and key (BatchMode: no password prompts)';
  return undefined;
}
