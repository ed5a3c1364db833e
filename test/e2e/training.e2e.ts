// A fine-tuning run as a user starts it: the packaged VSIX in code-server, the command palette,
// quick picks driven with the keyboard, and the run followed to the end in the Runs view.
// The trainer is test/fixtures/trainer/fake_trainer.py (the real script's events, no torch).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, screenshot, waitFor } from '../support/browser';
import { openPackagedWorkbench } from '../support/workbench';
import { ROOT, tempDir, type CodeServer } from '../support/codeServer';

let server: CodeServer;
let browser: Browser;
let page: Page;
const workspace = tempDir('e2e-train-ws');
const runsFile = path.join(workspace, '.rlhf', 'runs', 'runs.jsonl');

interface RunLine {
  runId: string;
  set: { status?: string; output?: string; method?: string; target?: string; metrics?: { percent?: number } };
}

function runEvents(): RunLine[] {
  if (!fs.existsSync(runsFile)) return [];
  return fs.readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunLine);
}

function seedStore(): void {
  const lines = Array.from({ length: 6 }, (_, i) =>
    JSON.stringify({
      v: 1,
      type: 'preference',
      id: `rec-${i}`,
      itemId: `item-${i}`,
      prompt: { instruction: `Remove duplicates from list ${i} keeping order`, context: { filePath: 'util.py', language: 'python' } },
      candidates: [
        { id: `item-${i}-a`, text: 'def dedupe(xs):\n    return list(dict.fromkeys(xs))' },
        { id: `item-${i}-b`, text: 'def dedupe(xs):\n    return list(set(xs))' },
      ],
      judgment: { winner: `item-${i}-a`, judgedAt: '2026-01-01T00:00:00Z' },
    }),
  );
  fs.mkdirSync(path.join(workspace, '.rlhf'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.rlhf', 'preferences.jsonl'), lines.join('\n') + '\n');
}

/** Waits for the quick input to show `title`, types `filter` (if any) and accepts with Enter. */
async function choose(title: RegExp, filter?: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 15_000 });
  if (filter !== undefined) {
    await page.keyboard.type(filter);
    await widget.locator('.quick-input-list .monaco-list-row.focused', { hasText: filter }).waitFor({ state: 'visible' });
  }
  await page.keyboard.press('Enter');
}

