// Runs a TypeScript entry (bench or script) by bundling it with esbuild first: no tsx needed.
// Usage: node bench/reward-run.mjs <entry.ts> [args...]
import { build } from 'esbuild';
import { spawnSync } from 'child_process';
import * as path from 'path';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node bench/reward-run.mjs <entry.ts> [args...]');
  process.exit(2);
}
// Output under node_modules so the externals resolve from the repository's packages.
const outDir = path.resolve('node_modules/.cache/rlhf-reward');
const base = path.basename(entry).replace(/\.ts$/, '');
const outfile = path.join(outDir, base + '.cjs');
const workerFile = path.join(outDir, 'rewardWorker.js');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', external: ['onnxruntime-node', '@huggingface/tokenizers', 'esbuild'] };
await build({ ...common, entryPoints: [entry], outfile });
await build({ ...common, entryPoints: ['src/core/reward/worker.ts'], outfile: workerFile });
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(3)], { stdio: 'inherit', env: { ...process.env, REWARD_WORKER_JS: workerFile } });
process.exit(r.status ?? 1);
