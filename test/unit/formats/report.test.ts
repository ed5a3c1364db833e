import { describe, expect, it } from 'vitest';
import { exportDataset, formatExportReport } from '../../../src/core/formats';
import { PreferenceRecordSchema, type PreferenceRecord } from '../../../src/core/records';

function rec(id: string, cands: Record<string, string>, judgment: Record<string, unknown>): PreferenceRecord {
  return PreferenceRecordSchema.parse({
    v: 1,
    type: 'preference',
    id,
    itemId: 'item-' + id,
    prompt: { instruction: 'Reverse a list' },
    candidates: Object.entries(cands).map(([cid, text]) => ({ id: cid, text })),
    judgment: { judgedAt: '2026-01-01T00:00:00Z', ...judgment },
  });
}

describe('formatExportReport', () => {
  it('states counts per kind and what was left out, with the record ids', () => {
    const records = [
      rec('r1', { a: 'a[::-1]', b: 'reversed(a)' }, { winner: 'a' }),
      rec('r2', { a: 'a[::-1]', b: 'reversed(a)' }, { winner: 'a' }), // same row again: duplicate
      rec('r3', { a: 'x', b: ' x ' }, { winner: 'a' }), // identical after trim
      rec('r4', { a: 'p', b: 'q', c: 'r' }, { ranking: [['a'], ['b'], ['c']] }),
      rec('r5', { a: 'p', b: 'q' }, { winner: 'tie' }),
    ];
    const res = exportDataset(records, { format: 'trl-preference' });
    const text = formatExportReport(res.report);
    expect(text.split('\n')[0]).toBe('5 record(s) → 4 pairs (1 from winners, 3 from rankings, 0 from rewrites); 4 train, 0 eval.');
    expect(text).toContain('Left out: 1 duplicate, 1 identical chosen/rejected.');
    expect(text).toContain('3 record(s) gave no example in this format.');
    expect(text).toMatch(/• record r2: duplicate/);
    expect(text).toMatch(/• record r5: no pair — judged a tie/);
  });

  it('shows errors and caps the warning list', () => {
    const records = Array.from({ length: 12 }, (_, i) => rec(`t${i}`, { a: 'p', b: 'q' }, { winner: 'tie' }));
    const res = exportDataset(records, { format: 'trl-preference' });
    const text = formatExportReport(res.report, 3);
    expect(text).toContain('Error: no trl-preference examples could be made from 12 record(s)');
    expect(text.match(/^• record/gm)).toHaveLength(3);
    expect(text).toContain('… 9 more');
  });

  it('counts KTO and SFT rows in their own words', () => {
    const records = [rec('k1', { a: 'good', b: 'bad' }, { winner: 'a', rewrites: [{ candidateId: 'b', text: 'better' }] })];
    expect(formatExportReport(exportDataset(records, { format: 'trl-kto' }).report).split('\n')[0]).toMatch(/desirable \+ 1 undesirable examples/);
    expect(formatExportReport(exportDataset(records, { format: 'trl-sft' }).report).split('\n')[0]).toBe('1 record(s) → 1 prompt/completion examples; 1 train, 0 eval.');
  });
});
