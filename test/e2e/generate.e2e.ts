// The whole generation flow as a user runs it, in code-server from the packaged VSIX, against a
// chat completions server on 127.0.0.1: selection → instruction → streamed candidates → vote
// and apply with the keyboard → edited file → stored record with model metadata.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, screenshot, waitFor, webviewFrame } from '../support/browser';
import { openPackagedWorkbench } from '../support/workbench';
import { tempDir, type CodeServer } from '../support/codeServer';
import { startChatServer, type ChatServer } from '../fixtures/servers/chatCompletions';

let chat: ChatServer;
let server: CodeServer;
let browser: Browser;
let page: Page;
let frame: FrameLocator;
const workspace = tempDir('gen-ws');
const file = path.join(workspace, 'calc.py');
const ORIGINAL = 'import math\n\ndef area(r):\n    return 3.14 * r * r\n\nprint(area(2))\n';

beforeAll(async () => {
  fs.writeFileSync(file, ORIGINAL);
  // Workspace settings are changed during the tests: VS Code notices edits of an existing
  // .vscode/settings.json, not one created after the folder was opened.
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), '{}\n');
  // Each sample answers differently, slowly enough that streaming is visible.
  chat = await startChatServer({
    chunkDelayMs: 15,
    reply: (c) =>
      c.choiceIndex === 0 && c.requestNo % 2 === 1
        ? 'Use `math.pi`:\n\n```python\ndef area(r):\n    return math.pi * r ** 2\n```'
        : 'Here you go:\n\n```python\ndef area(r):\n    return 3.14159 * r * r\n```',
  });
  ({ server, browser, page } = await openPackagedWorkbench({
    workspace,
    settings: {
      'workbench.colorTheme': 'Default Dark Modern',
      'rlhf.shuffleCandidates': false,
      'rlhf.generation.sources': [
        { id: 'coder', baseUrl: chat.url, model: 'coder-7b', temperature: 0.2 },
        { id: 'coder-hot', baseUrl: chat.url, model: 'coder-7b-hot', temperature: 1.0 },
      ],
    },
  }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await chat?.close();
});

describe('Compare Responses from the command palette', () => {
  it('asks for an instruction about the selected lines and streams candidates into the panel', async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('calc.py');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'calc.py' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    const editor = page.locator('.monaco-editor .view-lines').first();
    await editor.waitFor({ state: 'visible' });
    await editor.click();
    // Select lines 3-4 (the function) with the keyboard.
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+End');
    await runCommand(page, 'RLHF: Compare Responses…');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    expect(await page.locator('.quick-input-widget').textContent()).toContain('lines 3-4 of calc.py');
    await input.fill('Use the precise value of pi');
    await page.keyboard.press('Enter');
    frame = webviewFrame(page);
    await waitFor(async () => (await frame.locator('.candidate').count()) === 2 && (await frame.locator('.candidate.pending, .candidate [data-pending]').count()) === 0 && /math\.pi/.test((await frame.locator('.candidates').textContent()) ?? ''), 'two complete candidates', 30_000);
    await waitFor(async () => !(await frame.locator('.live-note').count()), 'voting to open');
    await screenshot(page, 'generate-candidates-dark');
    const chats = chat.chatRequests();
    expect(chats.map((r) => r.body.model).sort()).toEqual(['coder-7b', 'coder-7b-hot']);
    expect(chats[0].body.messages.at(-1).content).toContain('def area(r):');
  });

  it('applies the chosen answer to the selection and stores the record with model metadata', async () => {
    const ids = await frame.locator('.candidate').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.candidateId!));
    const texts = await frame.locator('.candidate').allTextContents();
    const piIndex = texts.findIndex((t) => t.includes('math.pi'));
    expect(piIndex).toBeGreaterThanOrEqual(0);
    await frame.locator('.candidate-body').nth(piIndex).focus();
    // Move the selection (→) to the candidate that uses math.pi, then Y: vote for it and apply it.
    for (let i = 0; i < ids.length && (await frame.locator('.candidate.selected').getAttribute('data-candidate-id')) !== ids[piIndex]; i++) {
      await page.keyboard.press('ArrowRight');
    }
    expect(await frame.locator('.candidate.selected').getAttribute('data-candidate-id')).toBe(ids[piIndex]);
    await page.keyboard.press('y');
    // The edit is applied to the open document (unsaved): check the editor's text.
    // Monaco renders spaces as U+00A0.
    const editorText = async () => ((await page.locator('.monaco-editor .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
    await waitFor(async () => /return math\.pi \* r \*\* 2/.test(await editorText()), 'the applied edit in the editor');
    expect(await editorText()).toContain('print(area(2))');
    const prefs = path.join(workspace, '.rlhf', 'preferences.jsonl');
    const rec = await waitFor(() => (fs.existsSync(prefs) ? fs.readFileSync(prefs, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.type === 'preference') : undefined), 'the stored record');
    expect(rec.judgment.winner).toBe(ids[piIndex]);
    expect(rec.prompt.context).toMatchObject({ filePath: 'calc.py', language: 'python', selection: { startLine: 2, endLine: 3 } });
    for (const c of rec.candidates) {
      expect(c.model).toMatch(/^coder-7b/);
      expect(typeof c.latencyMs).toBe('number');
      expect(c.params.temperature).toBeGreaterThan(0);
    }
    await screenshot(page, 'generate-applied-dark');
  });
});

