// Reward model inside a real extension host: train on a store seeded from the eval set, score
// and flag the queue, Score Selection diagnostics, loading bad models, queue ordering.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RlhfApi } from '../../src/extension';
import type { LoadOutcome, ScoreSelectionOutcome, TrainOutcome } from '../../src/host/reward';
import { WorkerScorer } from '../../src/core/reward/workerScorer';
import { writeTinyChatHf, writeTinyHf } from '../unit/reward/tinyHf';

const EXT_ID = 'rlhf-review.rlhf-review';

interface FlagOut { itemId: string; candidateId: string; score: number; reason: string }
interface EvalRecord {
  id: string;
  itemId: string;
  prompt: { instruction: string; context?: { language?: string; filePath?: string } };
  candidates: { id: string; text: string }[];
  judgment: { winner?: string; tags?: Record<string, string[]> };
}

function ext(): vscode.Extension<RlhfApi> {
  const e = vscode.extensions.getExtension<RlhfApi>(EXT_ID);
  assert.ok(e, `extension ${EXT_ID} is not installed in this host`);
  return e;
}
const api = () => ext().activate();
const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

function evalRecords(): EvalRecord[] {
  const file = path.join(ext().extensionPath, 'test', 'fixtures', 'reward', 'eval.jsonl');
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EvalRecord);
}

function readLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** Longest gap between timer ticks while `fn` runs: how long the host's event loop was blocked. */
async function maxLoopGap<T>(fn: () => Promise<T>): Promise<{ value: T; gap: number }> {
  let last = Date.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 10);
  try {
    const value = await fn();
    return { value, gap: Math.max(gap, Date.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('rlhf').update(key, value, vscode.ConfigurationTarget.Workspace);
}

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Scoring these ~1,460 responses on the host thread would block it for well over a second (see
// npm run bench:reward); a worker keeps every gap far below that, even on a busy 2-core machine.
const LOOP_BUDGET_MS = 400;

/** Lets the store watcher's debounced reload (after a test wrote the store) pass before measuring. */
const settle = () => new Promise((r) => setTimeout(r, 1500));

const onnxInHost = () => Object.keys(require.cache).some((k) => k.includes('onnxruntime'));

describe('Reward model in a real extension host', () => {
  let trained: TrainOutcome;
  const records = evalRecords();

  it('activates without loading onnxruntime in the extension host', async () => {
    await api();
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['rlhf.trainRewardModel', 'rlhf.loadRewardModel', 'rlhf.scoreSelection', 'rlhf.refreshFlagged']) assert.ok(cmds.includes(c), `${c} missing`);
    assert.equal(onnxInHost(), false, 'onnxruntime was loaded into the extension host');
  });

  it('refuses to train on too little data with a message saying what to do', async () => {
    const out = (await vscode.commands.executeCommand('rlhf.trainRewardModel')) as TrainOutcome;
    assert.equal(out.ok, false);
    assert.match(out.message, /too little data to train the reward model: \d+ preference pairs .* need at least 20 training and 5 held-out pairs\. Judge more comparisons/);
  });

  it('trains on the store seeded from the eval set in a worker, beating the length-only baseline', async () => {
    const { storeDir, session } = await api();
    const prefs = path.join(storeDir, 'preferences.jsonl');
    fs.mkdirSync(storeDir, { recursive: true });
    const head = fs.existsSync(prefs) && !fs.readFileSync(prefs, 'utf8').endsWith('\n') && fs.statSync(prefs).size > 0 ? '\n' : '';
    fs.appendFileSync(prefs, head + records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    session.refresh();
    await settle();
    const { value, gap } = await maxLoopGap(() => vscode.commands.executeCommand('rlhf.trainRewardModel') as Thenable<TrainOutcome> as Promise<TrainOutcome>);
    trained = value;
    assert.ok(trained.ok, trained.message);
    const r = trained.result!;
    assert.ok(r.trainPairs + r.heldOutPairs >= 600, `only ${r.trainPairs + r.heldOutPairs} pairs`);
    assert.ok(r.heldOutAccuracy >= 0.85, `held-out accuracy ${r.heldOutAccuracy}`);
    assert.ok(r.heldOutAccuracy > r.lengthBaselineAccuracy + 0.1, `model ${r.heldOutAccuracy} vs length-only ${r.lengthBaselineAccuracy}`);
    assert.match(trained.message, /held-out pairwise accuracy \d+\.\d% vs \d+\.\d% for the length-only baseline/);
    assert.match(trained.message, /Flag threshold -?\d+\.\d+/);
    assert.match(trained.message, /Now scoring with it/);
    const meta = JSON.parse(fs.readFileSync(path.join(r.dir, 'reward.json'), 'utf8'));
    assert.equal(path.dirname(r.dir), path.join(storeDir, 'reward'));
    assert.equal(meta.threshold, r.calibration.threshold);
    assert.ok(fs.statSync(path.join(r.dir, 'model.onnx')).size > 1000);
    // Fitting took ~1 s; the host's event loop must not have stalled for it.
    assert.ok(gap < LOOP_BUDGET_MS, `extension host event loop blocked for ${gap} ms during training`);
    assert.equal(onnxInHost(), false, 'onnxruntime was loaded into the extension host');
  });

  it('scores the queue in the worker, flags low candidates lowest first and logs each flag', async () => {
    const { storeDir } = await api();
    // Queue items from the eval set: each has a judged better and worse answer.
    const queueFile = path.join(ws(), 'reward-queue.jsonl');
    fs.writeFileSync(queueFile, records.map((r) => JSON.stringify({ id: `rq-${r.id}`, prompt: r.prompt.instruction, context: r.prompt.context, candidates: r.candidates.map((c) => ({ text: c.text })) })).join('\n') + '\n');
    await vscode.commands.executeCommand('rlhf.importQueue', vscode.Uri.file(queueFile));
    await settle();
    const { value: flags, gap } = await maxLoopGap(() => vscode.commands.executeCommand('rlhf.refreshFlagged') as Thenable<FlagOut[]> as Promise<FlagOut[]>);
    const responses = records.reduce((n, r) => n + r.candidates.length, 0);
    assert.ok(responses >= 1000, `${responses} responses`);
    assert.ok(gap < LOOP_BUDGET_MS, `extension host event loop blocked for ${gap} ms while scoring ${responses} responses`);
    assert.ok(flags.length > 50, `${flags.length} flagged`);
    for (let i = 1; i < flags.length; i++) assert.ok(flags[i - 1].score <= flags[i].score, 'flags are not sorted lowest first');
    const t = trained.result!.calibration.threshold;
    for (const f of flags) assert.ok(f.score < t, `flagged score ${f.score} not under threshold ${t}`);
    // Flags land on the answers reviewers rejected far more often than on the winners.
    const byCand = new Map<string, { winner: boolean }>();
    // Imported candidate k of item X gets the id X-c<k>.
    for (const r of records) r.candidates.forEach((c, k) => byCand.set(`rq-${r.id}-c${k}`, { winner: r.judgment.winner === c.id }));
    const onWinners = flags.filter((f) => byCand.get(f.candidateId)?.winner).length;
    assert.ok(onWinners / flags.length < 0.25, `${onWinners} of ${flags.length} flags are on judged winners`);
    const logged = readLines<{ itemId: string; candidateId: string; score: number; threshold: number; modelVersion: string; at: string }>(path.join(storeDir, 'flags.jsonl'));
    for (const f of flags) {
      const line = logged.find((l) => l.itemId === f.itemId && l.candidateId === f.candidateId && l.modelVersion === trained.result!.meta.modelVersion);
      assert.ok(line, `no flags.jsonl line for ${f.candidateId}`);
      assert.equal(line.threshold, t);
      assert.ok(!Number.isNaN(Date.parse(line.at)));
    }
    // Scoring again appends nothing new (one line per candidate, model and threshold).
    const n = logged.length;
    await vscode.commands.executeCommand('rlhf.refreshFlagged');
    assert.equal(readLines(path.join(storeDir, 'flags.jsonl')).length, n);
    assert.equal(onnxInHost(), false, 'onnxruntime was loaded into the extension host');
  });

  it('a threshold set in settings overrides the calibrated one and is recorded with the flags', async () => {
    const { storeDir } = await api();
    await setSetting('reward.flagThreshold', 1e6);
    try {
      const flags = await until(async () => {
        const f = (await vscode.commands.executeCommand('rlhf.refreshFlagged')) as FlagOut[];
        return f.length >= 1000 ? f : undefined;
      }, 'every candidate flagged under threshold 1e6');
      assert.ok(flags.every((f) => /< threshold 1000000\.00/.test(f.reason)));
      assert.ok(readLines<{ threshold: number }>(path.join(storeDir, 'flags.jsonl')).some((l) => l.threshold === 1e6));
    } finally {
      await setSetting('reward.flagThreshold', undefined);
    }
    let seen = 0;
    const back = await until(async () => {
      const f = (await vscode.commands.executeCommand('rlhf.refreshFlagged')) as FlagOut[];
      seen = f.length;
      return f.length > 0 && f.every((x) => !/< threshold 1000000\.00/.test(x.reason)) ? f : undefined;
    }, 'the calibrated threshold back').catch((e: Error) => {
      throw new Error(`${e.message} (last refresh: ${seen} flags)`);
    });
    assert.ok(back.every((f) => f.score < trained.result!.calibration.threshold));
  });

  it('orders the queue flagged-first and most-uncertain-first', async () => {
    const { session } = await api();
    await setSetting('queueOrder', 'flagged');
    try {
      const flags = (await vscode.commands.executeCommand('rlhf.refreshFlagged')) as FlagOut[];
      const firstFlagged = flags.find((f) => session.pending().some((i) => i.id === f.itemId))!;
      await until(() => session.pending()[0]?.id === firstFlagged.itemId, `the lowest-scored flagged item (${firstFlagged.itemId}) first`);
      await setSetting('queueOrder', 'uncertain');
      await until(() => session.pending()[0]?.id !== firstFlagged.itemId, 'the order to change');
      // Check against scores computed independently, in a worker of this test's own.
      const scorer = await WorkerScorer.open(path.join(ext().extensionPath, 'dist', 'rewardWorker.js'), trained.result!.dir);
      try {
        // This suite's own pairs, in queue order (other suites leave items with more candidates).
        const pending = session.pending().filter((i) => i.id.startsWith('rq-'));
        assert.ok(pending.length > 100 && pending.every((i) => i.candidates.length === 2), `${pending.length} rq- items pending`);
        const scores = await scorer.score(pending.flatMap((i) => i.candidates.map((c) => ({ prompt: i.prompt, response: c.text, language: i.prompt.context?.language }))));
        const margins = pending.map((_, k) => Math.abs(scores[2 * k] - scores[2 * k + 1]));
        const first = margins[0];
        assert.ok(margins.every((m) => m >= first - 1e-4), `first item's margin ${first} is not the smallest (${Math.min(...margins)})`);
        assert.ok(first < margins[margins.length - 1], `first margin ${first}, last ${margins[margins.length - 1]}`);
      } finally {
        await scorer.dispose();
      }
    } finally {
      await setSetting('queueOrder', undefined);
    }
    const plain = () => {
      const pendingIds = new Set(session.pending().map((i) => i.id));
      return session.allItems().filter((i) => pendingIds.has(i.id)).map((i) => i.id).join(',');
    };
    await until(() => session.pending().map((i) => i.id).join(',') === plain(), 'queue order back');
  });

  it('Score Selection puts a Warning diagnostic with score, threshold and model version on a weak selection', async () => {
    const version = trained.result!.meta.modelVersion;
    const refusal = records.find((r) => Object.values(r.judgment.tags ?? {}).flat().includes('mode:refusal'))!;
    const loser = refusal.candidates.find((c) => c.id !== refusal.judgment.winner)!;
    const winner = refusal.candidates.find((c) => c.id === refusal.judgment.winner)!;
    const file = path.join(ws(), 'answer.md');
    fs.writeFileSync(file, `# Answers\n\n${loser.text}\n\n---\n\n${winner.text}\n`);
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const sel = (s: string) => new vscode.Selection(doc.positionAt(text.indexOf(s)), doc.positionAt(text.indexOf(s) + s.length));
    editor.selection = sel(loser.text);
    const bad = (await vscode.commands.executeCommand('rlhf.scoreSelection', { instruction: refusal.prompt.instruction })) as ScoreSelectionOutcome;
    assert.equal(bad.modelVersion, version);
    assert.equal(bad.flagged, true, bad.message);
    const diags = vscode.languages.getDiagnostics(doc.uri);
    assert.equal(diags.length, 1);
    const d = diags[0];
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(d.source, 'RLHF reward');
    assert.ok(d.range.isEqual(editor.selection), 'diagnostic is not on the selection');
    assert.ok(d.message.includes(bad.score.toFixed(2)) && d.message.includes(bad.threshold!.toFixed(2)) && d.message.includes(version), d.message);

    editor.selection = sel(winner.text);
    const good = (await vscode.commands.executeCommand('rlhf.scoreSelection', { instruction: refusal.prompt.instruction })) as ScoreSelectionOutcome;
    assert.ok(good.score > bad.score);
    assert.equal(good.flagged, false, good.message);
    const d2 = vscode.languages.getDiagnostics(doc.uri);
    assert.equal(d2.length, 1);
    assert.equal(d2[0].severity, vscode.DiagnosticSeverity.Information);
    // Editing the text drops the now stale diagnostic.
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), ' '));
    await until(() => vscode.languages.getDiagnostics(doc.uri).length === 0, 'the diagnostic to clear on edit');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('loads a Hugging Face export (tokenizer.json) and calibrates its threshold on the store', async () => {
    const dir = writeTinyHf(path.join(ws(), 'models', 'tiny-hf'), { tokenTypes: true });
    const out = (await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(dir))) as LoadOutcome;
    assert.ok(out.ok, out.message);
    assert.match(out.message, /Hugging Face export/);
    assert.match(out.message, /calibrated on the store's judged pairs, pairwise accuracy \d/);
    assert.equal(vscode.workspace.getConfiguration('rlhf').get('reward.modelPath'), dir);
    // The switch holds once the setting is written (no reload back to the trained model).
    await new Promise((r) => setTimeout(r, 500));
    const flags = (await vscode.commands.executeCommand('rlhf.refreshFlagged')) as FlagOut[];
    assert.ok(flags.every((f) => f.reason.includes('(tiny-reward)')), 'flags are not from the loaded model');
    const doc = await vscode.workspace.openTextDocument({ content: 'the function returns a good value', language: 'markdown' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 0, doc.lineAt(0).text.length);
    const scored = (await vscode.commands.executeCommand('rlhf.scoreSelection', { instruction: 'write code' })) as ScoreSelectionOutcome;
    assert.equal(scored.modelVersion, 'tiny-reward');
    assert.ok(Number.isFinite(scored.score));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('loads a decoder reward model with a chat template and scores with it', async () => {
    const dir = writeTinyChatHf(path.join(ws(), 'models', 'tiny-chat'));
    const out = (await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(dir))) as LoadOutcome;
    assert.ok(out.ok, out.message);
    assert.match(out.message, /tiny-chat-reward \(Hugging Face export, chat template\) loaded/);
    const doc = await vscode.workspace.openTextDocument({ content: 'good good code\nbad', language: 'markdown' });
    const editor = await vscode.window.showTextDocument(doc);
    const score = async (line: number) => {
      editor.selection = new vscode.Selection(line, 0, line, doc.lineAt(line).text.length);
      return (await vscode.commands.executeCommand('rlhf.scoreSelection', { instruction: 'write the function' })) as ScoreSelectionOutcome;
    };
    const good = await score(0);
    const bad = await score(1);
    assert.equal(good.modelVersion, 'tiny-chat-reward');
    assert.ok(good.score > bad.score, `chat-template scores: good ${good.score}, bad ${bad.score}`);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('bad models give clear errors; the extension keeps working, flags off', async () => {
    const { session } = await api();
    const root = path.join(ws(), 'models');
    // 1. corrupt ONNX beside valid metadata
    const corrupt = path.join(root, 'corrupt');
    fs.mkdirSync(corrupt, { recursive: true });
    fs.copyFileSync(path.join(trained.result!.dir, 'reward.json'), path.join(corrupt, 'reward.json'));
    fs.writeFileSync(path.join(corrupt, 'model.onnx'), Buffer.from('this is not an onnx protobuf, just text'));
    let out = (await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(corrupt))) as LoadOutcome;
    assert.equal(out.ok, false);
    assert.match(out.message, /model\.onnx: not a loadable ONNX model .*re-export it/);
    // 2. an ONNX model with the wrong inputs for a Hugging Face export
    const wrong = path.join(root, 'wrong-inputs');
    fs.mkdirSync(wrong, { recursive: true });
    fs.copyFileSync(path.join(trained.result!.dir, 'model.onnx'), path.join(wrong, 'model.onnx'));
    fs.copyFileSync(path.join(root, 'tiny-hf', 'tokenizer.json'), path.join(wrong, 'tokenizer.json'));
    out = (await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(wrong))) as LoadOutcome;
    assert.equal(out.ok, false);
    assert.match(out.message, /inputs are \[features\]; a text-classification reward model must take input_ids/);
    // 3. a Hugging Face export without its tokenizer
    const noTok = path.join(root, 'no-tokenizer');
    fs.mkdirSync(noTok, { recursive: true });
    fs.copyFileSync(path.join(root, 'tiny-hf', 'model.onnx'), path.join(noTok, 'model.onnx'));
    out = (await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(noTok))) as LoadOutcome;
    assert.equal(out.ok, false);
    assert.match(out.message, /no tokenizer\.json found; a Hugging Face reward model folder needs model\.onnx and tokenizer\.json/);

    // The setting pointing at the corrupt model: flags go off, the rest keeps working.
    await setSetting('reward.modelPath', corrupt);
    const flags = await until(async () => {
      const f = (await vscode.commands.executeCommand('rlhf.refreshFlagged')) as FlagOut[];
      return f.length === 0 ? f : undefined;
    }, 'flags off with the corrupt model');
    assert.deepEqual(flags, []);
    const before = session.pending().length;
    await vscode.commands.executeCommand('rlhf.refreshQueue');
    assert.equal(session.pending().length, before);
    await vscode.commands.executeCommand('rlhf.openReviewPanel');
    const item = session.current()!;
    session.vote(item.id, { winner: item.candidates[0].id, judgedAt: new Date().toISOString() });
    assert.equal(session.pending().length, before - 1);

    // Back to the trained model: flags return.
    const ok = (await vscode.commands.executeCommand('rlhf.loadRewardModel', vscode.Uri.file(trained.result!.dir))) as LoadOutcome;
    assert.ok(ok.ok, ok.message);
    const again = (await vscode.commands.executeCommand('rlhf.refreshFlagged')) as FlagOut[];
    assert.ok(again.length > 50);
    await setSetting('reward.modelPath', undefined);
    assert.equal(onnxInHost(), false, 'onnxruntime was loaded into the extension host');
  });
});
