// Runs inside the extension host with the real `vscode` API.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RlhfApi } from '../../src/extension';
import type { QueueItem } from '../../src/core/records';
import { applyToDocument } from '../../src/host/reviewPanel';

const EXT_ID = 'rlhf-review.rlhf-review';

async function api(): Promise<RlhfApi> {
  const ext = vscode.extensions.getExtension<RlhfApi>(EXT_ID);
  assert.ok(ext, `extension ${EXT_ID} is not installed in this host`);
  return ext.activate();
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readLines(file: string): unknown[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('RLHF Review in a real extension host', () => {
  it('runs in VS Code 1.100 and registers its commands', async () => {
    assert.match(vscode.version, /^1\.100\./);
    await api();
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['rlhf.openReviewPanel', 'rlhf.importQueue', 'rlhf.refreshQueue']) assert.ok(cmds.includes(c), `${c} missing`);
  });

  it('offers the bundled sample queue while the workspace has none', async () => {
    const { session } = await api();
    session.refresh();
    assert.equal(session.usingSamples, true);
    assert.ok(session.pending().length >= 5, `sample queue has ${session.pending().length} items`);
  });

  it('imports a queue file, skipping bad lines with their line numbers', async () => {
    const { session, storeDir } = await api();
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(ws, 'incoming.jsonl');
    fs.writeFileSync(
      file,
      [
        JSON.stringify({ prompt: 'Sort numbers', candidates: [{ text: 'a.sort()' }, { text: 'sorted(a)', model: 'm2' }] }),
        '{"prompt": "broken',
        JSON.stringify({ prompt: 'One only', candidates: [{ text: 'x' }] }),
        JSON.stringify({ prompt: 'Reverse', context: { language: 'python' }, candidates: [{ text: 'a[::-1]' }, { text: 'reversed(a)' }] }),
      ].join('\n') + '\n',
    );
    await vscode.commands.executeCommand('rlhf.importQueue', vscode.Uri.file(file));
    const lines = readLines(path.join(storeDir, 'queue.jsonl')) as { prompt: { instruction: string } }[];
    assert.deepEqual(lines.map((l) => l.prompt.instruction), ['Sort numbers', 'Reverse']);
    session.refresh();
    assert.equal(session.usingSamples, false);
    assert.equal(session.pending().length, 2);
    // Importing the same file again adds nothing.
    await vscode.commands.executeCommand('rlhf.importQueue', vscode.Uri.file(file));
    assert.equal(readLines(path.join(storeDir, 'queue.jsonl')).length, 2);
  });

  it('opens the review panel and saves a judgment durably', async () => {
    const { session, storeDir } = await api();
    await vscode.commands.executeCommand('rlhf.openReviewPanel');
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    await until(() => tabs().some((t) => t.label === 'RLHF Review'), 'the RLHF Review tab');
    assert.ok(tabs().find((t) => t.label === 'RLHF Review')!.input instanceof vscode.TabInputWebview);
    const item = session.current()!;
    const rec = session.vote(item.id, { winner: item.candidates[1].id, judgedAt: new Date().toISOString() });
    const stored = readLines(path.join(storeDir, 'preferences.jsonl')) as { id: string; judgment: { winner: string } }[];
    assert.equal(stored.at(-1)!.id, rec.id);
    assert.equal(stored.at(-1)!.judgment.winner, item.candidates[1].id);
    assert.ok(fs.existsSync(path.join(storeDir, '.gitattributes')));
  });

  it('reports a corrupt store line, keeps it aside and still loads the rest', async () => {
    const { session, storeDir } = await api();
    const prefs = path.join(storeDir, 'preferences.jsonl');
    const before = fs.readFileSync(prefs, 'utf8');
    fs.appendFileSync(prefs, '{"v":1,"type":"preference","id":"torn-rec","itemId":"x"');
    await vscode.commands.executeCommand('rlhf.refreshQueue');
    const snap = session.store.load();
    assert.equal(snap.bad.length, 1);
    assert.equal(snap.bad[0].line, before.split('\n').length);
    assert.ok(snap.records.length >= 1);
    const corrupt = readLines(path.join(storeDir, 'corrupt.jsonl')) as { file: string; line: number }[];
    assert.equal(corrupt.length, 1);
    assert.equal(corrupt[0].file, 'preferences.jsonl');
    assert.ok(fs.readFileSync(prefs, 'utf8').startsWith(before), 'the original file was rewritten');
  });

  it('applies only to files of the workspace, or one the user has open', async () => {
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const outsideDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-outside-'));
    const outside = path.join(outsideDir, 'victim.py');
    fs.writeFileSync(outside, 'x = 1\n');
    const item = (filePath: string): QueueItem => ({
      id: `apply-${filePath}`,
      prompt: { instruction: 'set x', context: { filePath, language: 'python', selection: { startLine: 0, endLine: 0, text: 'x = 1' } } },
      candidates: [{ id: 'a', text: '```python\nx = 2\n```' }, { id: 'b', text: 'x = 3' }],
      createdAt: new Date().toISOString(),
    });
    await assert.rejects(applyToDocument(item(outside), 'x = 2'), /outside this workspace; open it in an editor first/);
    const rel = path.relative(ws, outside);
    assert.ok(rel.startsWith('..'));
    await assert.rejects(applyToDocument(item(rel), 'x = 2'), /is not in this workspace/);
    assert.equal(fs.readFileSync(outside, 'utf8'), 'x = 1\n');
    // Once the user has the file open, the answer goes into it (unsaved, undoable).
    const doc = await vscode.workspace.openTextDocument(outside);
    await applyToDocument(item(outside), '```python\nx = 2\n```');
    assert.equal(doc.getText(), 'x = 2\n');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    fs.rmSync(outsideDir, { recursive: true, force: true });
  });
});
