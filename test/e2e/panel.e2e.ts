// Every reviewer action of the review panel, driven in Chromium on code-server with the packaged
// VSIX: the screen and the stored record (.rlhf/preferences.jsonl) are both checked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, screenshot, waitFor, webviewFrame } from '../support/browser';
import { openPackagedWorkbench } from '../support/workbench';
import { OUTPUT_DIR, tempDir, type CodeServer } from '../support/codeServer';

interface Judgment {
  winner?: string;
  strength?: string;
  ranking?: string[][];
  ratings?: Record<string, number>;
  tags?: Record<string, string[]>;
  rationale?: string;
  rewrites?: { candidateId: string; text: string }[];
  shownOrder?: string[];
  guidelineVersion?: string;
  startedAt?: string;
  judgedAt?: string;
}
interface Line {
  type: string;
  id: string;
  itemId?: string;
  recordId?: string;
  judgment?: Judgment;
}

let server: CodeServer;
let browser: Browser;
let page: Page;
let frame: FrameLocator;
const workspace = tempDir('e2e-panel');
const store = path.join(workspace, '.rlhf');
const prefsFile = path.join(store, 'preferences.jsonl');
const appPy = path.join(workspace, 'app.py');
const APP = 'import os\n\n\ndef dedupe(items):\n    return items\n\n\nprint(dedupe([1, 1, 2]))\n';

const code = (body: string) => '```python\n' + body + '\n```';
const pair = (id: string, instruction: string, a: string, b: string, extra: object = {}) => ({
  v: 1,
  type: 'item',
  id,
  prompt: { instruction },
  candidates: [
    { id: `${id}-1`, text: a, model: 'model-one' },
    { id: `${id}-2`, text: b, model: 'model-two' },
  ],
  createdAt: '2026-01-01T00:00:00Z',
  ...extra,
});
const ITEMS = [
  {
    ...pair('apply', 'Make dedupe keep the first occurrence, in order.', code('def dedupe(items):\n    return list(dict.fromkeys(items))'), 'Use a set:\n\n' + code('def dedupe(items):\n    return list(set(items))')),
    prompt: {
      instruction: 'Make dedupe keep the first occurrence, in order.',
      context: { filePath: 'app.py', language: 'python', selection: { startLine: 3, endLine: 4, text: 'def dedupe(items):\n    return items\n' } },
    },
  },
  pair('rate', 'Explain what `git rebase -i` does.', 'It lets you **reorder**, squash and edit commits interactively.\n\n- pick\n- squash', 'It deletes your branch.'),
  { ...pair('rank', 'Name a sorting algorithm.', 'Quicksort', 'Merge sort'), candidates: ['Quicksort', 'Merge sort', 'Bubble sort'].map((text, i) => ({ id: `rank-${i + 1}`, text, model: `m${i + 1}` })) },
  { ...pair('drag', 'Name a prime number.', '2', '9'), candidates: ['7', '9', '11'].map((text, i) => ({ id: `drag-${i + 1}`, text, model: `m${i + 1}` })) },
  pair('rewrite', 'Write hello world in Python.', code('print "hello"'), code('print("hello world")')),
  pair('diffed', 'Add two numbers.', code('def add(a, b):\n    return a + b'), code('add = lambda a, b: a - b')),
  pair('cmd1', 'Reverse a string in Python.', code('s[::-1]'), code("''.join(reversed(s))")),
  pair('cmd2', 'Uppercase a string in Python.', code('s.upper()'), code('s.capitalize()')),
  pair('skip', 'Read a file in Python.', code('open(p).read()'), code('with open(p) as f:\n    data = f.read()')),
  pair('last', 'Sum a list in Python.', code('sum(xs)'), code('reduce(add, xs)')),
];

