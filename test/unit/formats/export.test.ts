import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXPORT_FORMATS,
  exportDataset,
  promptText,
  splitBucket,
  writeExport,
  type ExportFormat,
} from '../../../src/core/formats';
import { PreferenceRecordSchema, type PreferenceRecord } from '../../../src/core/records';

// Records are parsed through the real schema so tests cannot drift from the store shape.
function rec(id: string, cands: Record<string, string>, judgment: Record<string, unknown>, context = true): PreferenceRecord {
  return PreferenceRecordSchema.parse({
    v: 1,
    type: 'preference',
    id,
    itemId: 'item-' + id,
    prompt: {
      instruction: 'Fix the off-by-one in loop',
      ...(context
        ? {
            context: {
              filePath: 'src/secret/app.ts',
              language: 'typescript',
              selection: { startLine: 3, endLine: 4, text: 'for (let i = 0; i <= n; i++) {}' },
              fileContent: 'const TOPSECRET = 1;\nfor (let i = 0; i <= n; i++) {}\n',
            },
          }
        : {}),
    },
    candidates: Object.entries(cands).map(([cid, text]) => ({ id: cid, text })),
    judgment: { judgedAt: '2026-01-01T00:00:00Z', ...judgment },
  });
}

const lines = (s: string) => (s ? s.trimEnd().split('\n').map((l) => JSON.parse(l)) : []);

const winner = rec('r-win', { a: 'use i < n', b: 'use i <= n' }, { winner: 'a', strength: 'clear' });
const ranked = rec('r-rank', { a: 'A', b: 'B', c: 'C', d: 'D' }, { ranking: [['a'], ['b', 'c'], ['d']] });
const tie = rec('r-tie', { a: 'x', b: 'y' }, { winner: 'tie' });
const bothBad = rec('r-bad', { a: 'bad1', b: 'bad2' }, { winner: 'both_bad' });
const rewrite = rec('r-rw', { a: 'meh', b: 'worse' }, { winner: 'a', rewrites: [{ candidateId: 'a', text: 'great' }] });
const all = [winner, ranked, tie, bothBad, rewrite];

describe('promptText', () => {
  it('puts path, language and a fenced selection after the instruction', () => {
    const t = promptText(winner.prompt);
    expect(t.startsWith('Fix the off-by-one in loop\n\n')).toBe(true);
    expect(t).toContain('File: src/secret/app.ts');
    expect(t).toContain('```typescript\nfor (let i = 0; i <= n; i++) {}\n```');
    expect(t).not.toContain('TOPSECRET');
    expect(promptText(winner.prompt, { includeFileContent: true })).toContain('TOPSECRET');
  });
  it('noCode keeps only the instruction', () => {
    expect(promptText(winner.prompt, { noCode: true, includeFileContent: true })).toBe('Fix the off-by-one in loop');
  });
  it('uses a longer fence when the code contains backticks', () => {
    const r = rec('f', { a: '1', b: '2' }, { winner: 'a' });
    r.prompt.context!.selection!.text = 'const s = `x```;';
    expect(promptText(r.prompt)).toContain('````typescript\nconst s = `x```;\n````');
  });
});

