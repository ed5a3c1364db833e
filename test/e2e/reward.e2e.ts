// The reward model as a user meets it, from the packaged VSIX in code-server: the Flagged view,
// the flag badge in the review panel, and Score Selection's diagnostic in the Problems panel.
// Scoring uses the built-in model shipped in the VSIX, running in its worker with the VSIX's
// own onnxruntime binaries.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, screenshot, waitFor, webviewFrame } from '../support/browser';
import { openPackagedWorkbench } from '../support/workbench';
import { ROOT, tempDir, type CodeServer } from '../support/codeServer';
import { FEATURE_VERSION } from '../../src/core/reward/features';

// The shipped default model's version, as its reward.json names it.
const DEFAULT_MODEL = `default-${FEATURE_VERSION}`;

interface EvalRecord {
  id: string;
  prompt: { instruction: string; context?: Record<string, unknown> };
  candidates: { id: string; text: string }[];
  judgment: { winner?: string; tags?: Record<string, string[]> };
}
interface FlagLine { itemId: string; candidateId: string; score: number; threshold: number; modelVersion: string; at: string }

let server: CodeServer;
let browser: Browser;
let page: Page;
const workspace = tempDir('e2e-reward-ws');
const flagsFile = path.join(workspace, '.rlhf', 'flags.jsonl');
// Eval-set items with one clearly weak answer each (refusal, truncation, broken code).
const PICK = ['palindrome/typescript#refusal#0', 'palindrome/python#truncated#2', 'palindrome/python#unparseable#1', 'palindrome/typescript#unparseable#0'];
const records = fs
  .readFileSync(path.join(ROOT, 'test', 'fixtures', 'reward', 'eval.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as EvalRecord);
const picked = PICK.map((id) => {
  const r = records.find((x) => x.id === id);
  if (!r) throw new Error(`eval set has no record ${id}`);
  return r;
});
const refusal = picked[0];
const refusalLoser = refusal.candidates.find((c) => c.id !== refusal.judgment.winner)!;

function flags(): FlagLine[] {
  if (!fs.existsSync(flagsFile)) return [];
  return fs.readFileSync(flagsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FlagLine);
}

beforeAll(async () => {
  fs.mkdirSync(path.join(workspace, '.rlhf'), { recursive: true });
  const queue = picked.map((r, i) => ({
    v: 1,
    type: 'item',
    id: `e2e-reward-${i}`,
    prompt: r.prompt,
    candidates: r.candidates.map((c) => ({ id: `e2e-reward-${i}-${c.id}`, text: c.text })),
    createdAt: '2026-01-01T00:00:00.000Z',
  }));
  fs.writeFileSync(path.join(workspace, '.rlhf', 'queue.jsonl'), queue.map((q) => JSON.stringify(q)).join('\n') + '\n');
  fs.writeFileSync(path.join(workspace, 'answer.md'), refusalLoser.text + '\n');
  ({ server, browser, page } = await openPackagedWorkbench({ workspace, settings: { 'workbench.colorTheme': 'Default Dark Modern' } }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('reward model from the packaged VSIX', () => {
  it('lists flagged candidates in the Flagged view, lowest score first', async () => {
    await page.locator('.activitybar [aria-label^="RLHF Review"]').first().click();
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Flagged/ }) });
    await pane.waitFor({ state: 'visible', timeout: 30_000 });
    // Expanding the view is what starts the worker: scoring, then the rows.
    const rows = pane.locator('.monaco-list-row');
    await waitFor(async () => (await rows.count()) >= 3, 'flagged rows', 60_000);
    const logged = await waitFor(() => (flags().length >= 3 ? flags() : undefined), 'flags.jsonl lines');
    expect(logged.every((f) => f.modelVersion === DEFAULT_MODEL && f.score < f.threshold)).toBe(true);
    const n = await rows.count();
    expect(n).toBe(logged.length);
    // Rows show "<candidate label> · <score>", ascending.
    const scores = await rows.evaluateAll((els) => els.map((e) => Number(/·\s*(-?\d+\.\d+)/.exec(e.textContent ?? '')?.[1])));
    expect(scores.every((s) => Number.isFinite(s))).toBe(true);
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThanOrEqual(scores[i - 1]);
    const lowest = [...logged].sort((a, b) => a.score - b.score)[0];
    expect(scores[0]).toBeCloseTo(lowest.score, 2);
    // The header carries the threshold and the model version.
    await waitFor(async () => new RegExp(`below -?\\d+\\.\\d+ · ${DEFAULT_MODEL}`).test((await pane.locator('.pane-header').textContent()) ?? ''), 'threshold in the view header');
    await screenshot(page, 'reward-flagged-view-dark');
  });

  it('opens the flagged item in the review panel with a flag badge on that candidate', async () => {
    const lowest = [...flags()].sort((a, b) => a.score - b.score)[0];
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Flagged/ }) });
    await pane.locator('.monaco-list-row').first().click();
    const frame = webviewFrame(page);
    const card = frame.locator(`.candidate[data-candidate-id="${lowest.candidateId}"]`);
    await card.waitFor({ timeout: 30_000 });
    const badge = card.locator('.pill.flag');
    await badge.waitFor({ timeout: 30_000 });
    expect(await badge.textContent()).toMatch(/flagged/);
    expect(await badge.getAttribute('aria-label')).toMatch(new RegExp(`Flagged by the reward model: score -?\\d+\\.\\d+ < threshold -?\\d+\\.\\d+ \\(${DEFAULT_MODEL}\\)`));
    expect(await card.locator('.pill.score').textContent()).toBe(`reward ${lowest.score.toFixed(2)}`);
    // The winner of this item is not flagged.
    const other = frame.locator(`.candidate:not([data-candidate-id="${lowest.candidateId}"])`);
    expect(await other.locator('.pill.flag').count()).toBe(0);
    await screenshot(page, 'reward-panel-flag-badge-dark');
  });

  it('Score Selection marks a weak selection with a warning in the Problems panel', async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('answer.md');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'answer.md' }).first().waitFor();
    await page.keyboard.press('Enter');
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor();
    await page.locator('.tabs-container .tab.active', { hasText: 'answer.md' }).waitFor();
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+A');
    await runCommand(page, 'RLHF: Score Selection');
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'below the flag threshold' }).first();
    await row.waitFor({ timeout: 30_000 });
    const text = (await row.textContent()) ?? '';
    expect(text).toMatch(new RegExp(`Reward score -?\\d+\\.\\d+ is below the flag threshold -?\\d+\\.\\d+ \\(model ${DEFAULT_MODEL}\\)`));
    expect(text).toContain('RLHF reward');
    // A warning, not an error or info.
    expect(await row.locator('.codicon-warning, .codicon-problems-warning').count()).toBeGreaterThan(0);
    await screenshot(page, 'reward-score-selection-problems-dark');
  });
});