function stored(): Line[] {
  if (!fs.existsSync(prefsFile)) return [];
  return fs.readFileSync(prefsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
}
const prefs = () => stored().filter((l) => l.type === 'preference');
const retracted = () => new Set(stored().filter((l) => l.type === 'retract').map((l) => l.recordId));
const recordFor = (itemId: string) => prefs().filter((p) => p.itemId === itemId && !retracted().has(p.id)).pop();

async function shown(): Promise<{ id: string; ids: string[] }> {
  const ids = await frame.locator('.candidate').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.candidateId!));
  return { id: ids[0].replace(/-\d+$/, ''), ids };
}
async function waitItem(itemId: string): Promise<string[]> {
  await waitFor(async () => (await shown()).id === itemId, `item ${itemId} on screen`);
  return (await shown()).ids;
}
/** Puts keyboard focus in the panel, as a reviewer clicking into it would. */
async function focusPanel(): Promise<void> {
  await frame.locator('#rlhf-root').focus();
}
async function press(...keys: string[]): Promise<void> {
  await focusPanel();
  for (const k of keys) await page.keyboard.press(k);
}
/** Switches the colour theme the way a user does: the theme picker. */
async function setTheme(theme: string): Promise<void> {
  // Ctrl+K Ctrl+T: the theme picker (the palette's fuzzy match prefers "Browse Color Themes").
  await page.locator('.tab', { hasText: 'app.py' }).first().click();
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  const input = page.locator('.quick-input-widget input[placeholder*="Color Theme"]');
  try {
    await input.waitFor({ timeout: 10_000 });
    await input.fill(theme);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10_000 });
  } catch (e) {
    await screenshot(page, `theme-picker-failed`);
    throw e;
  }
  await page.keyboard.press('Enter');
}

/** A screenshot that also refreshes the README's image when RLHF_UPDATE_DOC_IMAGES=1 (never in CI). */
async function docImage(name: string): Promise<void> {
  const src = await screenshot(page, name);
  if (process.env.RLHF_UPDATE_DOC_IMAGES !== '1') return;
  fs.mkdirSync(path.join(OUTPUT_DIR, '..', 'docs', 'images'), { recursive: true });
  fs.copyFileSync(src, path.join(OUTPUT_DIR, '..', 'docs', 'images', `${name}.png`));
}

