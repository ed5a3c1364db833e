// Store refresh cost: the panel reloads the store after every vote and on every change another
// window makes. Baseline: parsing the whole file again (readJsonl); measured: the store's
// incremental reader, which parses only the appended lines. Same file, same run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { PreferenceRecordSchema, RetractionSchema } from '../src/core/records';
import { JsonlReader, readJsonl } from '../src/core/store/jsonl';

const RECORDS = Number(process.env.BENCH_STORE_RECORDS ?? 5000);
const ROUNDS = 20;
const Line = z.discriminatedUnion('type', [PreferenceRecordSchema, RetractionSchema]);
const evalLines = fs.readFileSync(path.join('test', 'fixtures', 'reward', 'eval.jsonl'), 'utf8').split('\n').filter(Boolean);
const record = (i: number) => {
  const r = JSON.parse(evalLines[i % evalLines.length]);
  return JSON.stringify({ ...r, id: `${r.id}~${i}`, itemId: `${r.itemId ?? r.id}~${i}` }) + '\n';
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-bench-refresh-'));
const file = path.join(dir, 'preferences.jsonl');
fs.writeFileSync(file, Array.from({ length: RECORDS }, (_, i) => record(i)).join(''));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn: () => unknown) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};

const reader = new JsonlReader(file, Line);
reader.read();
readJsonl(file, Line); // both warmed up
const full: number[] = [];
const incr: number[] = [];
for (let k = 0; k < ROUNDS; k++) {
  fs.appendFileSync(file, record(RECORDS + k)); // one vote
  // Alternated, so drift in machine load hits both alike.
  full.push(time(() => readJsonl(file, Line)));
  incr.push(time(() => reader.read()));
}
const n = reader.read().values.length;
fs.rmSync(dir, { recursive: true, force: true });
if (n !== RECORDS + ROUNDS) throw new Error(`incremental reader saw ${n} records, expected ${RECORDS + ROUNDS}`);
const f = median(full);
const i = median(incr);
console.log(`store refresh after one vote, ${RECORDS} records (${ROUNDS} rounds, median):`);
console.log(`  baseline full re-parse : ${f.toFixed(1)} ms`);
console.log(`  incremental reader     : ${i.toFixed(1)} ms`);
console.log(`  ratio incremental/full : ${(i / f).toFixed(3)}`);
