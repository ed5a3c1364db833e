// Durability: a writer killed with SIGKILL at random points never loses a record it acknowledged.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { PreferenceStore } from '../../../src/core/store/store';

const writer = path.resolve(__dirname, '../../fixtures/store/writer.ts');

function killWriterAfter(dir: string, ms: number, tag: string): Promise<string[]> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', writer, dir, '1000000', tag], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    for (let round = 0; round < 6; round++) {
      const ms = 5 + Math.floor(Math.random() * 120);
      acked.push(...(await killWriterAfter(dir, ms, `r${round}`)));
    }
    expect(acked.length).toBeGreaterThan(6);
    const snap = new PreferenceStore(dir).load();
    const ids = new Set(snap.records.map((r) => r.id));
    const missing = acked.filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    // At most one torn line per killed writer, each reported with its line number.
    expect(snap.bad.length).toBeLessThanOrEqual(6);
    for (const b of snap.bad) expect(b.error).toMatch(/torn|not JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
