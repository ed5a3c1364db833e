import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueItem } from '../../../src/core/records';
import { ReviewSession } from '../../../src/core/review/session';
import { appendJsonl } from '../../../src/core/store/jsonl';
import { importQueueText } from '../../../src/core/store/importQueue';
import { PreferenceStore, pendingItems } from '../../../src/core/store/store';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-store-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const item = (id: string, n = 2): QueueItem => ({
  id,
  prompt: { instruction: `task ${id}` },
  candidates: Array.from({ length: n }, (_, k) => ({ id: `${id}-c${k}`, text: `answer ${k} for ${id}` })),
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('PreferenceStore', () => {
  it('writes one JSON record per line and reads it back', () => {
    const store = new PreferenceStore(dir);
    store.addItems([item('q1'), item('q2')]);
    const rec = store.saveJudgment(item('q1'), { winner: 'q1-c1', tags: { 'q1-c0': ['incorrect'] }, judgedAt: '2026-01-02T00:00:00.000Z' });
    const text = fs.readFileSync(store.preferencesFile, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(text)).toMatchObject({ v: 1, type: 'preference', id: rec.id, itemId: 'q1', judgment: { winner: 'q1-c1' } });
    const snap = store.load();
    expect(snap.items.map((i) => i.id)).toEqual(['q1', 'q2']);
    expect(snap.records).toHaveLength(1);
    expect(pendingItems(snap.items, snap).map((i) => i.id)).toEqual(['q2']);
    expect(fs.readFileSync(path.join(dir, '.gitattributes'), 'utf8')).toContain('merge=union');
  });

  it('rejects a judgment with neither winner nor ranking', () => {
    const store = new PreferenceStore(dir);
    expect(() => store.saveJudgment(item('q1'), { judgedAt: 'now' })).toThrow(/winner or a ranking/);
    expect(fs.existsSync(store.preferencesFile)).toBe(false);
  });

  it('skips, reports and keeps aside corrupt and torn lines without rewriting the file', () => {
    const store = new PreferenceStore(dir);
    store.saveJudgment(item('q1'), { winner: 'tie', judgedAt: 'now' });
    fs.appendFileSync(store.preferencesFile, 'this is not json\n{"v":1,"type":"preference","id":"x"}\n');
    store.saveJudgment(item('q2'), { winner: 'q2-c0', judgedAt: 'now' });
    fs.appendFileSync(store.preferencesFile, '{"v":1,"type":"pref'); // torn write
    const original = fs.readFileSync(store.preferencesFile, 'utf8');
    const snap = store.load();
    expect(snap.records.map((r) => r.itemId)).toEqual(['q1', 'q2']);
    expect(snap.bad.map((b) => [b.file, b.line])).toEqual([
      ['preferences.jsonl', 2],
      ['preferences.jsonl', 3],
      ['preferences.jsonl', 5],
    ]);
    expect(snap.bad[0].error).toMatch(/not JSON/);
    expect(snap.bad[1].error).toMatch(/itemId/);
    expect(snap.bad[2].error).toMatch(/torn/);
    expect(fs.readFileSync(store.preferencesFile, 'utf8')).toBe(original);
    // Kept aside once, however often the store is loaded.
    store.load();
    const aside = fs.readFileSync(store.corruptFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(aside.map((a: { line: number }) => a.line)).toEqual([2, 3, 5]);
    expect(aside[2].text).toBe('{"v":1,"type":"pref');
  });

  it('says a line from a newer schema version needs a newer extension, and keeps it', () => {
    const store = new PreferenceStore(dir);
    store.saveJudgment(item('q1'), { winner: 'tie', judgedAt: 'now' });
    fs.appendFileSync(store.preferencesFile, '{"v":2,"type":"preference","id":"future"}\n');
    const snap = store.load();
    expect(snap.records).toHaveLength(1);
    expect(snap.bad).toHaveLength(1);
    expect(snap.bad[0]).toMatchObject({ line: 2, error: expect.stringMatching(/newer RLHF Review \(schema v2, this one reads v1\): update the extension/) });
    expect(JSON.parse(fs.readFileSync(store.corruptFile, 'utf8').trim()).text).toBe('{"v":2,"type":"preference","id":"future"}');
  });

  it('starts a new line after a torn write so the next record stays readable', () => {
    const store = new PreferenceStore(dir);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(store.preferencesFile, '{"v":1,"ty');
    const rec = store.saveJudgment(item('q1'), { winner: 'q1-c0', judgedAt: 'now' });
    const snap = store.load();
    expect(snap.records.map((r) => r.id)).toEqual([rec.id]);
    expect(snap.bad).toHaveLength(1);
  });

  it('appends from two processes at once without interleaving', async () => {
    const { spawn } = await import('node:child_process');
    const writer = path.resolve(__dirname, '../../fixtures/store/writer.ts');
    const run = (tag: string) =>
      new Promise<number>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', writer, dir, '150', tag], { stdio: ['ignore', 'pipe', 'pipe'] });
        let acks = 0;
        let err = '';
        p.stdout.on('data', (d: Buffer) => (acks += d.toString().split('\n').filter((l) => l.startsWith('ack ')).length));
        p.stderr.on('data', (d: Buffer) => (err += d));
        p.on('exit', (code) => (code === 0 ? resolve(acks) : reject(new Error(`writer ${tag} exited ${code}: ${err}`))));
      });
    const acks = await Promise.all([run('w1'), run('w2')]);
    expect(acks).toEqual([150, 150]);
    const snap = new PreferenceStore(dir).load();
    expect(snap.bad).toEqual([]);
    expect(snap.records).toHaveLength(300);
  });
});

describe('queue import', () => {
  it('imports good lines and names each bad one', () => {
    const text = [
      JSON.stringify({ prompt: 'Sort', context: { language: 'python' }, candidates: [{ text: 'a' }, { text: 'b', model: 'm' }] }),
      '',
      '{"prompt": ',
      JSON.stringify({ prompt: '', candidates: [{ text: 'a' }, { text: 'b' }] }),
      JSON.stringify({ prompt: 'One', candidates: [{ text: 'a' }] }),
      JSON.stringify({ prompt: 'Two', candidates: [{ text: 'a' }, { nottext: 1 }] }),
    ].join('\n');
    const r = importQueueText(text, { kind: 'import', file: 'x.jsonl' });
    expect(r.total).toBe(5);
    expect(r.items).toHaveLength(1);
    expect(r.items[0].candidates[1]).toMatchObject({ text: 'b', model: 'm', source: 'import' });
    expect(r.items[0].origin).toMatchObject({ kind: 'import', line: 1 });
    expect(r.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(r.errors[0].error).toMatch(/not valid JSON/);
    expect(r.errors[1].error).toMatch(/prompt/);
    expect(r.errors[2].error).toMatch(/at least 2 candidates/);
    expect(r.errors[3].error).toMatch(/candidates\.1\.text/);
  });

  it('gives the same line the same id, so a re-import adds nothing', () => {
    const line = JSON.stringify({ prompt: 'Sort', candidates: [{ text: 'a' }, { text: 'b' }] });
    expect(importQueueText(line, { kind: 'import' }).items[0].id).toBe(importQueueText(line + '\n', { kind: 'import' }).items[0].id);
  });
});

describe('ReviewSession', () => {
  it('walks the queue: vote, skip, undo, back', () => {
    const store = new PreferenceStore(dir);
    store.addItems([item('q1'), item('q2'), item('q3', 3)]);
    const s = new ReviewSession(store);
    s.refresh();
    expect(s.current()!.id).toBe('q1');
    s.skip('q1');
    expect(s.pending().map((i) => i.id)).toEqual(['q2', 'q3', 'q1']);
    const r2 = s.vote('q2', { winner: 'q2-c1', judgedAt: 'now' });
    expect(s.current()!.id).toBe('q3');
    expect(s.progress()).toEqual({ done: 1, total: 3 });
    const undone = s.undo();
    expect(undone!.id).toBe(r2.id);
    expect(s.current()!.id).toBe('q2');
    expect(s.progress()).toEqual({ done: 0, total: 3 });
    s.vote('q2', { winner: 'both_bad', judgedAt: 'now' });
    expect(s.back()!.id).toBe('q2');
    // Re-judging replaces the earlier record (retracted, not rewritten).
    s.vote('q2', { winner: 'tie', judgedAt: 'now' });
    expect(s.activeRecords().filter((r) => r.itemId === 'q2').map((r) => r.judgment.winner)).toEqual(['tie']);
    const lines = fs.readFileSync(store.preferencesFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
    expect(lines).toEqual(['preference', 'retract', 'preference', 'preference', 'retract']);
  });

  it('goes back one judged item per step, once per item, and stops at the first', () => {
    const store = new PreferenceStore(dir);
    store.addItems([item('q1'), item('q2'), item('q3'), item('q4')]);
    const s = new ReviewSession(store);
    s.refresh();
    for (const id of ['q1', 'q2', 'q3']) s.vote(id, { winner: 'tie', judgedAt: 'now' });
    expect(s.current()!.id).toBe('q4');
    expect(s.back()!.id).toBe('q3');
    s.vote('q3', { winner: 'both_bad', judgedAt: 'now' }); // re-judged: still one stop
    expect(s.back()!.id).toBe('q3');
    expect(s.back()!.id).toBe('q2');
    expect(s.back()!.id).toBe('q1');
    expect(s.back()).toBeUndefined();
    expect(s.current()!.id).toBe('q1');
    s.skip('q1'); // leaving the revisited item returns to the queue
    expect(s.current()!.id).toBe('q4');
  });

  it('uses the sample queue only while the workspace has no items', () => {
    const store = new PreferenceStore(dir);
    const s = new ReviewSession(store, { sampleItems: [item('s1'), item('s2')] });
    s.refresh();
    expect(s.usingSamples).toBe(true);
    expect(s.pending().map((i) => i.id)).toEqual(['s1', 's2']);
    s.vote('s1', { winner: 's1-c0', judgedAt: 'now' });
    expect(s.progress()).toEqual({ done: 1, total: 2 });
    store.addItems([item('w1')]);
    s.refresh();
    expect(s.usingSamples).toBe(false);
    expect(s.pending().map((i) => i.id)).toEqual(['w1']);
  });
});

describe('appendJsonl', () => {
  it('creates missing folders', () => {
    const f = path.join(dir, 'a', 'b', 'x.jsonl');
    appendJsonl(f, [{ a: 1 }, { a: 2 }]);
    expect(fs.readFileSync(f, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });
});
