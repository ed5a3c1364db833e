import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsFromLog, parseTrainerLine, LineSplitter } from '../../../src/core/training/events';
import { RunStore, foldRunEvents } from '../../../src/core/training/runStore';
import { tmpDir } from './helpers';

describe('RunStore', () => {
  it('folds append-only events into current run states', () => {
    const store = new RunStore(path.join(tmpDir('runs-'), '.rlhf', 'runs'));
    store.record('r1', { target: 'together', method: 'dpo', datasetHash: 'h1', status: 'starting', createdAt: '2026-01-01T00:00:00Z' }, '2026-01-01T00:00:00Z');
    store.record('r2', { target: 'local', method: 'reward', datasetHash: 'h2', status: 'starting', createdAt: '2026-01-01T00:00:01Z' }, '2026-01-01T00:00:01Z');
    store.record('r1', { status: 'running', remoteJobId: 'ft-1' }, '2026-01-01T00:01:00Z');
    store.record('r1', { status: 'succeeded', output: 'user/model' }, '2026-01-01T00:02:00Z');
    store.record('r1', { status: 'running' }, '2026-01-01T00:03:00Z'); // late poll: a finished run stays finished
    store.record('r2', { status: 'failed', error: 'boom' }, '2026-01-01T00:04:00Z');
    const { runs, invalid, bad } = store.load();
    expect(bad).toEqual([]);
    expect(invalid).toEqual([]);
    expect(runs).toEqual([
      { id: 'r1', target: 'together', method: 'dpo', datasetHash: 'h1', status: 'succeeded', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:03:00Z', remoteJobId: 'ft-1', output: 'user/model' },
      { id: 'r2', target: 'local', method: 'reward', datasetHash: 'h2', status: 'failed', createdAt: '2026-01-01T00:00:01Z', updatedAt: '2026-01-01T00:04:00Z', error: 'boom' },
    ]);
    expect(fs.readFileSync(store.file, 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('reports torn lines and runs without a first event instead of throwing', () => {
    const store = new RunStore(tmpDir('runs-bad-'));
    store.record('r1', { status: 'running' }, '2026-01-01T00:00:00Z');
    fs.appendFileSync(store.file, '{"v":1,"type":"run","ru');
    const res = store.load();
    expect(res.bad[0]).toMatchObject({ line: 2, error: 'incomplete last line (torn write)' });
    expect(res.invalid[0].runId).toBe('r1');
    expect(res.invalid[0].error).toMatch(/target/);
    expect(foldRunEvents([]).runs).toEqual([]);
  });
});

describe('trainer event parsing', () => {
  it('recognises event lines and leaves other text as log', () => {
    expect(parseTrainerLine('{"event":"log","step":3,"max_steps":12,"loss":0.5,"rewards/margins":0.2}')).toMatchObject({ event: 'log', step: 3 });
    expect(parseTrainerLine('{"loss": 0.5}')).toBeUndefined();
    expect(parseTrainerLine('{"event":"error"}')).toBeUndefined();
    expect(parseTrainerLine('{"event":"log", broken')).toBeUndefined();
    expect(metricsFromLog({ event: 'log', step: 3, max_steps: 12, epoch: 0.25, loss: 0.5, 'rewards/margins': 0.2, note: 'x' })).toEqual({
      step: 3,
      maxSteps: 12,
      epoch: 0.25,
      loss: 0.5,
      percent: 25,
      values: { step: 3, max_steps: 12, epoch: 0.25, loss: 0.5, 'rewards/margins': 0.2 },
    });
  });

  it('splits chunks into lines across boundaries', () => {
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l));
    s.push('ab');
    s.push('c\r\nde\nf');
    s.end();
    expect(got).toEqual(['abc', 'de', 'f']);
  });
});
