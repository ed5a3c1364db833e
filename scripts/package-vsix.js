#!/usr/bin/env node
// `npm run package`: a per-platform VSIX (default: this machine's platform) carrying the bundles
// and only that platform's CPU onnxruntime binaries. Build first (`npm run build`).
// Usage: node scripts/package-vsix.js [--target linux-x64] [--out dist-vsix/rlhf-review.vsix]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { prepare, targetOf } = require('./prepare-vsix-natives');

const root = path.resolve(__dirname, '..');
const target = targetOf(process.argv);
const outArg = process.argv.indexOf('--out');
const out = outArg >= 0 ? process.argv[outArg + 1] : path.join('dist-vsix', 'rlhf-review.vsix');

const bundles = ['dist/extension.js', 'dist/webview.js', 'dist/vendor/axios.js', 'dist/rewardWorker.js', 'dist/rewardTrainWorker.js'];
for (const f of bundles) {
  if (!fs.existsSync(path.join(root, f))) {
    console.error(`package-vsix: ${f} is missing; run npm run build first`);
    process.exit(1);
  }
}
prepare(target);
fs.mkdirSync(path.dirname(path.resolve(root, out)), { recursive: true });
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--target', target, '--out', out], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

// The VSIX must carry the native runtime and no GPU provider libraries.
const list = spawnSync('unzip', ['-Z1', path.resolve(root, out)], { encoding: 'utf8' });
if (list.status === 0) {
  const files = list.stdout.split('\n').filter(Boolean);
  const gpu = files.filter((f) => /cuda|tensorrt/i.test(f));
  const binding = files.some((f) => f.endsWith('onnxruntime_binding.node'));
  const missing = bundles.filter((b) => !files.includes(`extension/${b}`));
  if (gpu.length || !binding || missing.length) {
    const why = gpu.length ? `GPU libraries ${gpu.join(', ')}` : !binding ? 'no onnxruntime_binding.node' : `missing ${missing.join(', ')}`;
    console.error(`package-vsix: bad VSIX contents: ${why}`);
    process.exit(1);
  }
  console.log(`package-vsix: ${out} (${target}), ${files.length} files, onnxruntime CPU binaries only`);
}
