import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { followTrainer } from '../../../src/core/training/process';
import { RunStore } from '../../../src/core/training/runStore';
import { reattachTracked } from '../../../src/core/training/tracked';
import type { LaunchHooks, RunHandle, RunRecord, TrainingLauncher } from '../../../src/core/training/types';
import { recorder, tmpDir } from './helpers';

// A trainer that reports a reward model exported to ONNX, as rlhf_train.py does with --export-onnx.
const DONE_WITH_ONNX = 'import json; print(json.dumps({"event": "start"})); print(json.dumps({"event": "log", "step": 1, "max_steps": 1, "loss": 0.5})); print(json.dumps({"event": "done", "output_dir": "/tmp/m", "onnx_dir": "/tmp/m/onnx"}))';

describe('tracked runs', () => {
  it('a finished reward run carries its ONNX folder into the status and the run record', async () => {
    const child = spawn('python3', ['-c', DONE_WITH_ONNX], { stdio: ['ignore', 'pipe', 'pipe'] });
    const s = await followTrainer(child, recorder().hooks, () => false);
    expect(s).toEqual({ status: 'succeeded', output: '/tmp/m', onnxDir: '/tmp/m/onnx' });
  });

  it('reattachTracked follows a recorded run with its launcher and records how it ended', async () => {
    const store = new RunStore(path.join(tmpDir('tracked-'), 'runs'));
    store.record('r1', { target: 'local', method: 'reward', datasetHash: 'h', status: 'running', createdAt: '2026-01-01T00:00:00Z', pid: 42 });
    const launcher: TrainingLauncher = {
      target: 'local',
      start: () => Promise.reject(new Error('not used')),
      cancel: () => Promise.resolve(),
      // Follows a real process, the way SSH reattach follows `tail` of the remote log.
      reattach: async (rec: RunRecord, hooks: LaunchHooks): Promise<RunHandle> => {
        const child = spawn('python3', ['-c', DONE_WITH_ONNX], { stdio: ['ignore', 'pipe', 'pipe'] });
        return { runId: rec.id, target: 'local', done: followTrainer(child, hooks, () => false) };
      },
    };
    const rec = recorder();
    const h = await reattachTracked(store, launcher, store.get('r1')!, rec.hooks, { metricsEveryMs: 0 });
    expect((await h.done).status).toBe('succeeded');
    expect(store.get('r1')).toMatchObject({ status: 'succeeded', output: '/tmp/m', onnxDir: '/tmp/m/onnx', metrics: { step: 1, maxSteps: 1, percent: 100, loss: 0.5 } });
    expect(rec.metrics).toHaveLength(1);
  });

  it('reattachTracked refuses a launcher that cannot follow runs again', async () => {
    const store = new RunStore(tmpDir('tracked-none-'));
    const launcher: TrainingLauncher = { target: 'local', start: () => Promise.reject(new Error('x')), cancel: () => Promise.resolve() };
    await expect(reattachTracked(store, launcher, { id: 'r', target: 'local', method: 'dpo', datasetHash: 'h', status: 'running', createdAt: '', updatedAt: '' }, recorder().hooks)).rejects.toThrow(/cannot be followed again/);
  });
});
