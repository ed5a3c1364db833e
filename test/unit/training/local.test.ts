import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildTrainArgv } from '../../../src/core/training/argv';
import { LocalLauncher, checkPythonEnv, isSameProcess, processIdentity } from '../../../src/core/training/local';
import { RunStore } from '../../../src/core/training/runStore';
import { reattachTracked, startTracked } from '../../../src/core/training/tracked';
import { LaunchError, type RunSpec } from '../../../src/core/training/types';
import { FAKE_TRAINER, REAL_SCRIPT, makeExport, pidAlive, recorder, tmpDir, waitFor } from './helpers';

function spec(dir: string, id: string, hash: string): RunSpec {
  return { id, method: 'dpo', datasetDir: path.join(dir, 'data'), datasetHash: hash, model: 'tiny-model', epochs: 2, beta: 0.2, outputDir: path.join(dir, 'out', id) };
}

function launcher(mode: string, extra: Record<string, string> = {}) {
  return new LocalLauncher({
    followMs: 50,
    python: 'python3',
    script: FAKE_TRAINER,
    accelerate: 'never',
    killGraceMs: 3_000,
    env: { ...process.env, FAKE_TRAINER_MODE: mode, ...extra },
  });
}

describe('buildTrainArgv', () => {
  it('builds an accelerate launch argv from the spec, and a plain one without accelerate', () => {
    const s: RunSpec = { id: 'r', method: 'dpo', datasetDir: '/d', datasetHash: 'h', model: 'm', epochs: 1, learningRate: 5e-6, beta: 0.1, useLora: true, loraR: 8, loraAlpha: 16 };
    expect(buildTrainArgv(s, { python: '/venv/bin/python', script: '/x/rlhf_train.py', dataDir: '/d', outputDir: '/o', numProcesses: 2, useAccelerate: true })).toEqual({
      command: '/venv/bin/python',
      args: ['-m', 'accelerate.commands.launch', '--num_processes', '2', '/x/rlhf_train.py', '--method', 'dpo', '--data', '/d', '--output', '/o', '--model', 'm', '--epochs', '1', '--lr', '0.000005', '--beta', '0.1', '--use-peft', '--lora-r', '8', '--lora-alpha', '16'],
    });
    const plain = buildTrainArgv({ ...s, useLora: false, method: 'reward' }, { python: 'py', script: 's.py', dataDir: 'd', outputDir: 'o', useAccelerate: false, exportOnnx: true });
    expect(plain.args.slice(0, 3)).toEqual(['s.py', '--method', 'reward']);
    expect(plain.args).toContain('--export-onnx');
    expect(plain.args).not.toContain('--use-peft');
  });
});