beforeAll(async () => {
  fs.mkdirSync(store, { recursive: true });
  fs.writeFileSync(appPy, APP);
  fs.writeFileSync(path.join(store, 'queue.jsonl'), ITEMS.map((i) => JSON.stringify(i)).join('\n') + '\n');
  fs.writeFileSync(path.join(store, 'guidelines.md'), '---\nversion: 3\n---\n# Review guidelines\n\nPrefer **correct** code over short code. Tag unsafe answers.\n');
  ({ server, browser, page } = await openPackagedWorkbench({
    workspace,
    settings: { 'workbench.colorTheme': 'Default Dark Modern', 'rlhf.queueOrder': 'queue', 'rlhf.reviewer': 'e2e-reviewer', 'files.autoSave': 'off',
      // Typing in the rewrite editor must not be completed by word suggestions.
      'editor.quickSuggestions': { other: false, comments: false, strings: false }, 'editor.suggestOnTriggerCharacters': false, 'editor.wordBasedSuggestions': 'off' },
  }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('review panel actions', () => {
  it('shows prompt, code context, guidelines and progress, with models hidden', async () => {
    await runCommand(page, 'RLHF: Open Review Panel');
    frame = webviewFrame(page);
    await frame.locator('#rlhf-root .candidate').first().waitFor({ timeout: 30_000 });
    await waitItem('apply');
    expect(await frame.locator('.progress-text').textContent()).toBe(`1 / ${ITEMS.length}`);
    expect(await frame.locator('.context-meta').textContent()).toBe('app.py · lines 4–5 · python');
    // The selected code is highlighted (token spans), built from text.
    await waitFor(async () => (await frame.locator('.context-code .hl-keyword').count()) > 0, 'highlighted selection');
    expect(await frame.locator('.context-code').textContent()).toContain('def dedupe(items):');
    expect(await frame.locator('.candidate-model.hidden-model').count()).toBe(2);
    await press('i');
    await frame.locator('.guidelines').waitFor();
    expect(await frame.locator('.guidelines .section-title').textContent()).toBe('Guidelines (version 3)');
    expect(await frame.locator('.guidelines strong').textContent()).toBe('correct');
    await docImage('panel-dark');
    await press('i');
    await frame.locator('.guidelines').waitFor({ state: 'detached' });
  });

  it('applies the chosen answer to the file as one undoable edit and records it as the winner', async () => {
    const ids = await waitItem('apply');
    const good = ids.indexOf('apply-1');
    await frame.locator('.candidate').nth(good).locator('.apply-btn').click();
    const rec = await waitFor(() => recordFor('apply'), 'the apply record');
    expect(rec.judgment!.winner).toBe('apply-1');
    expect(rec.judgment!.shownOrder).toEqual(ids);
    expect(rec.judgment!.guidelineVersion).toBe('3');
    await waitFor(async () => /applied to the file/.test((await frame.locator('#rlhf-live').textContent()) ?? ''), 'the apply announcement');
    // The edit is in the editor (not saved yet): save it to read it back, then undo it in one step.
    const tab = page.locator('.tab', { hasText: 'app.py' }).first();
    await tab.waitFor();
    await tab.click();
    await page.keyboard.press('Control+S');
    await waitFor(() => fs.readFileSync(appPy, 'utf8').includes('dict.fromkeys'), 'the applied edit on disk');
    expect(fs.readFileSync(appPy, 'utf8')).toBe(APP.replace('    return items\n', '    return list(dict.fromkeys(items))\n'));
    await page.locator('.editor-instance .view-lines').first().click();
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+S');
    await waitFor(() => fs.readFileSync(appPy, 'utf8') === APP, 'one undo restoring the file');
  });

  it('votes with a strength, ratings, a tag and a rationale, then reveals the models', async () => {
    await page.locator('.tab', { hasText: 'RLHF Review' }).first().click();
    const ids = await waitItem('rate');
    await press('r', '6', 'g', '1', 'ArrowRight', 'r', '2', 'g', '4');
    expect(await frame.locator('.candidate').nth(1).locator('.rate[aria-checked="true"]').textContent()).toBe('2');
    await press('n');
    await page.keyboard.type('B is wrong: rebase does not delete branches.');
    await page.keyboard.press('Escape');
    await press('Shift+A');
    const rec = await waitFor(() => recordFor('rate'), 'the rated record');
    expect(rec.judgment).toMatchObject({
      winner: ids[0],
      strength: 'clear',
      ratings: { [ids[0]]: 6, [ids[1]]: 2 },
      tags: { [ids[0]]: ['incorrect'], [ids[1]]: ['incomplete'] },
      rationale: 'B is wrong: rebase does not delete branches.',
      shownOrder: ids,
      guidelineVersion: '3',
    });
    expect(Date.parse(rec.judgment!.startedAt!)).toBeLessThanOrEqual(Date.parse(rec.judgment!.judgedAt!));
    expect((rec as unknown as { judgment: { reviewer: string } }).judgment.reviewer).toBe('e2e-reviewer');
    await waitFor(async () => /A is clearly better.*Models — A: model-(one|two), B: model-(one|two)/.test((await frame.locator('.status-line').textContent()) ?? ''), 'models revealed after the vote');
  });

  it('ranks three candidates with digit keys, ties allowed', async () => {
    const ids = await waitItem('rank');
    await press('2', '1', '2');
    expect(await frame.locator('.rank-slot[data-rank="1"] .rank-chip').textContent()).toBe('B');
    await screenshot(page, 'panel-ranking-dark');
    await press('Enter');
    const rec = await waitFor(() => recordFor('rank'), 'the ranking record');
    expect(rec.judgment!.ranking).toEqual([[ids[1]], [ids[0], ids[2]]]);
    expect(rec.judgment!.winner).toBeUndefined();
  });

  it('ranks by drag and drop', async () => {
    const ids = await waitItem('drag');
    const chip = (label: string) => frame.locator('.rank-chip', { hasText: label });
    await chip('C').dragTo(frame.locator('.rank-slot[data-rank="1"]'));
    await chip('A').dragTo(frame.locator('.rank-slot[data-rank="2"]'));
    await chip('B').dragTo(frame.locator('.rank-slot[data-rank="2"]'));
    expect(await frame.locator('.rank-slot[data-rank="2"] .rank-chip').allTextContents()).toEqual(['A', 'B']);
    await frame.locator('.save-ranking').click();
    const rec = await waitFor(() => recordFor('drag'), 'the drag ranking record');
    expect(rec.judgment!.ranking).toEqual([[ids[2]], [ids[0], ids[1]]]);
  });

  it('rewrites a candidate inline; the rewrite is stored with the original', async () => {
    const ids = await waitItem('rewrite');
    await press('ArrowRight', 'w');
    const editor = frame.locator('.rewrite-editor');
    await editor.waitFor();
    await editor.fill('```python\nprint("hello, world")\n```');
    await screenshot(page, 'panel-rewrite-dark');
    await page.keyboard.press('Control+Enter');
    await frame.locator('.candidate').nth(1).locator('.pill.rewritten').waitFor();
    expect(await frame.locator('.candidate').nth(1).locator('.candidate-body').textContent()).toContain('print("hello, world")');
    await press('b');
    const rec = await waitFor(() => recordFor('rewrite'), 'the rewrite record');
    expect(rec.judgment!.winner).toBe(ids[1]);
    expect(rec.judgment!.rewrites).toEqual([{ candidateId: ids[1], text: '```python\nprint("hello, world")\n```' }]);
  });

  it('rewrites in a real VS Code diff editor and brings the text back with "RLHF: Save Rewrite"', async () => {
    const ids = await waitItem('diffed');
    const wrong = ids.indexOf('diffed-2');
    await press(...(wrong === 1 ? ['ArrowRight'] : []), 'Shift+W');
    const diffTab = page.locator('.tab', { hasText: 'Rewrite' }).first();
    await diffTab.waitFor({ timeout: 15_000 });
    expect(await page.locator('.monaco-diff-editor').count()).toBeGreaterThan(0);
    // Edit the right (modified) side: fix the bug.
    const modified = page.locator('.monaco-diff-editor .editor.modified .view-lines').first();
    await modified.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('# fixed: a + b');
    await runCommand(page, 'RLHF: Save Rewrite');
    const card = frame.locator('.candidate').nth(wrong);
    await card.locator('.pill.rewritten').waitFor({ timeout: 15_000 });
    await waitFor(async () => (await page.locator('.tab', { hasText: 'Rewrite' }).count()) === 0, 'the diff editor closed');
    // The diff toggle compares the rewrite with its original.
    await press('v');
    await frame.locator('.diff-view').waitFor();
    await frame.locator('select.diff-right').selectOption(`r:diffed-2`);
    await frame.locator('select.diff-left').selectOption(`c:diffed-2`);
    await waitFor(async () => (await frame.locator('.diff-view .d-add').allTextContents()).some((t) => t.includes('# fixed: a + b')), 'the added line in the diff');
    await docImage('panel-diff-dark');
    await press('v');
    await press('a');
    const rec = await waitFor(() => recordFor('diffed'), 'the diff-editor rewrite record');
    expect(rec.judgment!.rewrites).toHaveLength(1);
    expect(rec.judgment!.rewrites![0].candidateId).toBe('diffed-2');
    expect(rec.judgment!.rewrites![0].text).toBe(code('add = lambda a, b: a - b') + '\n# fixed: a + b');
  });

  it('runs the actions as VS Code commands: palette and a rebindable key', async () => {
    const ids = await waitItem('cmd1');
    // Numbered actions ask for their number when run from the palette.
    await runCommand(page, 'RLHF: Rate Selected Candidate');
    await page.locator('.quick-input-widget input').fill('5');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: '5' }).first().waitFor();
    await page.keyboard.press('Enter');
    await runCommand(page, 'RLHF: Select Next Candidate');
    await runCommand(page, 'RLHF: Toggle Tag on Selected Candidate');
    await page.locator('.quick-input-widget input').fill('5');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: '5' }).first().waitFor();
    await page.keyboard.press('Enter');
    await waitFor(async () => (await frame.locator('.candidate').nth(1).locator('.tag[aria-pressed="true"]').count()) === 1, 'the tag on B');
    await runCommand(page, 'RLHF: Vote Tie');
    const tie = await waitFor(() => recordFor('cmd1'), 'the tie from the command palette');
    expect(tie.judgment!.winner).toBe('tie');
    expect(tie.judgment!.ratings).toEqual({ [ids[0]]: 5 });
    expect(tie.judgment!.tags).toEqual({ [ids[1]]: ['style'] });
    await waitItem('cmd2');
    await focusPanel();
    await page.keyboard.press('Alt+X');
    const bad = await waitFor(() => recordFor('cmd2'), 'both-bad from Alt+X');
    expect(bad.judgment!.winner).toBe('both_bad');
  });

  it('skips, goes back (models revealed on a judged item) and undoes the last judgment', async () => {
    await waitItem('skip');
    const before = prefs().length;
    await press('s');
    await waitItem('last');
    expect(prefs().length).toBe(before);
    await press('p');
    await waitItem('cmd2');
    expect(await frame.locator('.candidate-model.hidden-model').count()).toBe(0);
    expect(await frame.locator('.candidate-model').allTextContents()).toEqual(expect.arrayContaining(['model-one', 'model-two']));
    // Back again: one judged item further.
    await press('p');
    await waitItem('cmd1');
    const last = recordFor('cmd2')!;
    await press('u');
    await waitFor(() => retracted().has(last.id), 'the retraction of the last judgment');
    await waitItem('cmd2');
    expect(recordFor('cmd2')).toBeUndefined();
    await waitFor(async () => /Last judgment undone/.test((await frame.locator('#rlhf-live').textContent()) ?? ''), 'the undo announcement');
  });

  it('keeps a half-written rationale and rewrite across hiding the panel and reloading VS Code', async () => {
    await waitItem('cmd2');
    await press('n');
    await page.keyboard.type('half-written thought');
    await page.keyboard.press('Escape');
    await press('w');
    await frame.locator('.rewrite-editor').fill('draft rewrite in progress');
    // Hide: open another editor in the same group, then come back.
    await page.locator('.tab', { hasText: 'app.py' }).first().click();
    await page.locator('.tab', { hasText: 'RLHF Review' }).first().click();
    frame = webviewFrame(page);
    await waitFor(async () => (await frame.locator('.rationale-input').inputValue()) === 'half-written thought', 'the rationale after hiding');
    expect(await frame.locator('.rewrite-editor').inputValue()).toBe('draft rewrite in progress');
    // VS Code's own reload (an orderly shutdown that saves the webview's state).
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForTimeout(3_000);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    frame = webviewFrame(page);
    await page.locator('.tab', { hasText: 'RLHF Review' }).first().click();
    await waitFor(async () => (await frame.locator('.rationale-input').inputValue()) === 'half-written thought', 'the rationale after a reload', 60_000);
    expect(await frame.locator('.rewrite-editor').inputValue()).toBe('draft rewrite in progress');
    await waitItem('cmd2');
  });

  it('shows the keyboard map and looks right in light and high-contrast themes', async () => {
    await frame.locator('.rewrite-editor').focus();
    await page.keyboard.press('Escape');
    await press('?');
    await frame.locator('.keymap').waitFor();
    expect(await frame.locator('.keymap th').count()).toBeGreaterThan(15);
    await screenshot(page, 'panel-keys-dark');
    await page.keyboard.press('Escape');
    await frame.locator('.keymap').waitFor({ state: 'detached' });
    // Focus is visible: a focused button has an outline in the theme's focus colour.
    await frame.locator('.actions .action').first().focus();
    const ring = await frame.locator('.actions .action').first().evaluate((b) => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--vscode-focusBorder)';
      document.body.append(probe);
      const focusBorder = getComputedStyle(probe).color;
      probe.remove();
      const st = getComputedStyle(b);
      return { style: st.outlineStyle, width: st.outlineWidth, color: st.outlineColor, focusBorder };
    });
    // The theme's own focus colour, not the browser's default ring.
    expect(ring).toMatchObject({ style: 'solid', width: '2px', color: ring.focusBorder });
    expect(ring.focusBorder).not.toBe('rgba(0, 0, 0, 0)');
    for (const [theme, name] of [['Light Modern', 'panel-light'], ['Dark High Contrast', 'panel-high-contrast']] as const) {
      await setTheme(theme);
      const want = theme.includes('Light') ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)';
      // The webview follows the workbench theme through its --vscode-* variables.
      await waitFor(async () => (await frame.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor)) === want, `the ${theme} theme in the panel`, 30_000);
      await page.waitForTimeout(500);
      await docImage(name);
    }
    await setTheme('Dark Modern');
  });
});
