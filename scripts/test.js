#!/usr/bin/env node
// `npm test`: type checks, builds the bundles and the VSIX, then runs every suite (unit,
// Python, integration in a real VS Code, e2e in Chromium) and prints one total at the end.
// `--only unit|python|integration|e2e` runs a part (e2e includes the integration suites).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'test-output');
fs.mkdirSync(out, { recursive: true });
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const want = (part) => !only || only === part;
const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];

function run(title, cmd, args, opts = {}) {
  console.log(`\n=== ${title}: ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' }, ...opts });
  if (r.status !== 0) problems.push(`${title} exited with ${r.status ?? r.signal}`);
  return r.status === 0;
}

function countVitest(file, title) {
  if (!fs.existsSync(file)) {
    problems.push(`${title}: no results file`);
    return;
  }
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  totals.passed += j.numPassedTests;
  totals.failed += j.numFailedTests;
  totals.skipped += j.numPendingTests + (j.numTodoTests ?? 0);
  if (j.numTotalTests === 0) problems.push(`${title}: ran no test`);
  // A file that failed outside its tests (load error, failing beforeAll: its tests show as
  // skipped) counts as one failure.
  const broken = j.testResults.filter((t) => t.status === 'failed' && !t.assertionResults.some((a) => a.status === 'failed'));
  for (const t of broken) problems.push(`${title}: ${path.relative(root, t.name)} failed to run: ${String(t.message).split('\n')[0]}`);
  totals.failed += broken.length;
}

function vitest(title, config, file, filters = []) {
  fs.rmSync(file, { force: true });
  run(title, process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '-c', config, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`, ...filters]);
  countVitest(file, title);
}

const needsBuild = want('e2e') || only === 'integration';
if (!only || only === 'unit' || needsBuild) {
  run('typecheck (host)', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.']);
  run('typecheck (webview)', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'src/webview']);
  run('typecheck (tests)', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'test']);
}
if (needsBuild) {
  run('build', process.execPath, ['esbuild.js']);
  // Per-platform VSIX with the reward model's onnxruntime CPU binaries (scripts/package-vsix.js).
  run('package VSIX', process.execPath, [path.join(root, 'scripts', 'package-vsix.js')]);
}
if (want('unit')) vitest('unit tests', 'vitest.config.mts', path.join(out, 'unit.json'));

if (want('python') && fs.existsSync(path.join(root, 'test', 'python'))) {
  const py = process.env.PYTHON ?? 'python3';
  run('python compile', py, ['-m', 'py_compile', 'python/rlhf_train.py']);
  console.log('\n=== python unittest');
  const r = spawnSync(py, ['-m', 'unittest', 'discover', '-s', 'test/python', '-v'], { cwd: root, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const ran = /Ran (\d+) tests?/.exec(r.stderr);
  const failed = /FAILED \((?:failures=(\d+))?(?:, )?(?:errors=(\d+))?/.exec(r.stderr);
  const skipped = /skipped=(\d+)/.exec(r.stderr);
  const n = ran ? Number(ran[1]) : 0;
  const f = failed ? Number(failed[1] ?? 0) + Number(failed[2] ?? 0) : 0;
  const s = skipped ? Number(skipped[1]) : 0;
  if (n === 0) problems.push('python unittest: ran no test');
  if (r.status !== 0 && f === 0) problems.push(`python unittest exited with ${r.status}`);
  totals.passed += n - f - s;
  totals.failed += f;
  totals.skipped += s;
}

if (want('e2e')) vitest('integration + e2e (code-server, Chromium)', 'vitest.e2e.config.mts', path.join(out, 'e2e.json'));
else if (only === 'integration') vitest('integration (code-server)', 'vitest.e2e.config.mts', path.join(out, 'integration.json'), ['test/integration/']);

console.log('\n=== summary');
for (const p of problems) console.log(`problem: ${p}`);
const ok = totals.failed === 0 && problems.length === 0 && totals.passed > 0;
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(ok ? 0 : 1);
