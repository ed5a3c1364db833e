// Shared child-process plumbing: JSON-line events in, metrics and status out.
import { spawn, type ChildProcess } from 'node:child_process';
import { LineSplitter, TailBuffer, metricsFromLog, parseTrainerLine, type TrainerEvent } from './events';
import type { LaunchHooks, StatusUpdate } from './types';

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
 * Feeds a training process's output to the hooks: trainer events become metrics/status,
 * everything else goes to the log. Returns the final status when the process closes.
 */
export function followTrainer(child: ChildProcess, hooks: LaunchHooks, isCancelled: () => boolean): Promise<StatusUpdate> {
  const tail = new TailBuffer(20);
  let errorMessage: string | undefined;
  let done: TrainerEvent | undefined;
  let started = false;
  const onLine = (line: string) => {
    const ev = parseTrainerLine(line);
    if (!ev) {
      tail.add(line);
      hooks.onLog(line);
      return;
    }
    if (ev.event === 'log') {
      hooks.onMetrics(metricsFromLog(ev));
    } else if (ev.event === 'start') {
      if (!started) hooks.onStatus({ status: 'running', message: 'training started' });
      started = true;
      hooks.onLog(line);
    } else if (ev.event === 'error') {
      errorMessage = ev.message;
      tail.add(`error: ${ev.message}`);
      hooks.onLog(`error: ${ev.message}`);
    } else if (ev.event === 'warning') {
      hooks.onLog(`warning: ${ev.message}`);
    } else if (ev.event === 'done') {
      done = ev;
      hooks.onLog(line);
    }
  };
  const out = new LineSplitter(onLine);
  const err = new LineSplitter(onLine);
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
      if (code === 0 && done) {
        const output = typeof done.output_dir === 'string' ? done.output_dir : undefined;
        const onnxDir = typeof done.onnx_dir === 'string' ? done.onnx_dir : undefined;
        return finish({ status: 'succeeded', output, ...(onnxDir ? { onnxDir } : {}) });
      }
      const how = code !== null ? `exit code ${code}` : `signal ${signal}`;
      const head = errorMessage ?? (code === 0 ? 'trainer exited without a "done" event' : `trainer failed (${how})`);
      finish({ status: 'failed', error: `${head} (${how})\n--- last output ---\n${tail.text()}` });
    });
  });
}
