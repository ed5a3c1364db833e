// Model text is untrusted. A queue item full of markup, script, links, CSS, bidi controls and a
// 5 MB line goes through the real panel in code-server: nothing may run, load or break layout,
// and the text itself must survive unchanged into the store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, FrameLocator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, screenshot, waitFor, webviewFrame } from '../support/browser';
import { openPackagedWorkbench } from '../support/workbench';
import { tempDir, type CodeServer } from '../support/codeServer';

const MARKUP = [
  '<script>window.__pwned = "script"</script>',
  '<img src="x" onerror="window.__pwned = \'img\'">',
  '<img src="http://evil.invalid/track.png">',
  '<svg onload="window.__pwned = \'svg\'"></svg>',
  '<iframe src="http://evil.invalid/frame"></iframe>',
  '<a href="javascript:window.__pwned=\'href\'">click me</a>',
  '[also click](javascript:window.__pwned=\'md\')',
  '![tracker](http://evil.invalid/pixel.gif)',
  '<style>body { display: none !important; } * { width: 99999px !important; }</style>',
  '<link rel="stylesheet" href="http://evil.invalid/x.css">',
  '<meta http-equiv="refresh" content="0; url=http://evil.invalid/">',
  '<form action="http://evil.invalid/"><button>submit</button></form>',
].join('\n\n');
// "Trojan source": reads as a comment, runs as a check.
const BIDI = "```js\nif (accessLevel != \"user\u202E \u2066// Check if admin\u2069 \u2066\") {\n  grant();\n}\n```";
const HUGE = 'A'.repeat(5_000_000);
// 5 MB of Python on one line: highlighting all of it would hold the panel's thread for seconds.
const CODE_LINE = 'def f(a, b): return a + b * (c - d)  # '.repeat(125_000);

const ITEM = {
  v: 1,
  type: 'item',
  id: 'hostile',
  prompt: {
    instruction: 'Summarise <script>window.__pwned="instruction"</script> this <img src=x onerror="window.__pwned=\'instr-img\'">',
    context: { filePath: '"><img src=x onerror=alert(1)>.py', language: '"><script>alert(1)</script>', selection: { startLine: 0, endLine: 0, text: '<script>alert("selection")</script>' } },
  },
  candidates: [
    { id: 'hostile-markup', text: MARKUP + '\n\n' + BIDI, model: '<img src=x onerror="window.__pwned=\'model\'">' },
    // The same line as prose, in a plain fence and in a fence highlight.js knows.
    { id: 'hostile-huge', text: 'One very long line follows.\n\n' + HUGE + '\n\n```\n' + HUGE + '\n```\n\n```python\n' + CODE_LINE + '\n```', model: 'huge-model' },
  ],
  createdAt: '2026-01-01T00:00:00Z',
};
const NEXT = { ...ITEM, id: 'calm', prompt: { instruction: 'Calm item after the hostile one.' }, candidates: [{ id: 'calm-1', text: 'ok' }, { id: 'calm-2', text: 'fine' }] };

let server: CodeServer;
let browser: Browser;
let page: Page;
let frame: FrameLocator;
const workspace = tempDir('e2e-hostile');
const prefsFile = path.join(workspace, '.rlhf', 'preferences.jsonl');
const dialogs: string[] = [];
const outside: string[] = [];

// The longest task the panel's main thread ran, watched from inside the webview's frames.
const WATCH_LONG_TASKS = `(() => {
  window.__longest = 0;
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask' });
  } catch {}
})();`;

