// Durability: a writer killed with SIGKILL at random points never loses a record it acknowledged.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { PreferenceStore } from '../../../src/core/store/store';

const writer = path.resolve(__dirname, '../../fixtures/store/writer.ts');

function killWriterAfter(dir: string, ms: number, tag: string, size = 2000): Promise<string[]> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', writer, dir, '1000000', tag, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    const acked: string[] = [];
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith('ack ')) acked.push(l.slice(4));
    });
    let timer: NodeJS.Timeout | undefined;
    // Start the clock at the first acknowledgement so every round kills mid-stream.
    p.stdout.once('data', () => (timer = setTimeout(() => p.kill('SIGKILL'), ms)));
    p.on('exit', () => {
      clearTimeout(timer);
      resolve(acked);
    });
  });
}

it('keeps every acknowledged record when writers are killed mid-write', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-kill-'));
  try {
    const acked: string[] = [];
    // Small records (kills land between writes) and 3 MB ones (kills land inside a write).
    for (let round = 0; round < 10; round++) {
      const big = round % 2 === 1;
      const ms = 5 + Math.floor(Math.random() * (big ? 400 : 120));
      acked.push(...(await killWriterAfter(dir, ms, `r${round}`, big ? 3_000_000 : 2000)));
    }
    expect(acked.length).toBeGreaterThan(10);
    const snap = new PreferenceStore(dir).load();
    const ids = new Set(snap.records.map((r) => r.id));
    const missing = acked.filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    // At most one torn line per killed writer, each reported with its line number and kept aside.
    expect(snap.bad.length).toBeLessThanOrEqual(10);
    for (const b of snap.bad) expect(b.error).toMatch(/torn|not JSON/);
    if (snap.bad.length) {
      const aside = fs.readFileSync(path.join(dir, 'corrupt.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number });
      expect(aside.map((a) => a.line)).toEqual(snap.bad.map((b) => b.line));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

it('a reader never takes a large append still landing from another process for a torn line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-read-'));
  try {
    const p = spawn(process.execPath, ['--import', 'tsx', writer, dir, '12', 'big', '3000000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const done = new Promise<number | null>((resolve) => p.on('exit', resolve));
    let finished = false;
    void done.then(() => (finished = true));
    const store = new PreferenceStore(dir);
    let loads = 0;
    while (!finished) {
      const snap = store.load();
      loads++;
      expect(snap.bad).toEqual([]);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(await done).toBe(0);
    expect(loads).toBeGreaterThan(3);
    expect(store.load().records).toHaveLength(12);
    expect(fs.existsSync(store.corruptFile)).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