describe('LocalLauncher (real child processes, fake trainer sharing the real event code)', () => {
  it('runs to success: status, metrics with percent, output; recorded in the run store', async () => {
    const dir = tmpDir('local-ok-');
    const exp = makeExport(path.join(dir, 'data'));
    const rec = recorder();
    const store = new RunStore(path.join(dir, 'runs'));
    const h = await startTracked(store, launcher('success', { FAKE_TRAINER_STEPS: '4' }), spec(dir, 'run-ok', exp.hash), rec.hooks, { metricsEveryMs: 0 });
    const final = await h.done;
    expect(final.status).toBe('succeeded');
    expect(final.output).toBe(path.join(dir, 'out', 'run-ok'));
    expect(fs.readFileSync(path.join(dir, 'out', 'run-ok', 'model.txt'), 'utf8')).toContain('6 examples');
    expect(rec.metrics.map((m) => m.percent)).toEqual([25, 50, 75, 100]);
    expect(rec.metrics[3].values?.['rewards/accuracies']).toBeCloseTo(0.9);
    expect(rec.metrics[0].epoch).toBeCloseTo(0.5);
    expect(rec.statuses.map((s) => s.status)).toEqual(['starting', 'running', 'succeeded']);
    expect(rec.logs).toContain('Loading checkpoint shards: 100%|##########| 2/2');
    expect(rec.logs[0]).toMatch(/^\$ python3 .*fake_trainer\.py --method dpo --data .* --model tiny-model --epochs 2 --beta 0\.2/);
    const run = store.get('run-ok')!;
    expect(run).toMatchObject({ target: 'local', method: 'dpo', datasetHash: exp.hash, status: 'succeeded', pid: h.pid });
    expect(run.metrics?.step).toBe(4);
  });

  it('a crash fails with the error and the last lines of output', async () => {
    const dir = tmpDir('local-crash-');
    const exp = makeExport(path.join(dir, 'data'));
    const rec = recorder();
    const h = await launcher('crash').start(spec(dir, 'run-crash', exp.hash), rec.hooks);
    const final = await h.done;
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(/trainer failed \(exit code 1\)/);
    expect(final.error).toContain('Traceback (most recent call last):');
    expect(final.error).toContain('RuntimeError: CUDA out of memory (fake)');
    expect(rec.metrics.length).toBe(2);
  });

  it('cancel kills the whole process group, including a spawned child', async () => {
    const dir = tmpDir('local-cancel-');
    const exp = makeExport(path.join(dir, 'data'));
    const rec = recorder();
    const l = launcher('spawn');
    const h = await l.start(spec(dir, 'run-cancel', exp.hash), rec.hooks);
    await rec.until(() => rec.logs.some((x) => x.startsWith('child-pid ')) && rec.metrics.length > 0);
    const childPid = Number(rec.logs.find((x) => x.startsWith('child-pid '))!.split(' ')[1]);
    expect(pidAlive(childPid)).toBe(true);
    await l.cancel(h);
    const final = await h.done;
    expect(final.status).toBe('cancelled');
    expect(await waitFor(() => !pidAlive(childPid))).toBe(true);
    expect(pidAlive(h.pid!)).toBe(false);
  });

  it('env check with the real script names missing packages and the pip fix', async () => {
    const dir = tmpDir('local-env-');
    const exp = makeExport(path.join(dir, 'data'));
    const env = await checkPythonEnv('python3', REAL_SCRIPT);
    const expected = JSON.parse(
      execFileSync('python3', ['-c', 'import importlib.util as u, json; print(json.dumps([n for n in ("torch","transformers","trl","accelerate","datasets") if u.find_spec(n) is None]))'], { encoding: 'utf8' }),
    );
    expect(env.missing).toEqual(expected);
    const real = new LocalLauncher({ python: 'python3', script: REAL_SCRIPT });
    const store = new RunStore(path.join(dir, 'runs'));
    const required = expected.filter((m: string) => m !== 'accelerate');
    if (required.length === 0) return; // a full TRL install: nothing to refuse
    const err = await startTracked(store, real, spec(dir, 'run-env', exp.hash), recorder().hooks).catch((e) => e);
    expect(err).toBeInstanceOf(LaunchError);
    expect(err.message).toContain(required[0]);
    expect(err.fix).toMatch(/pip install .*torch/);
    expect(store.get('run-env')).toMatchObject({ status: 'failed', error: expect.stringContaining('pip install') });
  });

  it('a missing interpreter is a clear LaunchError', async () => {
    const err = await checkPythonEnv('/nonexistent/python', REAL_SCRIPT).catch((e) => e);
    expect(err).toBeInstanceOf(LaunchError);
    expect(err.message).toMatch(/cannot run \/nonexistent\/python/);
  });
});

