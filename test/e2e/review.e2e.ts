// The review flow as a user runs it: the packaged VSIX installed in code-server, the command
// palette, keyboard votes in the webview, and the records that land in the store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, screenshot, waitFor, webviewFrame } from '../support/browser';
import { openPackagedWorkbench } from '../support/workbench';
import { tempDir, type CodeServer } from '../support/codeServer';

interface StoredLine {
  type: string;
  id: string;
  itemId?: string;
  recordId?: string;
  judgment?: { winner?: string; shownOrder?: string[] };
}

let server: CodeServer;
let browser: Browser;
let page: Page;
let frame: FrameLocator;
const workspace = tempDir('e2e-ws');
const prefsFile = path.join(workspace, '.rlhf', 'preferences.jsonl');

function stored(): StoredLine[] {
  if (!fs.existsSync(prefsFile)) return [];
  return fs.readFileSync(prefsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as StoredLine);
}

async function shownItem(): Promise<{ ids: string[]; instruction: string }> {
  const ids = await frame.locator('.candidate').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.candidateId!));
  return { ids, instruction: (await frame.locator('.instruction').textContent()) ?? '' };
}

/** Presses a key with focus inside the panel, as a reviewer would after clicking into it. */
async function press(key: string): Promise<void> {
  await frame.locator('.actions .action').first().focus();
  await page.keyboard.press(key);
}

beforeAll(async () => {
  fs.writeFileSync(path.join(workspace, 'hello.py'), 'def dedupe(items):\n    return items\n');
  ({ server, browser, page } = await openPackagedWorkbench({ workspace, settings: { 'workbench.colorTheme': 'Default Dark Modern' } }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('review panel from the packaged VSIX', () => {
  it('opens from the command palette with the sample queue', async () => {
    await runCommand(page, 'RLHF: Open Review Panel');
    frame = webviewFrame(page);
    await frame.locator('#rlhf-root .candidate').first().waitFor({ timeout: 30_000 });
    const item = await shownItem();
    expect(item.ids.length).toBeGreaterThanOrEqual(2);
    expect(item.instruction.length).toBeGreaterThan(10);
    expect(await frame.locator('.badge').textContent()).toBe('Sample queue');
    expect(await frame.locator('.progress-text').textContent()).toMatch(/^1 \/ 8$/);
    // Model names stay hidden until the vote.
    expect(await frame.locator('.candidate-model.hidden-model').count()).toBe(item.ids.length);
    await screenshot(page, 'review-panel-dark');
  });

  it('votes "A is better" with one key and saves the record to the store', async () => {
    const before = await shownItem();
    await press('a');
    const rec = await waitFor(() => stored().find((l) => l.type === 'preference'), 'a preference record');
    expect(rec.judgment!.winner).toBe(before.ids[0]);
    expect(rec.judgment!.shownOrder).toEqual(before.ids);
    // The next item replaces it.
    await waitFor(async () => (await shownItem()).instruction !== before.instruction, 'the next item');
    await waitFor(async () => /Saved: A is better/.test((await frame.locator('#rlhf-live').textContent()) ?? ''), 'the saved announcement');
    expect(await frame.locator('#rlhf-live').textContent()).toMatch(/Saved: A is better/);
  });

  it('records tie (mouse) and both-bad (key), then undo retracts the last one', async () => {
    const tieItem = await shownItem();
    // With the mouse: the panel's Tie button.
    await frame.locator('.actions button.vote', { hasText: 'Tie' }).click();
    await waitFor(() => stored().filter((l) => l.type === 'preference').length === 2, 'the tie record');
    await waitFor(async () => (await shownItem()).instruction !== tieItem.instruction, 'the item after the tie');
    await press('x');
    await waitFor(() => stored().filter((l) => l.type === 'preference').length === 3, 'the both-bad record');
    const prefs = stored().filter((l) => l.type === 'preference');
    expect(prefs.map((p) => p.judgment!.winner).slice(1)).toEqual(['tie', 'both_bad']);
    const bothBadItem = prefs[2].itemId;
    await press('u');
    const retraction = await waitFor(() => stored().find((l) => l.type === 'retract'), 'the retraction');
    expect(retraction.recordId).toBe(prefs[2].id);
    // The undone item is shown again.
    await waitFor(async () => {
      return (await shownItem()).ids.every((id) => id.startsWith(bothBadItem!));
    }, 'the undone item back on screen');
    await screenshot(page, 'review-panel-after-undo');
  });

  it('shows the queue with progress in the activity bar view', async () => {
    await page.locator('.activitybar [aria-label^="RLHF Review"]').first().click();
    // A lone view's header is folded into the container title; its aria-label carries the progress.
    await waitFor(async () => (await page.locator('.pane-header[aria-label*="2 / 8 reviewed"]').count()) > 0, 'queue progress "2 / 8 reviewed"');
    await page.locator('.monaco-list-row', { hasText: 'Explain what this regex matches' }).first().waitFor({ state: 'visible' });
    await screenshot(page, 'queue-view-dark');
  });
});
