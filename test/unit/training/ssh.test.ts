// Against a real OpenSSH server on 127.0.0.1 started by the test.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_MARKER, SshLauncher, followDecision, shq, type SshOptions } from '../../../src/core/training/ssh';
import { LaunchError, type RunSpec } from '../../../src/core/training/types';
import { FAKE_TRAINER, REAL_SCRIPT, makeExport, pidAlive, recorder, tmpDir, waitFor } from './helpers';
import { startSshd, type TestSshd } from '../../fixtures/servers/sshd';

let server: TestSshd;
let base: SshOptions;

beforeAll(async () => {
  server = await startSshd();
  base = {
    host: '127.0.0.1',
    port: server.port,
    identityFile: server.identityFile,
    knownHostsFile: server.knownHostsFile,
    remoteDir: path.join(server.dir, 'remote-runs'),
    script: FAKE_TRAINER,
    extraFiles: [REAL_SCRIPT],
    skipEnvCheck: false,
    killGraceMs: 3_000,
  };
}, 30_000);

afterAll(() => server?.stop());

function spec(id: string): RunSpec {
  const dir = path.join(tmpDir('ssh-data-'), 'data');
  const exp = makeExport(dir, 4);
  return { id, method: 'dpo', datasetDir: dir, datasetHash: exp.hash, model: "tiny 'quoted' model", epochs: 1 };
}

/** The sshd processes serving connections now (children of the listener, not the user's shells). */
function sshdSessions(): number[] {
  const listener = Number(fs.readFileSync(path.join(server.dir, 'sshd.pid'), 'utf8').trim());
  const procs: { pid: number; ppid: number; comm: string }[] = [];
  for (const n of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const st = fs.readFileSync(`/proc/${n}/stat`, 'utf8');
      const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      procs.push({ pid: Number(n), ppid: Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]), comm });
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const p of procs) if (p.ppid === pid && p.comm.startsWith('sshd')) {
      out.push(p.pid);
      walk(p.pid);
    }
  };
  walk(listener);
  return out;
}

describe('followDecision (how one follow of the remote log ended)', () => {
  it('only the exit marker says the trainer is gone; ssh 255 or a killed client is lost contact', () => {
    expect(followDecision({ code: 0, signal: null, exitStatus: 0 }, false)).toEqual({ kind: 'ended', code: 0, cancelled: false });
    expect(followDecision({ code: 255, signal: null, exitStatus: 255 }, false)).toEqual({ kind: 'ended', code: 255, cancelled: false }); // the trainer's own 255
    expect(followDecision({ code: 1, signal: null, exitStatus: 1 }, true)).toEqual({ kind: 'ended', code: 1, cancelled: true });
    expect(followDecision({ code: 255, signal: null, lastStderr: 'Connection to 10.0.0.2 closed by remote host.' }, false)).toEqual({ kind: 'lost', reason: 'ssh exit 255: Connection to 10.0.0.2 closed by remote host.' });
    expect(followDecision({ code: null, signal: 'SIGKILL' }, false)).toEqual({ kind: 'lost', reason: 'ssh ended by SIGKILL' });
    expect(followDecision({ code: 2, signal: null }, false)).toEqual({ kind: 'ended', code: 2, cancelled: false });
    expect(followDecision({ code: null, signal: null, spawnError: 'spawn ssh ENOENT' }, false)).toEqual({ kind: 'error', message: 'spawn ssh ENOENT' });
    expect(EXIT_MARKER).toMatch(/^[a-z-]+$/);
  });
});

describe('shq', () => {
  it('quotes for a POSIX shell', () => {
    expect(execFileSync('sh', ['-c', `printf %s ${shq("a'b $HOME `x`")}`], { encoding: 'utf8' })).toBe("a'b $HOME `x`");
  });
});