describe('exportDataset mapping rules', () => {
  it('trl-preference: winner pair, all ordered ranking pairs, rewrite pair; ties/both-bad none', () => {
    const res = exportDataset(all, { format: 'trl-preference' });
    const rows = lines(res.train);
    const pairs = rows.map((r) => `${r.chosen}>${r.rejected}`).sort();
    expect(pairs).toEqual(
      ['use i < n>use i <= n', 'A>B', 'A>C', 'A>D', 'B>D', 'C>D', 'meh>worse', 'great>meh'].sort(),
    );
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['chosen', 'prompt', 'rejected']);
    expect(res.report.counts.pairs).toEqual({ winner: 2, ranking: 5, rewrite: 1 });
    expect(res.report.counts.recordsWithoutExamples).toBe(2);
    expect(res.report.warnings.some((w) => w.includes('r-tie') && w.includes('tie'))).toBe(true);
    expect(res.report.warnings.some((w) => w.includes('r-bad') && w.includes('both bad'))).toBe(true);
    expect(res.report.errors).toEqual([]);
  });

  it('trl-conversational: explicit user prompt and one assistant message per side', () => {
    const [row] = lines(exportDataset([winner], { format: 'trl-conversational' }).train);
    expect(row.prompt).toEqual([{ role: 'user', content: promptText(winner.prompt) }]);
    expect(row.chosen).toEqual([{ role: 'assistant', content: 'use i < n' }]);
    expect(row.rejected).toEqual([{ role: 'assistant', content: 'use i <= n' }]);
  });

  it('openai-dpo rows have exactly the documented shape', () => {
    const rows = lines(exportDataset([winner], { format: 'openai-dpo', noCode: true }).train);
    expect(rows).toEqual([
      {
        input: { messages: [{ role: 'user', content: 'Fix the off-by-one in loop' }], tools: [], parallel_tool_calls: true },
        preferred_output: [{ role: 'assistant', content: 'use i < n' }],
        non_preferred_output: [{ role: 'assistant', content: 'use i <= n' }],
      },
    ]);
  });

  it('hh: Human/Assistant dialogue strings', () => {
    const [row] = lines(exportDataset([rec('h', { a: 'yes', b: 'no' }, { winner: 'a' }, false)], { format: 'hh' }).train);
    expect(row).toEqual({
      chosen: '\n\nHuman: Fix the off-by-one in loop\n\nAssistant: yes',
      rejected: '\n\nHuman: Fix the off-by-one in loop\n\nAssistant: no',
    });
  });

  it('trl-kto: both bad gives label:false for each, rewrite label:true', () => {
    const res = exportDataset([bothBad, rewrite], { format: 'trl-kto' });
    const rows = lines(res.train).map((r) => [r.completion, r.label]);
    expect(rows).toEqual([
      ['bad1', false],
      ['bad2', false],
      ['meh', true],
      ['worse', false],
      ['great', true],
    ]);
    expect(res.report.counts.unpaired).toEqual({ desirable: 2, undesirable: 3 });
  });

  it('trl-sft: rewrites, and winners only when asked (a rewritten winner is replaced)', () => {
    const only = lines(exportDataset(all, { format: 'trl-sft' }).train);
    expect(only.map((r) => r.completion)).toEqual(['great']);
    expect(Object.keys(only[0]).sort()).toEqual(['completion', 'prompt']);
    const more = lines(exportDataset(all, { format: 'trl-sft', sftIncludeWinners: true }).train);
    expect(more.map((r) => r.completion).sort()).toEqual(['A', 'great', 'use i < n'].sort());
  });
});

describe('validation', () => {
  it('drops identical (after trimming), empty, duplicate and oversized examples with warnings', () => {
    const ident = rec('ident', { a: 'same ', b: 'same' }, { winner: 'a' });
    const empty = rec('empty', { a: '  ', b: 'x' }, { winner: 'b' });
    const dup1 = rec('dup1', { a: 'P', b: 'Q' }, { winner: 'a' });
    const dup2 = rec('dup2', { a: 'P', b: 'Q' }, { winner: 'a' });
    const big = rec('big', { a: 'z'.repeat(5000), b: 'y' }, { winner: 'a' });
    const res = exportDataset([ident, empty, dup1, dup2, big], { format: 'trl-preference', maxChars: 2000 });
    const c = res.report.counts;
    expect([c.identical, c.empty, c.duplicates, c.oversized, c.examples]).toEqual([1, 1, 1, 1, 1]);
    expect(lines(res.train).map((r) => r.chosen)).toEqual(['P']);
    for (const id of ['ident', 'empty', 'dup2', 'big']) expect(res.report.warnings.join('\n')).toContain(id);
  });

  it('reports errors for no examples and bad options instead of throwing', () => {
    expect(exportDataset([tie], { format: 'openai-dpo' }).report.errors[0]).toMatch(/no openai-dpo examples/);
    expect(exportDataset(all, { format: 'trl-preference', evalRatio: 1 }).report.errors[0]).toMatch(/evalRatio/);
    expect(exportDataset(all, { format: 'nope' as ExportFormat }).report.errors[0]).toMatch(/unknown export format "nope"/);
  });
});

