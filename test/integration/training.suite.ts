// Export and fine-tuning runs inside a real extension host: real files, a real Python child
// process (test/fixtures/trainer/fake_trainer.py: the real script's events without torch), a
// real OpenSSH server and the contract-enforcing Together and OpenAI servers on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RlhfApi } from '../../src/extension';
import { LocalLauncher, OPENAI_FINE_TUNING_END, OPENAI_FINE_TUNING_NOTICE, RunStore, TogetherLauncher, processGroupLive, startTracked, type RunRecord } from '../../src/core/training';
import { startOpenAIServer, type OpenAIServer } from '../fixtures/servers/openai';
import { startSshd, type TestSshd } from '../fixtures/servers/sshd';
import { startTogetherServer, type TogetherServer } from '../fixtures/servers/together';

const EXT_ID = 'rlhf-review.rlhf-review';
const api = () => vscode.extensions.getExtension<RlhfApi>(EXT_ID)!.activate();
const extPath = () => vscode.extensions.getExtension(EXT_ID)!.extensionPath;
const rlhf = () => vscode.workspace.getConfiguration('rlhf');
const set = (key: string, value: unknown) => rlhf().update(key, value, vscode.ConfigurationTarget.Workspace);
const SECRET_MARKER = 'SELECTED_SECRET_CODE';

