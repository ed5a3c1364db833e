#!/usr/bin/env node
// `npm run demo`: the extension in a real VS Code with a sample workspace and the bundled queue.
// Desktop `code` when it is on PATH; otherwise code-server on 127.0.0.1 (printing the URL).
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const demoDir = path.join(root, '.vscode-test', 'demo');
const workspace = path.join(demoDir, 'workspace');
const port = Number(process.env.RLHF_DEMO_PORT ?? 8080);

function step(title, cmd, args) {
  console.log(`> ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${title} failed (exit ${r.status}).`);
    process.exit(1);
  }
}

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).status === 0;
}

step('build', process.execPath, ['esbuild.js', '--production']);
// A fresh copy each time the demo starts, unless one is already there (keep earlier judgments).
if (!fs.existsSync(workspace)) fs.cpSync(path.join(root, 'demo', 'workspace'), workspace, { recursive: true });

if (onPath('code') && !process.env.RLHF_DEMO_CODE_SERVER) {
  console.log(`Opening desktop VS Code with the extension in development mode on ${workspace}`);
  spawn('code', ['--extensionDevelopmentPath', root, workspace], { stdio: 'inherit', detached: true }).unref();
  process.exit(0);
}

if (!onPath('rg')) {
  console.error('code-server needs ripgrep to install offline: apt-get install -y ripgrep (and chromium or any browser to open it).');
  process.exit(1);
}
step('install code-server (first run only)', 'bash', [path.join(root, 'scripts', 'install-code-server.sh')]);
step('package the extension', process.execPath, [path.join(root, 'scripts', 'package-vsix.js')]);
const bin = path.join(root, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
const ext = path.join(demoDir, 'extensions');
const data = path.join(demoDir, 'data');
step('install the extension into code-server', bin, ['--extensions-dir', ext, '--install-extension', path.join(root, 'dist-vsix', 'rlhf-review.vsix'), '--force']);
fs.mkdirSync(path.join(data, 'User'), { recursive: true });
const settings = path.join(data, 'User', 'settings.json');
// The demo workspace sits inside this repository: don't offer to open the parent git repo.
const demoSettings = { 'workbench.startupEditor': 'readme', 'workbench.colorTheme': 'Default Dark Modern', 'git.openRepositoryInParentFolders': 'never' };
let current = {};
try {
  current = fs.existsSync(settings) ? JSON.parse(fs.readFileSync(settings, 'utf8')) : {};
} catch {
  current = null; // hand-edited JSONC: leave it as the user wrote it
}
if (current) fs.writeFileSync(settings, JSON.stringify({ ...demoSettings, ...current, 'git.openRepositoryInParentFolders': 'never' }, null, 2));

const server = spawn(bin, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--extensions-dir', ext, '--user-data-dir', data, workspace], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
server.stderr.pipe(process.stderr);
let announced = false;
server.stdout.on('data', (d) => {
  if (!announced && /HTTP server listening/.test(String(d))) {
    announced = true;
    console.log(`\nRLHF Review is running in VS Code (code-server). Open:\n\n    http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}\n\nThen run "RLHF: Open Review Panel" (Ctrl+Shift+P). Press Ctrl+C here to stop.`);
  }
});
const stop = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {}
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => {
  console.error(`code-server exited (${code}).`);
  process.exit(code ?? 1);
});
