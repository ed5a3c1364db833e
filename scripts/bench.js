#!/usr/bin/env node
// `npm run bench`: builds, then runs every benchmark script (package.json "bench:*").
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let failed = 0;
const build = spawnSync(process.execPath, ['esbuild.js', '--production'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
for (const name of Object.keys(pkg.scripts).filter((s) => s.startsWith('bench:')).sort()) {
  console.log(`\n=== ${name}`);
  const r = spawnSync(npm, ['run', '--silent', name], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`${name} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
