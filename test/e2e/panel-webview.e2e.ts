// The panel's own bundle (dist/webview.js) in Chromium with a stub host: streaming candidates,
// errors, reward badges, and the optimistic advance to the next item. The host side of these
// hooks (showLive, setScoreProvider) runs in the code-server tests of their features.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanel, showMsg, viewItem } from '../../bench/panel-harness.mjs';
import { launchBrowser } from '../support/browser';
import { ROOT } from '../support/codeServer';

let browser: Browser;
let page: Page;
const host = (m: unknown) => page.evaluate((msg) => (window as unknown as { __host(m: unknown): void }).__host(msg), m);
const sent = () => page.evaluate(() => (window as unknown as { __sent: { type: string; seq?: number; itemId?: string; judgment?: { winner?: string } }[] }).__sent);

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first.');
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await openPanel(page);
});
afterAll(async () => {
  await browser?.close();
});

describe('panel webview', () => {
  it('renders streaming, failed and scored candidates, and nothing extra when absent', async () => {
    const it3 = viewItem('live', 3, 3);
    it3.live = true;
    it3.candidates[0].pending = true;
    it3.candidates[0].text = 'partial ans';
    it3.candidates[1].error = 'HTTP 500 from http://127.0.0.1:1/v1: model overloaded';
    it3.candidates[1].text = '';
    await host(showMsg(it3, null));
    const card = (i: number) => page.locator('.candidate').nth(i);
    expect(await card(0).locator('.streaming').textContent()).toBe('streaming…');
    expect(await card(0).locator('.candidate-body').textContent()).toContain('partial ans');
    expect(await card(1).locator('[role="alert"]').textContent()).toBe('This candidate failed: HTTP 500 from http://127.0.0.1:1/v1: model overloaded');
    expect(await page.locator('.pill.score, .pill.flag').count()).toBe(0);
    // Voting waits while candidates stream.
    expect(await page.locator('.actions .vote').first().isDisabled()).toBe(true);
    await page.locator('#rlhf-root').focus();
    await page.keyboard.press('a');
    expect((await sent()).filter((m) => m.type === 'vote')).toEqual([]);
    // A delta: only the streaming card is replaced, the others keep their DOM.
    const keep = await card(2).elementHandle();
    it3.candidates[0].text = 'partial answer, longer now';
    await host(showMsg(it3, null));
    expect(await card(0).locator('.candidate-body').textContent()).toContain('longer now');
    expect(await keep!.evaluate((e) => e.isConnected)).toBe(true);
    // Complete, in the queue, scored: votes open, badges show.
    const done = { ...it3, live: undefined, candidates: it3.candidates.map((c, i) => ({ ...c, pending: undefined, score: [0.8, -1.5, 0.1][i], ...(i === 1 ? { flagged: true, flagReason: 'score -1.50 < threshold -0.40' } : {}) })) };
    await host(showMsg(done, null));
    expect(await page.locator('.live-note').count()).toBe(0);
    expect(await page.locator('.pill.score').allTextContents()).toEqual(['reward 0.80', 'reward -1.50', 'reward 0.10']);
    expect(await card(1).locator('.pill.flag').getAttribute('title')).toBe('score -1.50 < threshold -0.40');
    expect(await page.locator('.actions .vote').first().isDisabled()).toBe(false);
    await page.screenshot({ path: path.join(ROOT, 'test-output', 'screenshots', 'panel-webview-live.png') });
  });

  it('shows the next item in the frame of the vote and ignores the stale answer to it', async () => {
    const a = viewItem('one', 300);
    const b = viewItem('two', 300);
    const c = viewItem('three', 300);
    await host({ ...showMsg(a, b), ack: 0 });
    const t = await page.evaluate(() => {
      const t0 = performance.now();
      document.getElementById('rlhf-root')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'b', bubbles: true }));
      const id = (document.querySelector('.candidate') as HTMLElement).dataset.candidateId;
      return { ms: performance.now() - t0, id };
    });
    expect(t.id).toBe('two-0');
    const vote = (await sent()).filter((m) => m.type === 'vote').at(-1)!;
    expect(vote).toMatchObject({ itemId: 'one', judgment: { winner: 'one-1' } });
    expect(await page.locator('.progress-text').textContent()).toBe('2 / 100');
    // The host's answer to that vote (the same item, patched in place) brings the item after it.
    await host({ ...showMsg(b, c, 1), ack: vote.seq });
    await page.keyboard.press('a');
    expect(await page.locator('.instruction').textContent()).toBe('Refactor item three');
    // A show sent before the host saw the second vote (e.g. a store refresh) must not go back.
    await host({ ...showMsg(b, c, 1), ack: vote.seq });
    expect(await page.locator('.instruction').textContent()).toBe('Refactor item three');
    const last = (await sent()).filter((m) => m.type === 'vote').at(-1)!;
    expect(last).toMatchObject({ itemId: 'two', judgment: { winner: 'two-0' } });
    await host({ ...showMsg(c, null, 2), ack: last.seq });
    expect(await page.locator('.instruction').textContent()).toBe('Refactor item three');
    expect(await page.locator('.progress-text').textContent()).toBe('3 / 100');
  });
});