async function until<T>(fn: () => T | undefined | false, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Running, zombies not counted (a reparented orphan may never be reaped in a container). */
function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function jsonl(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('Export and fine-tuning runs', () => {
  let storeDir: string;
  let runs: RunStore;
  let together: TogetherServer;
  let openai: OpenAIServer;
  const added: string[] = [];
  const run = (id: string) => runs.get(id);
  const finished = (id: string) => until(() => (['succeeded', 'failed', 'cancelled'].includes(run(id)?.status ?? '') ? run(id) : undefined), `run ${id} to end`);
  const trainSettings = async (env: Record<string, string>) => {
    await set('training.pythonPath', 'python3');
    await set('training.scriptPath', path.join(extPath(), 'test', 'fixtures', 'trainer', 'fake_trainer.py'));
    await set('training.env', env);
  };

  before(async () => {
    const a = await api();
    storeDir = a.storeDir;
    runs = new RunStore(path.join(storeDir, 'runs'));
    // Eight judged items with code context, through the store the panel uses.
    for (let i = 0; i < 8; i++) {
      const item = {
        id: `train-item-${i}`,
        createdAt: '2026-01-01T00:00:00Z',
        prompt: {
          instruction: `Make function number ${i} faster`,
          context: { filePath: `pkg/secret_module_${i}.py`, language: 'python', selection: { startLine: 1, endLine: 2, text: `${SECRET_MARKER}_${i} = slow()` } },
        },
        candidates: [
          { id: `train-item-${i}-a`, text: `def f${i}(xs):\n    return sorted(set(xs))` },
          { id: `train-item-${i}-b`, text: `def f${i}(xs):\n    return xs` },
        ],
      };
      added.push(a.session.store.saveJudgment(item, { winner: item.candidates[0].id, judgedAt: new Date().toISOString() }).id);
    }
    together = await startTogetherServer();
    openai = await startOpenAIServer();
  });

  after(async () => {
    for (const k of ['training.pythonPath', 'training.scriptPath', 'training.env', 'together.baseUrl', 'openai.baseUrl', 'training.pollIntervalSeconds']) await set(k, undefined);
    await vscode.commands.executeCommand('rlhf.setApiKey', 'together', '');
    await vscode.commands.executeCommand('rlhf.setApiKey', 'openai', '');
    await together.close();
    await openai.close();
    // Later suites read the same store: withdraw this suite's judgments (append-only undo).
    const a = await api();
    for (const id of added) a.session.store.retract(id);
  });

  it('exports to a folder: train/eval JSONL and a manifest whose hash matches the files; "no code" drops paths and code', async () => {
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const withCode = path.join(ws, 'exports', 'with-code');
    const noCode = path.join(ws, 'exports', 'no-code');
    const a = (await vscode.commands.executeCommand('rlhf.exportPreferences', { format: 'trl-preference', noCode: false, folder: withCode, evalRatio: 0.5 })) as { hash: string };
    const b = (await vscode.commands.executeCommand('rlhf.exportPreferences', { format: 'trl-preference', noCode: true, folder: noCode, evalRatio: 0.5 })) as { hash: string };
    for (const [dir, res] of [
      [withCode, a],
      [noCode, b],
    ] as const) {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      const train = fs.readFileSync(path.join(dir, 'train.jsonl'), 'utf8');
      const evalText = fs.existsSync(path.join(dir, 'eval.jsonl')) ? fs.readFileSync(path.join(dir, 'eval.jsonl'), 'utf8') : '';
      const hash = crypto.createHash('sha256').update(`trl-preference\0${train}\0${evalText}`).digest('hex');
      assert.equal(manifest.hash, hash, 'manifest hash is not the hash of the files');
      assert.equal(res.hash, hash);
      assert.equal(manifest.format, 'trl-preference');
      assert.equal(manifest.method, 'dpo');
      const rows = [...jsonl(path.join(dir, 'train.jsonl')), ...(evalText ? jsonl(path.join(dir, 'eval.jsonl')) : [])];
      assert.equal(rows.length, manifest.counts.train + manifest.counts.eval);
      // Record ids are random here, so the split sizes are too; the files must match the manifest.
      assert.ok(manifest.counts.train > 0, `split ${manifest.counts.train}/${manifest.counts.eval}`);
      assert.equal(fs.existsSync(path.join(dir, 'eval.jsonl')), manifest.counts.eval > 0);
      for (let i = 0; i < 8; i++) {
        const row = rows.find((r) => String(r.prompt).includes(`Make function number ${i} faster`));
        assert.ok(row, `record ${i} missing from ${dir}`);
        assert.match(String(row.chosen), /sorted\(set/);
        assert.equal(row.rejected, `def f${i}(xs):\n    return xs`);
      }
    }
    const codeText = fs.readFileSync(path.join(withCode, 'train.jsonl'), 'utf8');
    assert.match(codeText, /secret_module_\d\.py/);
    assert.ok(codeText.includes(SECRET_MARKER));
    const bare = fs.readFileSync(path.join(noCode, 'train.jsonl'), 'utf8') + (fs.existsSync(path.join(noCode, 'eval.jsonl')) ? fs.readFileSync(path.join(noCode, 'eval.jsonl'), 'utf8') : '');
    assert.ok(!bare.includes('secret_module') && !bare.includes(SECRET_MARKER), 'no-code export still carries paths or code');
  });

  it('refuses an export that would be empty and writes nothing', async () => {
    const dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'exports', 'sft-empty');
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('rlhf.exportPreferences', { format: 'trl-sft', noCode: false, folder: dir })),
      /nothing exported — no trl-sft examples could be made/,
    );
    assert.equal(fs.existsSync(dir), false);
  });

  it('a local DPO run with the fake trainer finishes: metrics, output, log file, dataset hash', async () => {
    await trainSettings({ FAKE_TRAINER_STEPS: '3', FAKE_TRAINER_DELAY: '0.05' });
    const id = (await vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'dpo', target: 'local', model: 'tiny-test-model' })) as string;
    assert.match(id, /^dpo-/);
    const r = await finished(id);
    assert.equal(r.status, 'succeeded', r.error);
    assert.equal(r.target, 'local');
    assert.equal(r.model, 'tiny-test-model');
    assert.equal(r.metrics?.step, 3);
    assert.equal(r.metrics?.percent, 100);
    assert.ok(r.output && fs.readFileSync(path.join(r.output, 'model.txt'), 'utf8').startsWith('fake model trained on'), `output ${r.output}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(storeDir, 'runs', id, 'data', 'manifest.json'), 'utf8'));
    assert.equal(r.datasetHash, manifest.hash);
    assert.equal(manifest.format, 'trl-preference');
    const log = fs.readFileSync(r.logFile!, 'utf8');
    assert.match(log, /Loading checkpoint shards/);
    assert.match(log, /--method dpo/);
  });

  it('a crashing run fails with the error and the last lines of its output', async () => {
    await trainSettings({ FAKE_TRAINER_MODE: 'crash', FAKE_TRAINER_STEPS: '4' });
    const id = (await vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'kto', target: 'local', model: 'tiny-test-model' })) as string;
    const r = await finished(id);
    assert.equal(r.status, 'failed');
    assert.match(r.error!, /exit code 1/);
    assert.match(r.error!, /--- last output ---/);
    assert.match(r.error!, /RuntimeError: CUDA out of memory \(fake\)/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(storeDir, 'runs', id, 'data', 'manifest.json'), 'utf8')).format, 'trl-kto');
  });

  it('cancel stops a running local run and its whole process group', async () => {
    await trainSettings({ FAKE_TRAINER_MODE: 'spawn', FAKE_TRAINER_STEPS: '4' });
    const id = (await vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'reward', target: 'local', model: 'tiny-test-model' })) as string;
    const live = await until(() => (run(id)?.status === 'running' && run(id)?.pid ? run(id) : undefined), 'the run to be running');
    const logFile = live.logFile!;
    await until(() => /child-pid \d+/.test(fs.readFileSync(logFile, 'utf8')), 'the spawned child');
    const childPid = Number(/child-pid (\d+)/.exec(fs.readFileSync(logFile, 'utf8'))![1]);
    await vscode.commands.executeCommand('rlhf.cancelRun', id);
    const r = await finished(id);
    assert.equal(r.status, 'cancelled');
    // Zombies are not counted: an orphan's new parent may reap it late (or never, in a container).
    assert.equal(processGroupLive(live.pid!), false, 'the process group is still alive');
    assert.equal(pidAlive(childPid), false, 'the trainer child survived the cancel');
  });

  it('refuses to start when the Python environment lacks TRL, naming the pip command', async () => {
    await set('training.pythonPath', 'python3');
    await set('training.scriptPath', undefined); // the bundled python/rlhf_train.py: its real env check
    await set('training.env', undefined);
    const probe = spawnSync('python3', ['-c', 'import importlib.util,sys; sys.exit(0 if importlib.util.find_spec("trl") else 1)']);
    if (probe.status === 0) return; // TRL is installed here: nothing is missing to report
    const before = runs.load().runs.length;
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'dpo', target: 'local', model: 'm' })), (e: Error & { fix?: string }) => {
      assert.match(e.message, /the Python environment python3 lacks .*trl/);
      // The env check's own fix: one pip command for everything, upgrading an old trl.
      assert.match(e.fix ?? '', / -m pip install -U .*trl/);
      return true;
    });
    assert.equal(runs.load().runs.length, before, 'a refused run was recorded');
  });

  it('a Together run needs the key from secret storage, then uploads, creates one job and follows it', async () => {
    await set('together.baseUrl', together.url);
    await set('training.pollIntervalSeconds', 0.05);
    await vscode.commands.executeCommand('rlhf.setApiKey', 'together', '');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'dpo', target: 'together', model: 'meta-llama/Llama-3-8b' })), /no Together AI API key stored/);
    assert.deepEqual(together.requests, []);

    await vscode.commands.executeCommand('rlhf.setApiKey', 'together', together.apiKey);
    const id = (await vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'dpo', target: 'together', model: 'meta-llama/Llama-3-8b' })) as string;
    const r = await finished(id);
    assert.equal(r.status, 'succeeded', r.error);
    assert.equal(together.jobs.length, 1);
    assert.equal(r.remoteJobId, together.jobs[0].id);
    assert.equal(r.output, 'user/meta-llama/Llama-3-8b-rlhf-review');
    assert.deepEqual(together.jobs[0].body.training_method, { method: 'dpo' });
    const uploaded = together.files.get(String(together.jobs[0].body.training_file))!.content;
    assert.ok('preferred_output' in JSON.parse(uploaded.split('\n')[0]));
    // The key is in secret storage only: not in the run history, the log, or the settings.
    const settingsFile = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode', 'settings.json');
    for (const f of [runs.file, r.logFile!, settingsFile]) assert.ok(!fs.readFileSync(f, 'utf8').includes(together.apiKey), `API key found in ${f}`);
    assert.match(fs.readFileSync(r.logFile!, 'utf8'), /Together job .* created/);
  });

  it('picks runs up again after a reload: resumes polling a remote job, marks a lost local run unknown', async () => {
    await set('together.baseUrl', together.url);
    await vscode.commands.executeCommand('rlhf.setApiKey', 'together', together.apiKey);
    // A job created by an "earlier window": created for real on the server, then abandoned.
    const dataDir = path.join(storeDir, 'runs', 'earlier-window', 'data');
    await vscode.commands.executeCommand('rlhf.exportPreferences', { format: 'openai-dpo', noCode: true, folder: dataDir, evalRatio: 0 });
    const earlier = new TogetherLauncher({ apiKey: together.apiKey, baseUrl: together.url, pollMs: 60_000 });
    const hooks = { onLog: () => {}, onMetrics: () => {}, onStatus: () => {} };
    const handle = await earlier.start({ id: 'earlier-window', method: 'dpo', datasetDir: dataDir, datasetHash: 'h-earlier', model: 'meta-llama/Llama-3-8b' }, hooks);
    earlier.detach('earlier-window');
    const now = new Date().toISOString();
    runs.record('earlier-window', { target: 'together', method: 'dpo', datasetHash: 'h-earlier', status: 'running', createdAt: now, remoteJobId: handle.remoteJobId });
    // A local run whose trainer died with the old window.
    const dead = spawnSync('true');
    runs.record('earlier-local', { target: 'local', method: 'sft', datasetHash: 'h-local', status: 'running', createdAt: now, pid: dead.pid });

    await vscode.commands.executeCommand('rlhf.refreshRuns');
    const remote = (await finished('earlier-window')) as RunRecord;
    assert.equal(remote.status, 'succeeded');
    assert.equal(remote.output, 'user/meta-llama/Llama-3-8b-ft');
    assert.equal(together.jobs.filter((j) => j.id === handle.remoteJobId).length, 1);
    const local = runs.get('earlier-local')!;
    assert.equal(local.status, 'failed');
    assert.match(local.error!, /unknown \(window reloaded/);
  });
  it('a Together run cut off between its upload and its job creation adopts that job after a reload; one cut off before its upload fails', async () => {
    await set('together.baseUrl', together.url);
    await set('training.pollIntervalSeconds', 0.05);
    await vscode.commands.executeCommand('rlhf.setApiKey', 'together', together.apiKey);
    // The closed window had uploaded its data (recorded) and its POST reached the server.
    const dataDir = path.join(storeDir, 'runs', 'orphan-window', 'data');
    await vscode.commands.executeCommand('rlhf.exportPreferences', { format: 'openai-dpo', noCode: true, folder: dataDir, evalRatio: 0 });
    const client = new TogetherLauncher({ apiKey: together.apiKey, baseUrl: together.url }).api;
    const bytes = fs.readFileSync(path.join(dataDir, 'train.jsonl'));
    const file = await client.request<{ id: string }>('POST', '/files/upload', {
      idempotent: true,
      form: () => {
        const f = new FormData();
        f.append('file', new Blob([new Uint8Array(bytes)]), 'orphan-window-train.jsonl');
        f.append('purpose', 'fine-tune');
        f.append('file_name', 'orphan-window-train.jsonl');
        return f;
      },
    });
    const now = new Date().toISOString();
    runs.record('orphan-window', { target: 'together', method: 'dpo', datasetHash: 'h-orphan', status: 'starting', createdAt: now, trainingFile: file.id });
    const job = await client.request<{ id: string }>('POST', '/fine-tunes', { idempotent: false, json: { training_file: file.id, model: 'meta-llama/Llama-3-8b', training_method: { method: 'dpo' } } });
    runs.record('orphan-early', { target: 'together', method: 'dpo', datasetHash: 'h-early', status: 'starting', createdAt: now });
    const jobs = together.jobs.length;

    await vscode.commands.executeCommand('rlhf.refreshRuns');
    const adopted = await finished('orphan-window');
    assert.equal(adopted.status, 'succeeded', adopted.error);
    assert.equal(adopted.remoteJobId, job.id);
    assert.equal(together.jobs.length, jobs, 'a job was created again');
    const early = await finished('orphan-early');
    assert.equal(early.status, 'failed');
    assert.match(early.error!, /before the training data was uploaded: no Together job was created/);
  });

  it('a local run from an earlier window is followed again after a reload: its log file, to succeeded with metrics', async () => {
    // The window that started it: the trainer writes to its own log file, then the window goes.
    const id = 'earlier-local-live';
    const dir = path.join(storeDir, 'runs', id);
    await vscode.commands.executeCommand('rlhf.exportPreferences', { format: 'trl-preference', noCode: true, folder: path.join(dir, 'data'), evalRatio: 0 });
    const earlier = new LocalLauncher({
      python: 'python3',
      script: path.join(extPath(), 'test', 'fixtures', 'trainer', 'fake_trainer.py'),
      accelerate: 'never',
      skipEnvCheck: true,
      env: { ...process.env, FAKE_TRAINER_STEPS: '8', FAKE_TRAINER_DELAY: '0.3' },
      trainerLog: path.join(dir, 'trainer.log'),
    });
    const quiet = { onLog: () => {}, onMetrics: () => {}, onStatus: () => {} };
    const spec = { id, method: 'dpo' as const, datasetDir: path.join(dir, 'data'), datasetHash: 'h-earlier-local', model: 'tiny-test-model', outputDir: path.join(dir, 'model') };
    const handle = await startTracked(runs, earlier, spec, quiet, { logFile: path.join(dir, 'train.log'), metricsEveryMs: 0 });
    await until(() => run(id)?.status === 'running' && run(id)?.metrics, 'the earlier run to log a step');
    earlier.detach(id);
    assert.equal((await handle.done).status, 'running');
    assert.ok(pidAlive(handle.pid!), 'the trainer died with its follower');

    await vscode.commands.executeCommand('rlhf.refreshRuns'); // what activation after a reload does
    const r = await finished(id);
    assert.equal(r.status, 'succeeded', r.error);
    assert.equal(r.metrics?.step, 8);
    assert.equal(r.metrics?.percent, 100);
    assert.equal(r.output, path.join(dir, 'model'));
    assert.match(fs.readFileSync(path.join(dir, 'model', 'model.txt'), 'utf8'), /^fake model trained on/);
    const log = fs.readFileSync(path.join(dir, 'train.log'), 'utf8');
    assert.match(log, /following again after a reload \(Local GPU\)/);
    assert.match(log, /following .*trainer\.log again from byte \d+/);
  });

  it('an OpenAI DPO run uses the key from secret storage, creates one job, follows it; the key is nowhere on disk', async () => {
    await set('openai.baseUrl', openai.url);
    await set('training.pollIntervalSeconds', 0.05);
    await vscode.commands.executeCommand('rlhf.setApiKey', 'openai', openai.apiKey);
    const start = () => Promise.resolve(vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'dpo', target: 'openai', model: 'gpt-4.1-mini-2025-04-14' }));
    if (new Date().toISOString().slice(0, 10) >= OPENAI_FINE_TUNING_END) {
      await assert.rejects(start(), (e: Error) => e.message === OPENAI_FINE_TUNING_NOTICE);
      assert.equal(openai.jobs.length, 0);
      return;
    }
    const id = (await start()) as string;
    const r = await finished(id);
    assert.equal(r.status, 'succeeded', r.error);
    assert.equal(r.target, 'openai');
    assert.equal(openai.jobs.length, 1);
    assert.equal(r.remoteJobId, openai.jobs[0].id);
    assert.equal(r.output, `ft:gpt-4.1-mini-2025-04-14:org::${openai.jobs[0].id}`);
    assert.equal((openai.jobs[0].body.method as { type: string }).type, 'dpo');
    assert.equal(openai.jobs[0].body.suffix, 'rlhf-review');
    const row = JSON.parse(openai.files.get(String(openai.jobs[0].body.training_file))!.content.split('\n')[0]);
    assert.ok(row.input?.messages && row.preferred_output && row.non_preferred_output, 'not an OpenAI DPO row');
    assert.equal(r.metrics?.maxSteps, 12);
    const log = fs.readFileSync(r.logFile!, 'utf8');
    assert.ok(log.includes(OPENAI_FINE_TUNING_NOTICE), 'the end-of-fine-tuning notice is not in the log');
    const settingsFile = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode', 'settings.json');
    for (const f of [runs.file, r.logFile!, settingsFile]) assert.ok(!fs.readFileSync(f, 'utf8').includes(openai.apiKey), `API key found in ${f}`);
  });

  describe('on a GPU host over SSH (a real sshd on 127.0.0.1)', () => {
    let sshd: TestSshd;
    let remoteDir: string;

    before(async () => {
      sshd = await startSshd('rlhf-int-gpu');
      remoteDir = path.join(sshd.dir, 'remote-runs');
      await set('training.sshConfigFile', sshd.clientConfig);
      await set('training.sshHost', sshd.alias);
      await set('training.sshRemoteDir', remoteDir);
    });

    after(async () => {
      for (const k of ['training.sshConfigFile', 'training.sshHost', 'training.sshRemoteDir']) await set(k, undefined);
      sshd?.stop();
    });

    // The fake trainer is copied alone; it imports the real script's event code from here.
    const remoteEnv = (env: Record<string, string>) => trainSettings({ RLHF_TRAIN_DIR: path.join(extPath(), 'python'), ...env });

    it('runs the trainer on the host from the ssh config alias, streams metrics back, succeeds', async () => {
      await remoteEnv({ FAKE_TRAINER_STEPS: '3' });
      const id = (await vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'dpo', target: 'ssh', model: 'tiny-test-model' })) as string;
      const r = await until(() => (['succeeded', 'failed', 'cancelled'].includes(run(id)?.status ?? '') ? run(id) : undefined), `run ${id} to end`, 50_000);
      assert.equal(r.status, 'succeeded', r.error);
      assert.equal(r.host, 'rlhf-int-gpu');
      assert.equal(r.output, `rlhf-int-gpu:${remoteDir}/${id}/model`);
      assert.equal(r.metrics?.step, 3);
      assert.equal(r.metrics?.percent, 100);
      assert.match(fs.readFileSync(path.join(remoteDir, id, 'model', 'model.txt'), 'utf8'), /^fake model trained on/);
      assert.equal(fs.readFileSync(path.join(remoteDir, id, 'train.exit'), 'utf8').trim(), '0');
      assert.match(fs.readFileSync(r.logFile!, 'utf8'), /\$ ssh rlhf-int-gpu .*--method dpo/);
    }).timeout(60_000);

    it('cancel stops the remote process group, children included', async () => {
      await remoteEnv({ FAKE_TRAINER_MODE: 'spawn' });
      const id = (await vscode.commands.executeCommand('rlhf.startTrainingRun', { method: 'reward', target: 'ssh', model: 'tiny-test-model' })) as string;
      const live = await until(() => (run(id)?.status === 'running' && run(id)?.pid ? run(id) : undefined), 'the SSH run to be running', 40_000);
      await until(() => /child-pid \d+/.test(fs.readFileSync(live.logFile!, 'utf8')), 'the remote child', 20_000);
      const childPid = Number(/child-pid (\d+)/.exec(fs.readFileSync(live.logFile!, 'utf8'))![1]);
      assert.ok(pidAlive(childPid));
      await vscode.commands.executeCommand('rlhf.cancelRun', id);
      const r = await until(() => (['succeeded', 'failed', 'cancelled'].includes(run(id)?.status ?? '') ? run(id) : undefined), `run ${id} to end`, 30_000);
      assert.equal(r.status, 'cancelled');
      await until(() => !processGroupLive(live.pid!) && !pidAlive(childPid), 'the remote process group to be gone', 10_000);
    }).timeout(90_000);
  });
});
