import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildTrainArgv } from '../../../src/core/training/argv';
import { LocalLauncher, checkPythonEnv, describeMissing, envRefusal, isSameProcess, processIdentity, useAccelerateFor } from '../../../src/core/training/local';
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

describe('accelerate launch for one GPU or many', () => {
  it('auto uses it whenever the env check says its launcher imports; never opts out', () => {
    expect(useAccelerateFor('auto', 1, { accelerate_launch: true })).toBe(true);
    expect(useAccelerateFor(undefined, 1, { accelerate_launch: true })).toBe(true);
    expect(useAccelerateFor('auto', 1, { accelerate_launch: false })).toBe(false);
    expect(useAccelerateFor('auto', 1, {})).toBe(false); // a report that does not vouch for it (a test trainer)
    expect(useAccelerateFor('auto', 1)).toBe(false);
    expect(useAccelerateFor('auto', 2)).toBe(true);
    expect(useAccelerateFor('never', 4, { accelerate_launch: true })).toBe(false);
    expect(useAccelerateFor('always', 1)).toBe(true);
  });

  it('names what is missing and why', () => {
    expect(describeMissing({ problems: ['torch 2.5.0 is installed but does not import: OSError: libcudart.so.12', 'accelerate is not installed'] }, ['torch'])).toBe(
      'lacks torch (torch 2.5.0 is installed but does not import: OSError: libcudart.so.12)',
    );
    expect(describeMissing({}, ['trl'])).toBe('lacks trl');
  });

  it('refuses with the report\'s own sentences and its full fix command (an old trl upgraded)', () => {
    const report = {
      missing: ['trl', 'accelerate', 'optimum'],
      problems: ['trl 0.11.0 is older than 0.16.0, the oldest this script runs on', 'accelerate is not installed', 'ONNX export needs optimum.exporters.onnx, which does not import: ModuleNotFoundError: No module named optimum'],
      fix: "/venv/bin/python -m pip install -U 'trl>=0.16.0' accelerate 'optimum[onnx]'",
    };
    const err = envRefusal(report, '.venv/bin/python')!;
    // One process runs on plain python: accelerate is not asked for, the rest is.
    expect(err.message).toBe(
      'the Python environment .venv/bin/python lacks trl, optimum (trl 0.11.0 is older than 0.16.0, the oldest this script runs on; ONNX export needs optimum.exporters.onnx, which does not import: ModuleNotFoundError: No module named optimum)',
    );
    expect(err.fix).toBe(report.fix);
    expect(envRefusal({ missing: ['accelerate'], fix: 'x', problems: ['accelerate is not installed'] }, 'python3')).toBeUndefined();
    expect(envRefusal({ missing: ['accelerate'], fix: 'x', problems: ['accelerate is not installed'] }, 'python3', { numProcesses: 2 })?.message).toBe('the Python environment python3 lacks accelerate (accelerate is not installed)');
    expect(envRefusal({ missing: ['accelerate'], fix: null }, 'python3', { accelerate: 'always', where: 'gpu1' })).toMatchObject({ message: 'gpu1: the Python environment python3 lacks accelerate', fix: 'python3 -m pip install -U accelerate' });
    expect(envRefusal({ missing: [], fix: null }, 'python3')).toBeUndefined();
  });

  // A trainer whose env check vouches for accelerate, and an `accelerate` whose launcher runs
  // the script in one process: the argv and the whole run are the real launcher's.
  function acceleratedTrainer(dir: string, vouch: boolean) {
    const pkg = path.join(dir, 'site', 'accelerate', 'commands');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(dir, 'site', 'accelerate', '__init__.py'), '');
    fs.writeFileSync(path.join(pkg, '__init__.py'), '');
    fs.writeFileSync(
      path.join(pkg, 'launch.py'),
      `import os, sys\nargs = sys.argv[1:]\nassert args[0] == "--num_processes", args\nprint("fake accelerate: %s process(es)" % args[1], flush=True)\nos.execv(sys.executable, [sys.executable] + args[2:])\n`,
    );
    const script = path.join(dir, 'trainer.py');
    fs.writeFileSync(
      script,
      `import json, runpy, sys\nif "--check-env" in sys.argv:\n    print(json.dumps({"event": "env", "python": "3", "accelerate": "1.6.0", "accelerate_launch": ${vouch ? 'True' : 'False'}, "cuda_devices": 1, "missing": [], "fix": None}))\n    sys.exit(0)\nsys.argv = [${JSON.stringify(FAKE_TRAINER)}] + sys.argv[1:]\nrunpy.run_path(${JSON.stringify(FAKE_TRAINER)}, run_name="__main__")\n`,
    );
    return { script, env: { ...process.env, PYTHONPATH: path.join(dir, 'site'), FAKE_TRAINER_STEPS: '2' } };
  }

  it('one process runs under accelerate launch when the check the caller ran reports it (skipEnvCheck + envReport)', async () => {
    const dir = tmpDir('local-accel-');
    const exp = makeExport(path.join(dir, 'data'));
    const t = acceleratedTrainer(dir, true);
    // As the extension does: check first, then launch with that report and no second check.
    const report = await checkPythonEnv('python3', t.script, t.env);
    expect(report.accelerate_launch).toBe(true);
    const rec = recorder();
    const l = new LocalLauncher({ python: 'python3', script: t.script, accelerate: 'auto', skipEnvCheck: true, envReport: report, numProcesses: 1, env: t.env, followMs: 50 });
    const final = await (await l.start(spec(dir, 'run-accel', exp.hash), rec.hooks)).done;
    expect(final.status).toBe('succeeded');
    expect(rec.logs[0]).toMatch(/^\$ python3 -m accelerate\.commands\.launch --num_processes 1 .*trainer\.py --method dpo/);
    expect(rec.logs).toContain('fake accelerate: 1 process(es)');
  });

  it('its own env check decides too; a report that does not vouch for accelerate keeps plain python', async () => {
    const dir = tmpDir('local-accel-own-');
    const exp = makeExport(path.join(dir, 'data'));
    const yes = acceleratedTrainer(path.join(dir, 'yes'), true);
    const rec = recorder();
    await (await new LocalLauncher({ python: 'python3', script: yes.script, env: yes.env, followMs: 50 }).start(spec(dir, 'run-own', exp.hash), rec.hooks)).done;
    expect(rec.logs[0]).toMatch(/^\$ python3 -m accelerate\.commands\.launch --num_processes 1 /);
    const no = acceleratedTrainer(path.join(dir, 'no'), false);
    const rec2 = recorder();
    const final = await (await new LocalLauncher({ python: 'python3', script: no.script, env: no.env, followMs: 50 }).start(spec(dir, 'run-plain', exp.hash), rec2.hooks)).done;
    expect(final.status).toBe('succeeded');
    expect(rec2.logs[0]).toMatch(/^\$ python3 \S*trainer\.py --method dpo/);
    // Nothing is remembered between checks: skipping the check without a report, or with one
    // that does not vouch for the launcher, keeps plain python; 'never' opts out.
    const rec5 = recorder();
    await (await new LocalLauncher({ python: 'python3', script: yes.script, env: yes.env, skipEnvCheck: true, followMs: 50 }).start(spec(dir, 'run-noreport', exp.hash), rec5.hooks)).done;
    expect(rec5.logs[0]).toMatch(/^\$ python3 \S*trainer\.py /);
    const rec3 = recorder();
    await (await new LocalLauncher({ python: 'python3', script: yes.script, env: yes.env, skipEnvCheck: true, envReport: { missing: [], fix: null }, followMs: 50 }).start(spec(dir, 'run-report', exp.hash), rec3.hooks)).done;
    expect(rec3.logs[0]).toMatch(/^\$ python3 \S*trainer\.py /);
    const rec4 = recorder();
    await (await new LocalLauncher({ python: 'python3', script: yes.script, env: yes.env, accelerate: 'never', followMs: 50 }).start(spec(dir, 'run-never', exp.hash), rec4.hooks)).done;
    expect(rec4.logs[0]).toMatch(/^\$ python3 \S*trainer\.py /);
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
    // Imported for real (a broken install counts as missing); an old trl is missing too.
    const probe = `import importlib, json
def bad(n):
    try:
        importlib.import_module(n)
    except Exception:
        return True
    return False
print(json.dumps([n for n in ("torch","transformers","trl","accelerate","datasets") if bad(n)]))`;
    const expected = JSON.parse(execFileSync('python3', ['-c', probe], { encoding: 'utf8' }));
    expect(env.missing.filter((m) => m !== 'trl')).toEqual(expected.filter((m: string) => m !== 'trl'));
    expect(env.min_trl).toMatch(/^\d+\.\d+/);
    for (const m of expected) expect(env.errors?.[m]).toMatch(/Error/);
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

  it('asks the env check about peft and the ONNX exporter when the run needs them', async () => {
    const env = await checkPythonEnv('python3', REAL_SCRIPT, undefined, true, true);
    expect(typeof env.onnx_export).toBe('boolean');
    if (!env.onnx_export) expect(env.missing).toContain('optimum');
    if (env.peft === null) expect(env.missing).toContain('peft');
    expect((await checkPythonEnv('python3', REAL_SCRIPT)).onnx_export).toBeNull();
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
