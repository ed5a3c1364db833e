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

function sample(file, env = {}) {
  const r = spawnSync(process.execPath, ['-e', probe, file], { encoding: 'utf8', env: { ...process.env, ...env } });
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
// The same activation with a workspace whose store holds STORE_RECORDS judgments (it is read
// once at activation to show the queue and report unreadable lines).
const STORE_RECORDS = Number(process.env.BENCH_STORE_RECORDS ?? 5000);
const fs = require('node:fs');
const os = require('node:os');
const big = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-bench-store-'));
const evalLines = fs.readFileSync(path.join(root, 'test', 'fixtures', 'reward', 'eval.jsonl'), 'utf8').split('\n').filter(Boolean);
fs.mkdirSync(path.join(big, '.rlhf'));
fs.writeFileSync(
  path.join(big, '.rlhf', 'preferences.jsonl'),
  Array.from({ length: STORE_RECORDS }, (_, i) => {
    const r = JSON.parse(evalLines[i % evalLines.length]);
    return JSON.stringify({ ...r, id: `${r.id}~${i}`, itemId: `${r.itemId ?? r.id}~${i}` });
  }).join('\n') + '\n',
);
const c = [];
for (let i = 0; i < SAMPLES; i++) c.push(sample(ext, { RLHF_BENCH_WS: big }).ms);
fs.rmSync(big, { recursive: true, force: true });
const mExt = median(a);
const mEmpty = median(b);
const mBig = median(c);
console.log(`activation: rlhf-review ${mExt.toFixed(2)} ms, empty extension ${mEmpty.toFixed(2)} ms (median of ${SAMPLES} cold processes)`);
console.log(`activation ratio (rlhf-review / empty): ${(mExt / mEmpty).toFixed(1)}x; extra cost ${(mExt - mEmpty).toFixed(2)} ms`);
console.log(`activation with a ${STORE_RECORDS}-record store: ${mBig.toFixed(2)} ms, ratio to the empty extension ${(mBig / mEmpty).toFixed(1)}x (store read ${(mBig - mExt).toFixed(2)} ms)`);
console.log(`heavy runtimes loaded at activation: ${heavy.length ? heavy.join(', ') : 'none'}`);
if (heavy.length) process.exitCode = 1;
