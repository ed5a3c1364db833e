import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractCode, fitIndent, splitBlocks } from '../../../src/core/review/blocks';
import { describeJudgment, guidelineVersion, judgmentProblems } from '../../../src/core/review/judgment';
import { ReviewSession } from '../../../src/core/review/session';
import type { QueueItem } from '../../../src/core/records';
import { PreferenceStore } from '../../../src/core/store/store';
import { WebviewMessageSchema } from '../../../src/protocol';

const item = (id: string, n = 3): QueueItem => ({
  id,
  prompt: { instruction: `do ${id}` },
  candidates: Array.from({ length: n }, (_, i) => ({ id: `${id}-${i}`, text: `answer ${i}` })),
  createdAt: '2026-01-01T00:00:00Z',
});

describe('blocks', () => {
  it('splits prose and fences, an unclosed fence running to the end', () => {
    expect(splitBlocks('Hi\n```py\nx = 1\n```\nbye\n~~~\nopen')).toEqual([
      { kind: 'prose', text: 'Hi' },
      { kind: 'code', text: 'x = 1', lang: 'py' },
      { kind: 'prose', text: 'bye' },
      { kind: 'code', text: 'open' },
    ]);
  });
  it('extracts the first block in the wanted language, else the first block, else all text', () => {
    const t = 'a\n```bash\nls\n```\n```python\nprint(1)\n```';
    expect(extractCode(t, 'python')).toBe('print(1)');
    expect(extractCode(t, 'py')).toBe('print(1)');
    expect(extractCode(t, 'go')).toBe('ls');
    expect(extractCode('just text')).toBe('just text');
  });
  it('indents unindented replacement code to the selection, leaves indented code alone', () => {
    expect(fitIndent('def f():\n    pass\n', '    def g():\n        pass\n')).toBe('    def f():\n        pass\n');
    expect(fitIndent('    x = 1', '    y = 2')).toBe('    x = 1');
    expect(fitIndent('x = 1', 'y = 2')).toBe('x = 1');
  });
});

describe('judgment checks', () => {
  const it3 = item('q');
  it('accepts a judgment naming only the item candidates', () => {
    expect(judgmentProblems(it3, { winner: 'q-1', ratings: { 'q-0': 3 }, tags: { 'q-2': ['style'] }, shownOrder: ['q-2', 'q-0', 'q-1'], rewrites: [{ candidateId: 'q-0', text: 'x' }] })).toEqual([]);
    expect(judgmentProblems(it3, { ranking: [['q-1'], ['q-0', 'q-2']] })).toEqual([]);
  });
  it('names every foreign id, incomplete rankings and bad shown orders', () => {
    const p = judgmentProblems(it3, { winner: 'evil', ratings: { x: 1 }, tags: { y: ['a'] }, rewrites: [{ candidateId: 'z', text: '' }], shownOrder: ['q-0', 'q-0', 'q-1'] });
    expect(p.join('\n')).toMatch(/winner names "evil"/);
    expect(p.join('\n')).toMatch(/ratings names "x"/);
    expect(p.join('\n')).toMatch(/tags names "y"/);
    expect(p.join('\n')).toMatch(/rewrites names "z"/);
    expect(p.join('\n')).toMatch(/shownOrder must list each candidate/);
    expect(judgmentProblems(it3, { ranking: [['q-1'], ['q-0']] })).toEqual(['ranking has 2 of the item\'s 3 candidates; rank every candidate']);
    expect(judgmentProblems(it3, { ranking: [['q-1'], ['q-1', 'q-0', 'q-2']] })).toEqual(['ranking lists q-1 twice']);
    expect(judgmentProblems(it3, { winner: 'tie', strength: 'clear' })).toEqual(['strength does not apply to tie']);
  });
  it('versions guidelines by front matter or content hash', () => {
    expect(guidelineVersion('---\ntitle: x\nversion: "2.1"\n---\nBe kind')).toBe('2.1');
    const a = guidelineVersion('Prefer correct code.');
    expect(a).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(guidelineVersion('Prefer correct code!')).not.toBe(a);
    expect(guidelineVersion('Prefer correct code.')).toBe(a);
  });
  it('describes judgments with the labels shown', () => {
    const label = (id: string) => ({ 'q-0': 'B', 'q-1': 'A', 'q-2': 'C' })[id]!;
    expect(describeJudgment({ winner: 'q-1' }, label)).toBe('A is better');
    expect(describeJudgment({ winner: 'q-1', strength: 'clear' }, label)).toBe('A is clearly better');
    expect(describeJudgment({ ranking: [['q-2'], ['q-0', 'q-1']] }, label)).toBe('ranking C > B = A');
    expect(describeJudgment({ winner: 'both_bad' }, label)).toBe('both bad');
  });
});

describe('panel messages', () => {
  it('rejects malformed votes and accepts well-formed ones', () => {
    expect(WebviewMessageSchema.safeParse({ type: 'vote', itemId: 'q', judgment: {} }).success).toBe(false);
    expect(WebviewMessageSchema.safeParse({ type: 'vote', itemId: 'q', judgment: { winner: 'q-1', ratings: { 'q-1': 9 } } }).success).toBe(false);
    expect(WebviewMessageSchema.safeParse({ type: 'vote', itemId: '', judgment: { winner: 'q-1' } }).success).toBe(false);
    expect(WebviewMessageSchema.safeParse({ type: 'eval', code: 'x' }).success).toBe(false);
    expect(WebviewMessageSchema.safeParse({ type: 'vote', itemId: 'q', judgment: { winner: 'q-1', strength: 'slight' }, apply: { candidateId: 'q-1' }, seq: 3 }).success).toBe(true);
  });
});

describe('session peekNext', () => {
  it('is the item after the current one, and the queue head while revisiting', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-review-'));
    const store = new PreferenceStore(dir);
    store.addItems([item('a', 2), item('b', 2), item('c', 2)]);
    const s = new ReviewSession(store);
    s.refresh();
    expect(s.current()!.id).toBe('a');
    expect(s.peekNext()!.id).toBe('b');
    s.vote('a', { winner: 'a-0', judgedAt: new Date().toISOString() });
    expect([s.current()!.id, s.peekNext()!.id]).toEqual(['b', 'c']);
    s.back();
    expect([s.current()!.id, s.peekNext()!.id]).toEqual(['a', 'b']);
    s.skip('a');
    s.vote('b', { winner: 'b-0', judgedAt: new Date().toISOString() });
    expect([s.current()!.id, s.peekNext()]).toEqual(['c', undefined]);
  });
});
