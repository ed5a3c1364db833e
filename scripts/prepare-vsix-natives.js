#!/usr/bin/env node
// Copies the reward model's runtime packages into dist/node_modules for one platform, so
// `require('onnxruntime-node')` from dist/extension.js and dist/rewardWorker.js resolves
// inside the VSIX (packaged with --no-dependencies). Only that platform's CPU binaries go in:
// no other platforms, no CUDA/TensorRT providers.
// Usage: node scripts/prepare-vsix-natives.js [--target linux-x64]
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const NOT_SHIPPED = /cuda|tensorrt|_providers_(?!shared)|\.map$|\.d\.ts$/i;

function targetOf(argv) {
  const i = argv.indexOf('--target');
  return i >= 0 ? argv[i + 1] : `${process.platform}-${process.arch}`;
}

function copyTree(from, to, keep = () => true) {
  let n = 0;
  for (const ent of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, ent.name);
    const dst = path.join(to, ent.name);
    if (ent.isDirectory()) n += copyTree(src, dst, keep);
    else if (ent.isFile() && !NOT_SHIPPED.test(ent.name) && keep(src)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
      n++;
    }
  }
  return n;
}

function pkgDir(name) {
  const dir = path.join(root, 'node_modules', ...name.split('/'));
  if (!fs.existsSync(path.join(dir, 'package.json'))) throw new Error(`${name} is not installed in node_modules: run npm install`);
  return dir;
}

function copyFiles(name, out, parts) {
  const src = pkgDir(name);
  const dst = path.join(out, ...name.split('/'));
  let n = 0;
  for (const p of ['package.json', 'LICENSE', 'LICENSE.md', 'README.md', ...parts]) {
    const s = path.join(src, p);
    if (!fs.existsSync(s)) continue;
    if (fs.statSync(s).isDirectory()) n += copyTree(s, path.join(dst, p));
    else {
      fs.mkdirSync(path.dirname(path.join(dst, p)), { recursive: true });
      fs.copyFileSync(s, path.join(dst, p));
      n++;
    }
  }
  return n;
}

function prepare(target) {
  const [platform, arch] = target.split('-');
  if (!platform || !arch) throw new Error(`--target must look like linux-x64, got ${target}`);
  const out = path.join(root, 'dist', 'node_modules');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const ort = pkgDir('onnxruntime-node');
  const napi = fs.readdirSync(path.join(ort, 'bin')).filter((d) => d.startsWith('napi-v'));
  let bins = 0;
  for (const v of napi) {
    const dir = path.join(ort, 'bin', v, platform, arch);
    if (fs.existsSync(dir)) bins += copyTree(dir, path.join(out, 'onnxruntime-node', 'bin', v, platform, arch));
  }
  if (!bins) throw new Error(`onnxruntime-node has no binaries for ${target} under ${path.join(ort, 'bin')}`);
  const counts = {
    'onnxruntime-node': bins + copyFiles('onnxruntime-node', out, ['dist']),
    'onnxruntime-common': copyFiles('onnxruntime-common', out, ['dist']),
    '@huggingface/tokenizers': copyFiles('@huggingface/tokenizers', out, ['dist']),
  };
  console.log(`prepare-vsix-natives: ${target} → ${path.relative(root, out)} (${Object.entries(counts).map(([k, v]) => `${k}: ${v} files`).join(', ')})`);
  return out;
}

module.exports = { prepare, targetOf };
if (require.main === module) {
  try {
    prepare(targetOf(process.argv));
  } catch (e) {
    console.error(`prepare-vsix-natives: ${e.message}`);
    process.exit(1);
  }
}