describe('Compare Responses from its keybinding, on the whole file, with a failing source', () => {
  it('asks about the whole file when nothing is selected; a failed source shows its error in its column', async () => {
    // A third source that the server refuses (400 with the documented error body).
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
      'rlhf.generation.sources': [
        { id: 'coder', baseUrl: chat.url, model: 'coder-7b', temperature: 0.2 },
        { id: 'coder-hot', baseUrl: chat.url, model: 'coder-7b-hot', temperature: 1.0 },
        { id: 'refused', baseUrl: chat.url, model: 'test-400' },
      ],
    }));
    // Slow streams: the failure is on screen while the other two are still arriving (the panel,
    // hidden by the click on the file's tab, is brought back and reloads meanwhile).
    chat.control({ chunkDelayMs: 800 });
    await page.waitForTimeout(1000); // the settings file is picked up by a file watcher
    const sent = chat.chatRequests().length;
    const editor = page.locator('.monaco-editor .view-lines').first();
    await page.locator('.tab', { hasText: 'calc.py' }).first().click();
    await editor.click();
    await page.keyboard.press('Control+Home'); // a caret, no selection
    await page.keyboard.press('Control+Alt+C');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    expect(await page.locator('.quick-input-widget').textContent()).toMatch(/calc\.py/);
    await input.fill('Add type hints');
    await page.keyboard.press('Enter');
    frame = webviewFrame(page);
    const failed = frame.locator('.candidate.failed');
    await failed.waitFor({ timeout: 30_000 });
    expect(await failed.locator('.candidate-error').textContent()).toMatch(/This candidate failed: .*400/);
    expect(await frame.locator('.candidate.pending').count()).toBeGreaterThan(0);
    await screenshot(page, 'generate-failed-source-dark');
    chat.control({ chunkDelayMs: 15 });
    const asked = chat.chatRequests().slice(sent);
    expect(asked.map((r) => r.body.model).sort()).toEqual(['coder-7b', 'coder-7b-hot', 'test-400']);
    // The whole file went to the models as the code context.
    for (const r of asked) expect(r.body.messages.at(-1).content).toContain('print(area(2))');
    const queueFile = path.join(workspace, '.rlhf', 'queue.jsonl');
    const item = await waitFor(() => fs.readFileSync(queueFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.prompt?.instruction === 'Add type hints'), 'the queued item', 60_000);
    expect(item.candidates.map((c: { model: string }) => c.model).sort()).toEqual(['coder-7b', 'coder-7b-hot']);
    expect(item.prompt.context.selection.startLine).toBe(0);
    expect(item.prompt.context.selection.text).toContain('import math');
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), '{}\n');
    await page.waitForTimeout(1000);
  });
});

describe('cancelling a generation', () => {
  it('stops streaming sources from the progress notification and queues nothing', async () => {
    // The server now waits a minute between stream chunks: both sources stay pending.
    chat.control({ chunkDelayMs: 60_000 });
    const queueFile = path.join(workspace, '.rlhf', 'queue.jsonl');
    const queued = () => fs.readFileSync(queueFile, 'utf8').split('\n').filter(Boolean).length;
    const before = queued();
    const sent = chat.chatRequests().length;
    await runCommand(page, 'RLHF: Compare Responses…');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('Never finishes');
    await page.keyboard.press('Enter');
    await waitFor(() => chat.chatRequests().length >= sent + 2, 'both requests at the server');
    const toast = page.locator('.notification-toast', { hasText: 'RLHF: asking 2 source(s)' });
    await toast.waitFor({ state: 'visible' });
    await waitFor(async () => (await frame.locator('.live-note').count()) > 0, 'the live item in the panel');
    await screenshot(page, 'generate-streaming-cancel-dark');
    await toast.hover();
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await toast.waitFor({ state: 'hidden' });
    // The live item leaves the panel and nothing is queued.
    await waitFor(async () => !(await frame.locator('.live-note').count()), 'the live item to go');
    expect(queued()).toBe(before);
    chat.control({ chunkDelayMs: 0 });
  });
});