describe('LocalLauncher after a window reload (the trainer outlives the follower)', () => {
  // A new launcher with no memory of the run, as in the reloaded window; it only has the record.
  const fresh = () => new LocalLauncher({ python: 'python3', script: FAKE_TRAINER, killGraceMs: 3_000, followMs: 50 });

  it('the trainer writes to its log file; a fresh launcher reattaches from the record, sees metrics continue, and the run finish', async () => {
    const dir = tmpDir('local-reattach-');
    const exp = makeExport(path.join(dir, 'data'));
    const store = new RunStore(path.join(dir, 'runs'));
    const first = launcher('success', { FAKE_TRAINER_STEPS: '8', FAKE_TRAINER_DELAY: '0.4' });
    const before = recorder();
    const h = await startTracked(store, first, spec(dir, 'run-reload', exp.hash), before.hooks, { metricsEveryMs: 0 });
    await before.until(() => before.metrics.length >= 2);
    first.detach('run-reload'); // the window closes
    expect((await h.done).status).toBe('running');
    const rec = store.get('run-reload')!;
    expect(rec).toMatchObject({ status: 'running', pid: h.pid, trainerLog: h.trainerLog });
    expect(pidAlive(h.pid!)).toBe(true);
    expect(fs.readFileSync(rec.trainerLog!, 'utf8')).toContain('{"event":"log","step":2');

    const after = recorder();
    const h2 = await reattachTracked(store, fresh(), rec, after.hooks, { metricsEveryMs: 0 });
    const final = await h2.done;
    expect(final).toMatchObject({ status: 'succeeded', output: path.join(dir, 'out', 'run-reload') });
    // The first metrics come from reading the log again; later steps arrive as they are written.
    const steps = after.metrics.map((m) => m.step!);
    expect(steps[0]).toBeGreaterThanOrEqual(2);
    expect(steps.at(-1)).toBe(8);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(after.logs.some((l) => /following .*run-reload\.trainer\.log again from byte \d+/.test(l))).toBe(true);
    expect(store.get('run-reload')).toMatchObject({ status: 'succeeded', metrics: { step: 8, percent: 100 }, output: path.join(dir, 'out', 'run-reload') });
  });

  it('reattaching to a run that crashed meanwhile fails it with the last lines of its log', async () => {
    const dir = tmpDir('local-reattach-crash-');
    const exp = makeExport(path.join(dir, 'data'));
    const store = new RunStore(path.join(dir, 'runs'));
    const first = launcher('crash', { FAKE_TRAINER_DELAY: '0.3' });
    const h = await startTracked(store, first, spec(dir, 'run-crashed', exp.hash), recorder().hooks, { metricsEveryMs: 0 });
    first.detach('run-crashed');
    await h.done;
    expect(await waitFor(() => !pidAlive(h.pid!), 15_000)).toBe(true);
    const rec = recorder();
    const final = await (await reattachTracked(store, fresh(), store.get('run-crashed')!, rec.hooks)).done;
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(/^trainer ended without a "done" or "error" event \(exit status unknown/);
    expect(final.error).toContain('RuntimeError: CUDA out of memory (fake)');
    expect(rec.metrics.at(-1)?.step).toBe(2);
    expect(store.get('run-crashed')).toMatchObject({ status: 'failed', error: expect.stringContaining('CUDA out of memory') });
  });

  it('an "error" event settles a finished run as failed with its message', async () => {
    const dir = tmpDir('local-reattach-error-');
    const log = path.join(dir, 'trainer.log');
    fs.writeFileSync(log, '{"event": "start"}\n{"event": "log", "step": 1, "max_steps": 4, "loss": 0.9}\n{"event": "error", "message": "ValueError: bad data"}\n');
    const dead = execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
    const final = await (
      await fresh().reattach({ id: 'r-err', target: 'local', method: 'dpo', datasetHash: 'h', status: 'running', createdAt: '', updatedAt: '', pid: Number(dead), trainerLog: log }, recorder().hooks)
    ).done;
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(/^ValueError: bad data \(exit status unknown/);
  });

  it('cancel after reattach kills the whole process group', async () => {
    const dir = tmpDir('local-reattach-cancel-');
    const exp = makeExport(path.join(dir, 'data'));
    const store = new RunStore(path.join(dir, 'runs'));
    const first = launcher('spawn');
    const before = recorder();
    const h = await startTracked(store, first, spec(dir, 'run-rc', exp.hash), before.hooks, { metricsEveryMs: 0 });
    await before.until(() => before.logs.some((x) => x.startsWith('child-pid ')) && before.metrics.length > 0);
    const childPid = Number(before.logs.find((x) => x.startsWith('child-pid '))!.split(' ')[1]);
    first.detach('run-rc');
    await h.done;
    const second = fresh();
    const after = recorder();
    const h2 = await reattachTracked(store, second, store.get('run-rc')!, after.hooks, { metricsEveryMs: 0 });
    expect(after.metrics.at(-1)?.step).toBe(1);
    expect(after.statuses.map((s) => s.status)).toEqual(['running']);
    await second.cancel(h2);
    expect((await h2.done).status).toBe('cancelled');
    expect(await waitFor(() => !pidAlive(childPid) && !pidAlive(h.pid!))).toBe(true);
    expect(store.get('run-rc')?.status).toBe('cancelled');
  });

  it('a recorded pid that now names another process is never followed or signalled', async () => {
    const dir = tmpDir('local-reattach-reused-');
    const exp = makeExport(path.join(dir, 'data'));
    const store = new RunStore(path.join(dir, 'runs'));
    const h = await startTracked(store, launcher('success', { FAKE_TRAINER_STEPS: '2' }), spec(dir, 'run-old', exp.hash), recorder().hooks, { metricsEveryMs: 0 });
    await h.done;
    const rec = store.get('run-old')!;
    expect(rec.procStart).toMatch(/^[0-9a-f-]*:\d+$/);
    // The machine "restarted": the record's pid is now an unrelated process group leader.
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const reused = { ...rec, status: 'running' as const, pid: stranger.pid! };
      const second = fresh();
      const after = recorder();
      const h2 = await second.reattach(reused, after.hooks);
      // Settled from the log at once, instead of waiting for the stranger to exit.
      expect((await h2.done).status).toBe('succeeded');
      expect(after.logs.some((l) => l.includes(`process ${stranger.pid} is no longer this run's trainer`))).toBe(true);
      await second.cancel(h2);
      expect(pidAlive(stranger.pid!)).toBe(true);
      // The same pid with its own identity is followed as before.
      expect(isSameProcess(stranger.pid!, processIdentity(stranger.pid!))).toBe(true);
      expect(isSameProcess(stranger.pid!, rec.procStart)).toBe(false);
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('reattach refuses a record without a trainer log', async () => {
    await expect(fresh().reattach({ id: 'r', target: 'local', method: 'dpo', datasetHash: 'h', status: 'running', createdAt: '', updatedAt: '', pid: 12345 }, recorder().hooks)).rejects.toThrow(/no trainer log recorded/);
  });
});
