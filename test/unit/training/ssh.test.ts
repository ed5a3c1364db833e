// Against a real OpenSSH server on 127.0.0.1 started by the test.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshLauncher, shq, type SshOptions } from '../../../src/core/training/ssh';
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