describe('split and hash', () => {
  const many = Array.from({ length: 200 }, (_, i) => rec(`id-${i}`, { a: `good ${i}`, b: `bad ${i}` }, { winner: 'a' }, false));

  it('splits by record id deterministically, close to the ratio, independent of order', () => {
    const res = exportDataset(many, { format: 'trl-preference', evalRatio: 0.2 });
    expect(res.report.counts.eval).toBeGreaterThan(20);
    expect(res.report.counts.eval).toBeLessThan(60);
    expect(res.report.counts.train + res.report.counts.eval).toBe(200);
    const evalIds = new Set(lines(res.eval).map((r) => r.chosen.split(' ')[1]));
    for (const r of many) expect(evalIds.has(r.id.slice(3))).toBe(splitBucket(r.id) < 0.2);
    const again = exportDataset([...many].reverse(), { format: 'trl-preference', evalRatio: 0.2 });
    expect(new Set(lines(again.eval).map((r) => r.chosen))).toEqual(new Set(lines(res.eval).map((r) => r.chosen)));
  });

  it('keeps all pairs of one record in the same split', () => {
    const rs = Array.from({ length: 40 }, (_, i) => rec(`k${i}`, { a: `a${i}`, b: `b${i}`, c: `c${i}` }, { ranking: [['a'], ['b'], ['c']] }, false));
    const res = exportDataset(rs, { format: 'trl-preference', evalRatio: 0.3 });
    const evalSuffixes = lines(res.eval).map((r) => r.chosen.slice(1));
    const trainSuffixes = new Set(lines(res.train).map((r) => r.chosen.slice(1)));
    expect(evalSuffixes.length % 3).toBe(0);
    for (const s of evalSuffixes) expect(trainSuffixes.has(s)).toBe(false);
  });

  it('hash is sha256 of the content and changes when content changes', () => {
    const a = exportDataset(many, { format: 'trl-preference', evalRatio: 0.1 });
    const b = exportDataset(many, { format: 'trl-preference', evalRatio: 0.1 });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toBe(crypto.createHash('sha256').update(`trl-preference\0${a.train}\0${a.eval}`).digest('hex'));
    expect(exportDataset(many.slice(1), { format: 'trl-preference', evalRatio: 0.1 }).hash).not.toBe(a.hash);
    expect(exportDataset(many, { format: 'hh', evalRatio: 0.1 }).hash).not.toBe(a.hash);
  });
});

describe('writeExport', () => {
  it('writes train/eval/manifest and refuses results with errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exp-'));
    const many = Array.from({ length: 30 }, (_, i) => rec(`w${i}`, { a: `g${i}`, b: `b${i}` }, { winner: 'a' }, false));
    const res = exportDataset(many, { format: 'trl-preference', evalRatio: 0.3 });
    const w = writeExport(dir, res);
    expect(fs.readFileSync(w.trainFile, 'utf8')).toBe(res.train);
    expect(fs.readFileSync(w.evalFile!, 'utf8')).toBe(res.eval);
    const m = JSON.parse(fs.readFileSync(w.manifestFile, 'utf8'));
    expect(m).toMatchObject({ format: 'trl-preference', method: 'dpo', hash: res.hash, files: { train: 'train.jsonl', eval: 'eval.jsonl' } });
    // Re-export without eval into the same folder: the stale eval file goes away.
    writeExport(dir, exportDataset(many, { format: 'trl-preference' }));
    expect(fs.existsSync(path.join(dir, 'eval.jsonl'))).toBe(false);
    expect(() => writeExport(dir, exportDataset([tie], { format: 'trl-preference' }))).toThrow(/no trl-preference examples/);
  });

  it('every format produces valid JSONL lines', () => {
    for (const format of EXPORT_FORMATS) {
      const res = exportDataset(all, { format, sftIncludeWinners: true });
      expect(res.report.errors).toEqual([]);
      expect(lines(res.train).length).toBe(res.report.counts.train);
    }
  });
});
