// Activation cost: time to load and activate dist/extension.js, as a ratio to an empty
// extension measured the same way in the same run. Each sample is a fresh Node process so the
// module cache is cold, as it is when VS Code starts the extension host.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);

const probe = `
const Module = require('module');
const stub = require(${JSON.stringify(path.join(__dirname, 'fixtures', 'vscodeStub.js'))});
const origLoad = Module._load;
const loaded = new Set();
Module._load = function (req, parent, isMain) {
  if (req === 'vscode') return stub;
  loaded.add(req);
  return origLoad.apply(this, arguments);
};
const ctx = { subscriptions: [], extensionPath: ${JSON.stringify(root)}, extensionUri: stub.Uri.file(${JSON.stringify(root)}),
  globalStorageUri: stub.Uri.file(require('os').tmpdir()), secrets: { get: async () => undefined, store: async () => {}, onDidChange: () => ({ dispose() {} }) },
  workspaceState: { get: () => undefined, update: async () => {} }, globalState: { get: () => undefined, update: async () => {}, setKeysForSync() {} } };
const t0 = process.hrtime.bigint();
const ext = require(process.argv[1]);
ext.activate(ctx);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const heavy = ['onnxruntime-node', '@huggingface/tokenizers', './vendor/axios.js'].filter((m) => loaded.has(m));
process.stdout.write(JSON.stringify({ ms, heavy }));
`;

function sample(file) {
  const r = spawnSync(process.execPath, ['-e', probe, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`activation of ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ext = path.join(root, 'dist', 'extension.js');
const empty = path.join(__dirname, 'fixtures', 'empty-extension.js');
const a = [];
const b = [];
let heavy = [];
for (let i = 0; i < SAMPLES; i++) {
  // Interleaved so drift in machine load hits both alike.
  const s = sample(ext);
  heavy = s.heavy;
  a.push(s.ms);
  b.push(sample(empty).ms);
}
const mExt = median(a);
const mEmpty = median(b);
console.log(`activation: rlhf-review ${mExt.toFixed(2)} ms, empty extension ${mEmpty.toFixed(2)} ms (median of ${SAMPLES} cold processes)`);
console.log(`activation ratio (rlhf-review / empty): ${(mExt / mEmpty).toFixed(1)}x; extra cost ${(mExt - mEmpty).toFixed(2)} ms`);
console.log(`heavy runtimes loaded at activation: ${heavy.length ? heavy.join(', ') : 'none'}`);
if (heavy.length) process.exitCode = 1;
