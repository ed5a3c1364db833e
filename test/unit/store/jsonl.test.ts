// The incremental reader behind the store: only appended lines are parsed again; anything
// else about the file changing makes it read the file whole.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonlReader } from '../../../src/core/store/jsonl';

let dir: string;
let file: string;
let parsed: number;
// Counts how many lines the schema was asked to parse.
const Schema = z.object({ n: z.number() }).transform((v) => {
  parsed++;
  return v;
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-jsonl-'));
  file = path.join(dir, 'x.jsonl');
  parsed = 0;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const lines = (ns: number[]) => ns.map((n) => JSON.stringify({ n }) + '\n').join('');

it('parses only what was appended since the last read, with the right line numbers', () => {
  fs.writeFileSync(file, lines([1, 2, 3]));
  const r = new JsonlReader(file, Schema);
  expect(r.read().values.map((v) => v.n)).toEqual([1, 2, 3]);
  expect(parsed).toBe(3);
  fs.appendFileSync(file, lines([4]) + 'not json\n');
  const again = r.read();
  expect(again.values.map((v) => v.n)).toEqual([1, 2, 3, 4]);
  expect(again.lines).toEqual([1, 2, 3, 4]);
  expect(again.bad.map((b) => b.line)).toEqual([5]);
  expect(parsed).toBe(4);
  expect(r.read().values).toHaveLength(4);
  expect(parsed).toBe(4);
});

it('reads a rewritten, truncated or removed file whole', () => {
  fs.writeFileSync(file, lines([1, 2, 3]));
  const r = new JsonlReader(file, Schema);
  r.read();
  fs.writeFileSync(file, lines([7, 8, 9])); // same size, other content (a merge, a checkout)
  expect(r.read().values.map((v) => v.n)).toEqual([7, 8, 9]);
  fs.writeFileSync(file, lines([5]));
  expect(r.read().values.map((v) => v.n)).toEqual([5]);
  fs.rmSync(file);
  expect(r.read()).toEqual({ values: [], lines: [], bad: [] });
  fs.writeFileSync(file, lines([6, 7]));
  expect(r.read().values.map((v) => v.n)).toEqual([6, 7]);
});

it('never keeps an unterminated last line: torn now, read properly once it is complete', () => {
  fs.writeFileSync(file, lines([1]) + '{"n":');
  const r = new JsonlReader(file, Schema);
  const torn = r.read();
  expect(torn.values.map((v) => v.n)).toEqual([1]);
  expect(torn.bad).toMatchObject([{ line: 2, error: 'incomplete last line (torn write)' }]);
  fs.appendFileSync(file, '2}\n');
  const whole = r.read();
  expect(whole.values.map((v) => v.n)).toEqual([1, 2]);
  expect(whole.lines).toEqual([1, 2]);
  expect(whole.bad).toEqual([]);
});
