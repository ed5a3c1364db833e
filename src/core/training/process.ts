// Shared child-process plumbing: JSON-line events in, metrics and status out.
import { spawn, type ChildProcess } from 'node:child_process';
import { LineSplitter, TailBuffer, metricsFromLog, parseTrainerLine, type TrainerEvent } from './events';
import type { LaunchHooks, RunMetrics, StatusUpdate } from './types';

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (argument array, no shell) and collects its output. */
export function runCommand(command: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Trainer output lines → hook calls: events become metrics/status, everything else goes to the
 * log. Remembers what decides how the run ended (the "done" event, the last error, the tail).
 */
export class TrainerLines {
  readonly tail = new TailBuffer(20);
  errorMessage: string | undefined;
  done: TrainerEvent | undefined;
  started = false;
  /** The latest metrics seen while catching up quietly. */
  caughtUp: RunMetrics | undefined;
  constructor(private readonly hooks: LaunchHooks) {}

  /** `quiet`: a log read again after a reload; the earlier window already logged these lines. */
  line(line: string, quiet = false): void {
    const hooks = this.hooks;
    const log = (l: string) => {
      if (!quiet) hooks.onLog(l);
    };
    const ev = parseTrainerLine(line);
    if (!ev) {
      this.tail.add(line);
      log(line);
      return;
    }
    if (ev.event === 'log') {
      const m = metricsFromLog(ev);
      if (quiet) this.caughtUp = m;
      else hooks.onMetrics(m);
    } else if (ev.event === 'start') {
      if (!this.started && !quiet) hooks.onStatus({ status: 'running', message: 'training started' });
      this.started = true;
      log(line);
    } else if (ev.event === 'error') {
      this.errorMessage = ev.message;
      this.tail.add(`error: ${ev.message}`);
      log(`error: ${ev.message}`);
    } else if (ev.event === 'warning') {
      log(`warning: ${ev.message}`);
    } else if (ev.event === 'done') {
      this.done = ev;
      log(line);
    }
  }

  /**
   * The final status. `exit` is the trainer's exit when known; after a window reload nobody
   * waited for the process, so only its last events say how it ended.
   */
  outcome(exit: { code: number | null; signal: NodeJS.Signals | null } | undefined): StatusUpdate {
    const done = this.done;
    if (done && (!exit || exit.code === 0)) {
      const output = typeof done.output_dir === 'string' ? done.output_dir : undefined;
      const onnxDir = typeof done.onnx_dir === 'string' ? done.onnx_dir : undefined;
      return { status: 'succeeded', output, ...(onnxDir ? { onnxDir } : {}) };
    }
    const how = !exit ? 'exit status unknown: the process ended while no window was following it' : exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
    const head =
      this.errorMessage ??
      (!exit ? 'trainer ended without a "done" or "error" event' : exit.code === 0 ? 'trainer exited without a "done" event' : `trainer failed (${how})`);
    return { status: 'failed', error: `${head} (${how})\n--- last output ---\n${this.tail.text()}` };
  }
}

/**
 * Feeds a training process's output to the hooks (see TrainerLines). Returns the final status
 * when the process closes.
 */
export function followTrainer(child: ChildProcess, hooks: LaunchHooks, isCancelled: () => boolean): Promise<StatusUpdate> {
  const lines = new TrainerLines(hooks);
  const out = new LineSplitter((l) => lines.line(l));
  const err = new LineSplitter((l) => lines.line(l));
  child.stdout?.on('data', (d) => out.push(d));
  child.stderr?.on('data', (d) => err.push(d));
  return new Promise((resolve) => {
    const finish = (s: StatusUpdate) => {
      hooks.onStatus(s);
      resolve(s);
    };
    child.on('error', (e) => finish({ status: 'failed', error: `could not start trainer: ${e.message}` }));
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      if (isCancelled()) return finish({ status: 'cancelled', message: 'cancelled by user' });
      finish(lines.outcome({ code, signal }));
    });
  });
}
