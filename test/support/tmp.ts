// Temporary folders for tests, removed when the test process exits (RLHF_KEEP_TMP=1 keeps them
// for a look after a failure). An e2e run otherwise leaves ~50 MB behind: the unpacked VSIX.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];
let hooked = false;

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', removeTempDirs);
  }
  return dir;
}

/** Removes every folder made so far (vitest.setup.ts calls it after each test file). */
export function removeTempDirs(): void {
  if (process.env.RLHF_KEEP_TMP === '1') return;
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}