beforeAll(async () => {
  seedStore();
  // Workspace settings are changed during the tests: VS Code notices edits of an existing
  // .vscode/settings.json, not one created after the folder was opened.
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), '{}\n');
  ({ server, browser, page } = await openPackagedWorkbench({
    workspace,
    settings: {
      'workbench.colorTheme': 'Default Dark Modern',
      'rlhf.training.pythonPath': 'python3',
      'rlhf.training.scriptPath': path.join(ROOT, 'test', 'fixtures', 'trainer', 'fake_trainer.py'),
      'rlhf.training.env': { FAKE_TRAINER_STEPS: '12', FAKE_TRAINER_DELAY: '1' },
      'rlhf.export.evalRatio': 0,
    },
  }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('fine-tuning run from the packaged VSIX', () => {
  it('starts a local DPO run from the command palette with keyboard-driven quick picks', async () => {
    await runCommand(page, 'RLHF: Start Fine-Tuning Run');
    await choose(/method/, 'DPO');
    await screenshot(page, 'training-target-pick');
    await choose(/where to train/, 'Local GPU');
    // The base model box comes pre-filled from rlhf.training.baseModel: accept it.
    await choose(/base model/);
    const started = await waitFor(() => runEvents().find((e) => e.set.status === 'starting'), 'the run to be recorded', 30_000);
    expect(started.set).toMatchObject({ method: 'dpo', target: 'local' });
  });

  it('shows progress in the status bar and the Runs view, and the run finishes there', async () => {
    await page.locator('.activitybar [aria-label^="RLHF Review"]').first().click();
    const header = page.locator('.pane-header', { hasText: /^\s*Runs/ }).first();
    await header.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    const row = page.locator('.monaco-list-row', { hasText: 'DPO · Local GPU' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    // Mid-run: percent in the status bar item and in the row.
    const status = page.locator('.statusbar-item', { hasText: /DPO \d+%/ }).first();
    await status.waitFor({ state: 'visible', timeout: 20_000 });
    await waitFor(async () => /running \d+%/.test((await row.textContent()) ?? ''), 'a running percent in the Runs view', 20_000);
    await screenshot(page, 'training-run-progress');
    await waitFor(() => runEvents().some((e) => e.set.status === 'succeeded'), 'the run to succeed', 60_000);
    await waitFor(async () => /succeeded/.test((await row.textContent()) ?? ''), 'succeeded in the Runs view', 15_000);
    // Expand the run: its details (dataset hash, metrics, output) are rows of the tree.
    await row.click();
    await page.keyboard.press('ArrowRight');
    await page.locator('.monaco-list-row', { hasText: 'Dataset: sha256' }).first().waitFor({ state: 'visible' });
    const metrics = (await page.locator('.monaco-list-row', { hasText: 'Metrics:' }).first().textContent()) ?? '';
    expect(metrics).toMatch(/100% · step 12\/12 · loss/);
    const output = (await page.locator('.monaco-list-row', { hasText: 'Output:' }).first().textContent()) ?? '';
    expect(output).toContain(path.join('.rlhf', 'runs'));
    await screenshot(page, 'training-run-finished');
    const done = runEvents().find((e) => e.set.status === 'succeeded')!;
    expect(fs.readFileSync(path.join(done.set.output!, 'model.txt'), 'utf8')).toMatch(/^fake model trained on 6 examples/);
  });

  it('exports from the palette: format, code, folder, then the validation report before writing', async () => {
    await runCommand(page, 'RLHF: Export Preferences');
    await choose(/format/, 'TRL preference (standard)');
    await choose(/code in prompts/, 'No code');
    await choose(/folder/); // the default, .rlhf/exports/trl-preference
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain('Export 6 example(s) as TRL preference (standard) without code?');
    expect(text).toContain('6 record(s) → 6 pairs (6 from winners, 0 from rankings, 0 from rewrites); 6 train, 0 eval.');
    await screenshot(page, 'export-report-dialog');
    await dialog.locator('.monaco-button', { hasText: 'Write Export' }).click();
    const dir = path.join(workspace, '.rlhf', 'exports', 'trl-preference');
    await waitFor(() => fs.existsSync(path.join(dir, 'manifest.json')), 'the manifest');
    const rows = fs.readFileSync(path.join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string });
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => !r.prompt.includes('util.py'))).toBe(true);
    await page.locator('.notification-toast', { hasText: 'exported 6 example(s)' }).first().waitFor({ state: 'visible' });
  });
  it('a local run goes on through a window reload; the reloaded window follows its log to the end', async () => {
    // A longer run than the first one, so the reload lands in the middle of it.
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'rlhf.training.env': { FAKE_TRAINER_STEPS: '20', FAKE_TRAINER_DELAY: '1' } }));
    const earlier = new Set(runEvents().map((e) => e.runId));
    await page.waitForTimeout(1000); // the settings file is picked up by a file watcher
    await runCommand(page, 'RLHF: Start Fine-Tuning Run');
    await choose(/method/, 'DPO');
    await choose(/where to train/, 'Local GPU');
    await choose(/base model/);
    const id = (await waitFor(() => runEvents().find((e) => !earlier.has(e.runId) && e.set.status === 'running'), 'the second run to be running', 30_000)).runId;
    const log = path.join(workspace, '.rlhf', 'runs', id, 'train.log');
    const trainerLog = path.join(workspace, '.rlhf', 'runs', id, 'trainer.log');
    await waitFor(() => fs.existsSync(trainerLog) && fs.readFileSync(trainerLog, 'utf8').includes('"step":2,'), 'the run to log its second step', 20_000);
    await page.reload(); // the window reloads: a new extension host
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await waitFor(() => /following again after a reload \(Local GPU\)/.test(fs.readFileSync(log, 'utf8')), 'the reloaded window to follow the run again', 60_000);
    const header = page.locator('.pane-header', { hasText: /^\s*Runs/ }).first();
    // The reloaded window restores the open side bar; clicking its icon again would close it.
    await page.waitForTimeout(1500);
    if (!(await header.isVisible())) await page.locator('.activitybar [aria-label^="RLHF Review"]').first().click();
    await header.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    // Newest first: the run started before the reload is the tree's first top-level row. The list
    // keeps its rows in DOM order of rendering, not of position, so select by position.
    const row = page.locator('.monaco-list-row[aria-level="1"][aria-posinset="1"]', { hasText: 'DPO · Local GPU' });
    await waitFor(async () => /running \d+%/.test((await row.textContent()) ?? ''), 'the run going on in the Runs view', 30_000);
    await screenshot(page, 'training-run-after-reload');
    await waitFor(() => runEvents().some((e) => e.runId === id && e.set.status === 'succeeded'), 'the run to succeed', 90_000);
    await waitFor(async () => /succeeded/.test((await row.textContent()) ?? ''), 'succeeded in the Runs view', 15_000);
    expect(await row.textContent()).toMatch(/step 20\/20/);
    expect(fs.readFileSync(trainerLog, 'utf8')).toContain('"event":"done"');
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), '{}\n');
  });
});