beforeAll(async () => {
  fs.mkdirSync(path.dirname(prefsFile), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.rlhf', 'queue.jsonl'), JSON.stringify(ITEM) + '\n' + JSON.stringify(NEXT) + '\n');
  ({ server, browser, page } = await openPackagedWorkbench({ workspace, settings: { 'workbench.colorTheme': 'Default Light Modern', 'rlhf.queueOrder': 'queue', 'rlhf.hideModelNamesUntilVote': false } }));
  await page.addInitScript(WATCH_LONG_TASKS);
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r: Request) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !u.hostname.endsWith('vscode-cdn.net') && u.protocol !== 'data:' && u.protocol !== 'blob:') outside.push(r.url());
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('hostile model text', () => {
  it('renders as inert text: nothing runs, loads or escapes the layout', async () => {
    const started = Date.now();
    await runCommand(page, 'RLHF: Open Review Panel');
    frame = webviewFrame(page);
    await frame.locator('.candidate[data-candidate-id="hostile-huge"] .cut-marker').first().waitFor({ timeout: 60_000 });
    const openMs = Date.now() - started;
    await page.waitForTimeout(1_500); // let idle highlighting and any would-be payload run
    // From here on (the panel on screen), no task may freeze it: reset the watch.
    await frame.locator('body').evaluate(() => ((window as unknown as { __longest: number }).__longest = 0));
    // The highlighted fence with the 5 MB line was highlighted (its shown part) without a freeze.
    const py = frame.locator('.candidate[data-candidate-id="hostile-huge"] pre[data-lang="python"] .chunk');
    await py.scrollIntoViewIfNeeded(); // highlighting is lazy: only what comes near the screen
    await waitFor(async () => (await py.getAttribute('data-hl')) === 'done', 'the python fence highlighted', 30_000);
    expect(await py.locator('.cut-marker').count()).toBe(1);
    expect(await py.locator('[class^="hl-"]').count()).toBeGreaterThan(0);
    await page.keyboard.press('Control+End'); // nothing to do with the panel: lets late frames report
    const longest = await frame.locator('body').evaluate(() => (window as unknown as { __longest?: number }).__longest);
    expect(longest, 'the longtask observer ran in the webview').toBeTypeOf('number');
    // Highlighting the whole 5 MB line took about 300 ms here; its shown part takes a few.
    expect(longest).toBeLessThan(200);

    const probe = await frame.locator('body').evaluate(() => {
      const root = document.getElementById('rlhf-root')!;
      return {
        pwned: (window as unknown as { __pwned?: string }).__pwned,
        elements: ['script', 'img', 'svg', 'iframe', 'a', 'style', 'link', 'meta', 'form'].filter((t) => root.querySelector(t)),
        bodyDisplay: getComputedStyle(document.body).display,
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        cardWidths: Array.from(root.querySelectorAll('.candidate')).map((c) => c.getBoundingClientRect().width),
        markers: Array.from(root.querySelectorAll('.ctrl-char')).map((m) => m.textContent),
        scripts: Array.from(document.scripts).map((x) => (x.src || '') + (x.textContent ?? '')),
      };
    });
    expect(probe.pwned).toBeUndefined();
    expect(probe.elements).toEqual([]);
    expect(probe.bodyDisplay).toBe('block');
    // Only VS Code's injected API script and the panel's bundle: nothing from the payload.
    expect(probe.scripts.length).toBeLessThanOrEqual(2);
    for (const src of probe.scripts) expect(src).not.toMatch(/__pwned|evil\.invalid|alert/);
    // No horizontal overflow of the page; both columns share the width.
    expect(probe.scrollWidth).toBeLessThanOrEqual(probe.clientWidth + 1);
    expect(probe.cardWidths).toHaveLength(2);
    for (const w of probe.cardWidths) expect(w).toBeLessThan(probe.clientWidth / 2 + 10);
    // Bidi controls show as visible markers.
    expect(probe.markers).toEqual(expect.arrayContaining(['U+202E', 'U+2066', 'U+2069']));
    // The markup is on screen as text.
    const markupText = await frame.locator('.candidate[data-candidate-id="hostile-markup"] .candidate-body').textContent();
    expect(markupText).toContain('<script>window.__pwned = "script"</script>');
    expect(markupText).toContain('javascript:window.__pwned=\'md\'');
    expect(await frame.locator('.instruction').textContent()).toBe(ITEM.prompt.instruction);
    expect(await frame.locator('.candidate-model').first().textContent()).toMatch(/<img src=x onerror|huge-model/);
    expect(dialogs).toEqual([]);
    expect(outside).toEqual([]);
    expect(openMs).toBeLessThan(30_000);
    await screenshot(page, 'panel-hostile-light');
  });

  it('stays responsive with a 5 MB line and stores the text unchanged', async () => {
    // The panel answers input at once: toggling the diff and back works.
    const t0 = Date.now();
    await frame.locator('#rlhf-root').focus();
    await page.keyboard.press('?');
    await frame.locator('.keymap').waitFor();
    expect(Date.now() - t0).toBeLessThan(5_000);
    await page.keyboard.press('Escape');
    await frame.locator('#rlhf-root').focus();
    await page.keyboard.press('x');
    const rec = await waitFor(() => {
      if (!fs.existsSync(prefsFile)) return undefined;
      const l = fs.readFileSync(prefsFile, 'utf8').split('\n').filter(Boolean).map((x) => JSON.parse(x));
      return l.find((r: { itemId?: string }) => r.itemId === 'hostile');
    }, 'the hostile item record', 30_000);
    expect(rec.judgment.winner).toBe('both_bad');
    const byId = Object.fromEntries(rec.candidates.map((c: { id: string; text: string }) => [c.id, c.text]));
    expect(byId['hostile-markup']).toBe(ITEM.candidates[0].text);
    expect(byId['hostile-huge']).toBe(ITEM.candidates[1].text);
    await waitFor(async () => (await frame.locator('.instruction').textContent()) === NEXT.prompt.instruction, 'the next item');
    expect(dialogs).toEqual([]);
    expect(outside).toEqual([]);
    expect(await frame.locator('body').evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  });
});