describe('SshLauncher against a real sshd', () => {
  it('copies script and data, runs under setsid, streams metrics back, succeeds', async () => {
    const rec = recorder();
    const l = new SshLauncher({ ...base, remoteEnv: { FAKE_TRAINER_MODE: 'success', FAKE_TRAINER_STEPS: '3' } });
    const h = await l.start(spec('ssh-ok'), rec.hooks);
    const final = await h.done;
    expect(final.status).toBe('succeeded');
    const run = path.join(base.remoteDir!, 'ssh-ok');
    expect(final.output).toBe(`127.0.0.1:${run}/model`);
    expect(fs.readFileSync(path.join(run, 'model', 'model.txt'), 'utf8')).toContain('4 examples');
    expect(rec.metrics.map((m) => m.percent)).toEqual([100 / 3, 200 / 3, 100]);
    expect(h.host).toBe('127.0.0.1');
    expect(h.pid).toBeGreaterThan(1);
    expect(fs.readFileSync(path.join(run, 'train.exit'), 'utf8').trim()).toBe('0');
  });

  it('a dropped connection mid-run is lost contact: followed again from where it was, the run still finishes', async () => {
    const rec = recorder();
    const l = new SshLauncher({ ...base, reconnectDelayMs: 200, remoteEnv: { FAKE_TRAINER_MODE: 'success', FAKE_TRAINER_STEPS: '6', FAKE_TRAINER_DELAY: '0.4' } });
    const h = await l.start(spec('ssh-drop'), rec.hooks);
    await rec.until(() => rec.metrics.length >= 1);
    // Cut the follow's connection on the server side: ssh exits 255, the trainer (under setsid) goes on.
    const sessions = sshdSessions();
    expect(sessions.length).toBeGreaterThan(0);
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    await rec.until(() => rec.logs.some((x) => x.startsWith('lost contact with 127.0.0.1')));
    expect(pidAlive(h.pid!)).toBe(true);
    const final = await h.done;
    expect(final.status).toBe('succeeded');
    const lost = rec.logs.filter((x) => x.startsWith('lost contact with 127.0.0.1'));
    expect(lost[0]).toMatch(/\(ssh exit 255.*\); the trainer goes on there; following again in 0\.20s \(attempt 1\/6, from byte \d+\)/);
    // Every step once, in order: the second follow went on from the byte the first got to.
    expect(rec.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rec.statuses.filter((s) => s.status === 'failed')).toEqual([]);
  }, 30_000);

  it('after a bounded number of lost contacts in a row the run is left running, never failed', async () => {
    const rec = recorder();
    const closed = await new Promise<number>((r) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => r(p));
      });
    });
    const l = new SshLauncher({ ...base, port: closed, maxReconnects: 2, reconnectDelayMs: 10 });
    const now = new Date().toISOString();
    const h = await l.reattach({ id: 'ssh-gone', target: 'ssh', method: 'dpo', datasetHash: 'h', status: 'running', createdAt: now, updatedAt: now, pid: 424242, host: '127.0.0.1' }, rec.hooks);
    const final = await h.done;
    expect(final.status).toBe('running');
    expect(final.message).toMatch(/^lost contact with 127\.0\.0\.1 3 times in a row \(ssh exit 255: .*Connection refused.*\); the trainer may still be running there/);
    expect(rec.logs.filter((x) => /following again in .* \(attempt \d\/2,/.test(x))).toHaveLength(2);
  });

  it('a remote crash fails with the traceback tail', async () => {
    const l = new SshLauncher({ ...base, remoteEnv: { FAKE_TRAINER_MODE: 'crash' } });
    const final = await (await l.start(spec('ssh-crash'), recorder().hooks)).done;
    expect(final.status).toBe('failed');
    expect(final.error).toContain('RuntimeError: CUDA out of memory (fake)');
    expect(final.error).toContain('exit code 1');
  });

  it('cancel kills the remote process group, children included', async () => {
    const rec = recorder();
    const l = new SshLauncher({ ...base, remoteEnv: { FAKE_TRAINER_MODE: 'spawn' } });
    const h = await l.start(spec('ssh-cancel'), rec.hooks);
    await rec.until(() => rec.logs.some((x) => x.startsWith('child-pid ')));
    const childPid = Number(rec.logs.find((x) => x.startsWith('child-pid '))!.split(' ')[1]);
    expect(pidAlive(childPid)).toBe(true);
    await l.cancel(h);
    expect((await h.done).status).toBe('cancelled');
    expect(await waitFor(() => !pidAlive(childPid) && !pidAlive(h.pid!))).toBe(true);
  });

  it('the real script env check on the host names what is missing', async () => {
    const l = new SshLauncher({ ...base, script: REAL_SCRIPT, extraFiles: [] });
    const missing = JSON.parse(execFileSync('python3', ['-c', 'import importlib.util as u, json; print(json.dumps([n for n in ("torch","transformers","trl","datasets") if u.find_spec(n) is None]))'], { encoding: 'utf8' }));
    if (missing.length === 0) return;
    const err = await l.start(spec('ssh-env'), recorder().hooks).then(() => { throw new Error('expected refusal'); }, (e: unknown) => e as LaunchError);
    expect(err).toBeInstanceOf(LaunchError);
    expect(err.message).toContain(`lacks ${missing[0]}`);
    expect(err.fix).toMatch(/^ssh 127\.0\.0\.1 .*pip install/);
  });

  it('refuses a host whose key is not known', async () => {
    const empty = path.join(server.dir, 'empty_known_hosts');
    fs.writeFileSync(empty, '');
    const l = new SshLauncher({ ...base, knownHostsFile: empty });
    const err = await l.start(spec('ssh-unknown'), recorder().hooks).then(() => { throw new Error('expected refusal'); }, (e: unknown) => e as LaunchError);
    expect(err).toBeInstanceOf(LaunchError);
    expect(err.message).toMatch(/Host key verification failed/);
    expect(err.fix).toMatch(/known_hosts/);
    expect(fs.existsSync(path.join(base.remoteDir!, 'ssh-unknown'))).toBe(false);
  });
});
