// Starts a real VS Code (code-server, see shared/REAL_VSCODE.md) for integration and e2e tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { tempDir as makeTempDir } from './tmp';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CODE_SERVER = path.join(ROOT, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
export const OUTPUT_DIR = path.join(ROOT, 'test-output');

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  workspace: string;
  /** Extensions folder (with the VSIX installed); a fresh empty one when omitted. */
  extensionsDir?: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  trust?: boolean;
  /** More code-server arguments (e.g. --enable-proposed-api for a test extension). */
  args?: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return makeTempDir(`rlhf-${prefix}-`);
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  if (!fs.existsSync(CODE_SERVER)) throw new Error(`code-server is not installed at ${CODE_SERVER}: run scripts/install-code-server.sh`);
  const port = await freePort();
  const base = tempDir('cs');
  const userDataDir = path.join(base, 'data');
  const extensionsDir = opts.extensionsDir ?? path.join(base, 'ext');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'security.workspace.trust.enabled': opts.trust === false, 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, ...opts.settings }, null, 2),
  );
  const logFile = path.join(base, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
  if (opts.trust !== false) args.push('--disable-workspace-trust');
  args.push(...(opts.args ?? []));
  args.push(opts.workspace);
  const child: ChildProcess = spawn(CODE_SERVER, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...opts.env } });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}); log: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      const res = await fetch(url + '/healthz');
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    userDataDir,
    extensionsDir,
    logFile,
    async stop() {
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        await new Promise((r) => setTimeout(r, 300));
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/** Installs a VSIX into an extensions folder with code-server's own installer (proves the package is complete). */
export async function installVsix(vsix: string, extensionsDir: string): Promise<void> {
  fs.mkdirSync(extensionsDir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const p = spawn(CODE_SERVER, ['--extensions-dir', extensionsDir, '--install-extension', vsix], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`installing ${vsix} failed (${code}): ${out}`))));
  });
}

export const VSIX = path.join(ROOT, 'dist-vsix', 'rlhf-review.vsix');
