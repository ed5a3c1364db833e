// Candidate generation inside a real extension host, against a chat completions server on
// 127.0.0.1 that enforces the OpenAI contract (test/fixtures/servers/chatCompletions.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RlhfApi } from '../../src/extension';
import type { QueueItem } from '../../src/core/records';
import { startChatServer, type ChatServer } from '../fixtures/servers/chatCompletions';

const api = () => vscode.extensions.getExtension<RlhfApi>('rlhf-review.rlhf-review')!.activate();
const cfg = () => vscode.workspace.getConfiguration('rlhf.generation');

function queueItems(storeDir: string): QueueItem[] {
  const f = path.join(storeDir, 'queue.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as QueueItem) : [];
}

describe('Compare Responses against an OpenAI-compatible server', () => {
  let server: ChatServer;
  let ws: string;

  before(async () => {
    server = await startChatServer({ reply: (c) => `\`\`\`python\ndef add(a, b):\n    \"\"\"Add two numbers (sample ${c.requestNo}.${c.choiceIndex}).\"\"\"\n    return a + b\n\`\`\`` });
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fs.writeFileSync(path.join(ws, 'calc.py'), 'import math\n\ndef add(a, b):\n    return a + b\n');
  });
  after(async () => {
    await cfg().update('sources', undefined, vscode.ConfigurationTarget.Workspace);
    await cfg().update('candidates', undefined, vscode.ConfigurationTarget.Workspace);
    await server.close();
  });

  it('streams two samples of one model into a queued item with model metadata and code context', async () => {
    await cfg().update('sources', [{ id: 'local', baseUrl: server.url, model: 'coder-7b', temperature: 0.7 }], vscode.ConfigurationTarget.Workspace);
    const doc = await vscode.workspace.openTextDocument(path.join(ws, 'calc.py'));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(2, 0, 3, 16);
    const { storeDir, session } = await api();
    const before = queueItems(storeDir).length;
    const itemId = (await vscode.commands.executeCommand('rlhf.compareResponses', 'Add a docstring')) as string;
    assert.ok(itemId, 'no item id returned');
    const items = queueItems(storeDir);
    assert.equal(items.length, before + 1);
    const item = items.at(-1)!;
    assert.equal(item.id, itemId);
    assert.equal(item.origin?.kind, 'generate');
    assert.equal(item.prompt.instruction, 'Add a docstring');
    assert.equal(item.prompt.context?.filePath, 'calc.py');
    assert.equal(item.prompt.context?.language, 'python');
    assert.deepEqual(item.prompt.context?.selection, { startLine: 2, endLine: 3, text: 'def add(a, b):\n    return a + b' });
    assert.equal(item.candidates.length, 2);
    for (const c of item.candidates) {
      assert.equal(c.model, 'coder-7b');
      assert.equal(c.source, 'local');
      assert.equal((c.params as { temperature?: number } | undefined)?.temperature, 0.7);
      assert.ok(typeof c.latencyMs === 'number' && c.latencyMs >= 0);
      // Token usage from the stream's final usage chunk.
      assert.ok((c.usage?.promptTokens ?? 0) > 0, `no prompt token count on ${c.id}`);
      assert.match(c.text, /def add/);
    }
    // The request the server got carried the instruction and the selected code.
    const req = server.chatRequests().at(-1)!.body as { stream: boolean; messages: { role: string; content: string }[] };
    assert.equal(req.stream, true);
    assert.match(req.messages.at(-1)!.content, /Add a docstring[\s\S]*def add\(a, b\):/);
    // The panel shows the item; a vote stores a record with the model metadata.
    session.refresh();
    const rec = session.vote(itemId, { winner: item.candidates[0].id, judgedAt: new Date().toISOString() });
    assert.equal(rec.candidates[0].model, 'coder-7b');
    assert.ok(rec.candidates.every((c) => c.latencyMs !== undefined));
  });

  it('keeps the candidates that arrived when one source fails, and names the failure', async () => {
    await cfg().update('candidates', 3, vscode.ConfigurationTarget.Workspace);
    await cfg().update(
      'sources',
      [
        { id: 'good', baseUrl: server.url, model: 'coder-7b' },
        { id: 'broken', baseUrl: server.url, model: 'test-500-99', retries: 0 },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
    const { storeDir } = await api();
    const itemId = (await vscode.commands.executeCommand('rlhf.compareResponses', 'Rename the function')) as string;
    const item = queueItems(storeDir).find((i) => i.id === itemId)!;
    assert.equal(item.candidates.length, 2);
    assert.ok(item.candidates.every((c) => c.source === 'good'));
  });

  it('queues nothing when fewer than two candidates arrive', async () => {
    await cfg().update('candidates', 2, vscode.ConfigurationTarget.Workspace);
    await cfg().update(
      'sources',
      [
        { id: 'good', baseUrl: server.url, model: 'coder-7b' },
        { id: 'bad', baseUrl: server.url, model: 'test-400' },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
    const { storeDir } = await api();
    const before = queueItems(storeDir).length;
    const itemId = await vscode.commands.executeCommand('rlhf.compareResponses', 'Something');
    assert.equal(itemId, undefined);
    assert.equal(queueItems(storeDir).length, before);
  });

  it('without a usable source (bad settings, no language model provider) queues nothing and does not throw', async () => {
    await cfg().update('sources', [{ id: 'bad', baseUrl: 'ftp://example', model: 'm' }], vscode.ConfigurationTarget.Workspace);
    await cfg().update('languageModels', [{ vendor: 'copilot' }], vscode.ConfigurationTarget.Workspace);
    try {
      const { storeDir } = await api();
      const before = queueItems(storeDir).length;
      // The command shows an error naming the bad field and returns; nothing is asked of any server.
      const requests = server.requests.length;
      const result = await Promise.race([vscode.commands.executeCommand('rlhf.compareResponses', 'x'), new Promise((r) => setTimeout(() => r('timeout'), 5000))]);
      assert.equal(result, undefined);
      assert.equal(queueItems(storeDir).length, before);
      assert.equal(server.requests.length, requests);
    } finally {
      await cfg().update('languageModels', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('asks every configured source, even with more sources than candidates', async () => {
    await cfg().update('candidates', 2, vscode.ConfigurationTarget.Workspace);
    await cfg().update(
      'sources',
      [
        { id: 'first', baseUrl: server.url, model: 'model-a' },
        { id: 'second', baseUrl: server.url, model: 'model-b' },
        { id: 'third', baseUrl: server.url, model: 'model-c' },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
    const { storeDir } = await api();
    const itemId = (await vscode.commands.executeCommand('rlhf.compareResponses', 'Three sources')) as string;
    assert.ok(itemId, 'no item id returned');
    const item = queueItems(storeDir).find((i) => i.id === itemId)!;
    assert.equal(item.candidates.length, 3);
    assert.deepEqual(item.candidates.map((c) => c.source).sort(), ['first', 'second', 'third']);
  });

  it('ignores an API key written in settings: never sent, never stored, and the source still runs', async () => {
    const key = 'sk-in-settings-LEAK-424242';
    await cfg().update('candidates', 2, vscode.ConfigurationTarget.Workspace);
    await cfg().update(
      'sources',
      [{ id: 'leaky', baseUrl: server.url, model: 'leaky-model', apiKey: key, headers: { Authorization: `Bearer ${key}`, 'api-key': key, 'X-Title': 'rlhf-review' } }],
      vscode.ConfigurationTarget.Workspace,
    );
    const { storeDir } = await api();
    const itemId = (await vscode.commands.executeCommand('rlhf.compareResponses', 'Keys stay out of settings')) as string;
    assert.ok(itemId, 'no item id returned');
    const sent = server.chatRequests().filter((r) => r.body?.model === 'leaky-model');
    assert.equal(sent.length, 2);
    for (const r of sent) {
      assert.equal(r.headers.authorization, undefined, 'the settings key was sent as Authorization');
      assert.equal(r.headers['api-key'], undefined, 'the settings key was sent as api-key');
      assert.equal(r.headers['x-title'], 'rlhf-review', 'a harmless custom header was dropped');
    }
    assert.ok(!fs.readFileSync(path.join(storeDir, 'queue.jsonl'), 'utf8').includes(key), 'the store contains the settings key');
  });

  it('uses the API key from secret storage and never writes it to settings or the store', async () => {
    const keyed = await startChatServer({ apiKey: 'sk-test-secret-123' });
    try {
      await cfg().update('sources', [{ id: 'keyed', baseUrl: keyed.url, model: 'coder-7b' }], vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('rlhf.setApiKey', 'source:keyed', 'sk-test-secret-123');
      const { storeDir } = await api();
      const itemId = await vscode.commands.executeCommand('rlhf.compareResponses', 'Use the key');
      assert.ok(itemId);
      assert.equal(keyed.chatRequests()[0].headers.authorization, 'Bearer sk-test-secret-123');
      for (const f of [path.join(storeDir, 'queue.jsonl'), path.join(ws, '.vscode', 'settings.json')]) {
        assert.ok(!fs.readFileSync(f, 'utf8').includes('sk-test-secret-123'), `${f} contains the key`);
      }
    } finally {
      await vscode.commands.executeCommand('rlhf.setApiKey', 'source:keyed', '');
      await keyed.close();
    }
  });

  it('asks a VS Code language model (vscode.lm provider) for candidates; a failed sample leaves the others', async () => {
    let models = await vscode.lm.selectChatModels({ vendor: 'rlhf-fake' });
    for (let i = 0; i < 100 && models.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      models = await vscode.lm.selectChatModels({ vendor: 'rlhf-fake' });
    }
    assert.equal(models.length, 1, 'the fake language model provider is not registered');
    await cfg().update('sources', [], vscode.ConfigurationTarget.Workspace);
    await cfg().update('languageModels', [{ vendor: 'rlhf-fake' }], vscode.ConfigurationTarget.Workspace);
    try {
      const { storeDir } = await api();
      const id = (await vscode.commands.executeCommand('rlhf.compareResponses', 'Add two numbers')) as string;
      assert.ok(id, 'nothing was queued from the language model');
      const item = queueItems(storeDir).find((i) => i.id === id)!;
      assert.equal(item.candidates.length, 2);
      for (const c of item.candidates) {
        assert.equal(c.source, 'vscode.lm:rlhf-fake');
        assert.equal(c.model, models[0].id);
        assert.match(c.text, /return a \+ b {2}# fake-lm answer \d+/);
        assert.ok(typeof c.latencyMs === 'number');
      }
      assert.notEqual(item.candidates[0].text, item.candidates[1].text);
      // Three samples, the provider refuses one of them: the two that arrived are compared.
      await cfg().update('candidates', 3, vscode.ConfigurationTarget.Workspace);
      const flaky = (await vscode.commands.executeCommand('rlhf.compareResponses', 'a flaky request')) as string;
      assert.ok(flaky, 'one failed sample lost the whole comparison');
      const got = queueItems(storeDir).find((i) => i.id === flaky)!;
      assert.equal(got.candidates.length, 2);
      assert.ok(got.candidates.every((c) => c.source === 'vscode.lm:rlhf-fake'));
    } finally {
      await cfg().update('candidates', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('languageModels', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('sources', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it("never sends a source's key to another server: a settings change of its baseUrl drops the key", async () => {
    const first = await startChatServer({ apiKey: 'sk-bound-456' });
    const other = await startChatServer({});
    try {
      await cfg().update('sources', [{ id: 'bound', baseUrl: first.url, model: 'coder-7b' }], vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('rlhf.setApiKey', 'source:bound', 'sk-bound-456');
      assert.ok(await vscode.commands.executeCommand('rlhf.compareResponses', 'With its key'));
      assert.equal(first.chatRequests()[0].headers.authorization, 'Bearer sk-bound-456');
      // A workspace (or a typo) points the same source id at another server.
      await cfg().update('sources', [{ id: 'bound', baseUrl: other.url, model: 'coder-7b' }], vscode.ConfigurationTarget.Workspace);
      assert.ok(await vscode.commands.executeCommand('rlhf.compareResponses', 'Without its key'));
      assert.ok(other.chatRequests().length > 0);
      for (const r of other.chatRequests()) assert.equal(r.headers.authorization, undefined, 'the key went to a server it was not saved for');
    } finally {
      await vscode.commands.executeCommand('rlhf.setApiKey', 'source:bound', '');
      await first.close();
      await other.close();
    }
  });
});

describe('Compare Two Snippets and Continue import', () => {
  it('builds a review item from two snippets without calling a model', async () => {
    const { storeDir } = await api();
    const id = (await vscode.commands.executeCommand('rlhf.compareSnippets', 'xs.sort()', 'sorted(xs)', 'Sort in place?')) as string;
    const item = queueItems(storeDir).find((i) => i.id === id)!;
    assert.equal(item.origin?.kind, 'snippets');
    assert.deepEqual(item.candidates.map((c) => c.text), ['xs.sort()', 'sorted(xs)']);
    assert.equal(item.prompt.instruction, 'Sort in place?');
  });

  it('imports Continue dev data: accepted edits become preferences, bad lines are reported', async () => {
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const dir = path.join(ws, 'dev_data', '0.2.0');
    fs.mkdirSync(dir, { recursive: true });
    const base = { eventName: 'editOutcome', schema: '0.2.0', timestamp: '2025-03-01T10:00:00.000Z', userId: '', userAgent: 'VS Code', selectedProfileId: 'local', modelProvider: 'ollama', modelName: 'qwen2.5-coder', modelTitle: 'Qwen', filepath: 'file:///p/a.ts', previousCodeLines: 1, newCodeLines: 2, lineChange: 1 };
    fs.writeFileSync(
      path.join(dir, 'editOutcome.jsonl'),
      [
        JSON.stringify({ ...base, prompt: 'Add a null check', completion: 'if (!x) return;', previousCode: 'use(x);\n', newCode: 'if (!x) return;\nuse(x);\n', accepted: true }),
        '{broken',
      ].join('\n') + '\n',
    );
    const r = (await vscode.commands.executeCommand('rlhf.importContinueLogs', vscode.Uri.file(path.join(ws, 'dev_data')))) as { items: number; records: number; skipped: number };
    assert.deepEqual(r, { items: 1, records: 1, skipped: 1 });
    const { session, storeDir } = await api();
    assert.ok(fs.existsSync(path.join(storeDir, 'preferences.jsonl')));
    const implied = session.store.load().records.find((p) => p.judgment.reviewer === 'continue (implicit)');
    assert.ok(implied, 'no implied record');
    assert.match(implied.candidates.find((c) => c.id === implied.judgment.winner)!.text, /if \(!x\) return/);
    // A second import adds nothing.
    const again = (await vscode.commands.executeCommand('rlhf.importContinueLogs', vscode.Uri.file(path.join(ws, 'dev_data')))) as { items: number };
    assert.equal(again.items, 0);
  });
});
