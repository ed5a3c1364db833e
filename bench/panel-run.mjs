#!/usr/bin/env node
// `npm run bench:panel`: the review panel's speed in Chromium (playwright-core), against
// baselines measured in the same run and page:
//  1. vote -> next item on screen, candidates of 300 lines: script + style + layout time from the
//     key press until the next item is laid out (must fit one 60 Hz frame, 16.7 ms). Baselines:
//     "plain" (one <pre> per response, textContent) and "eager" (highlight everything first).
//  2. a 10,000-line candidate: time until it is on screen, the longest main-thread task while it
//     is highlighted in the background, and the frame time of scrolling to its middle.
// Pass: median vote time within a frame (p95 is printed; on a loaded machine it is noisy), no
// task over 200 ms while the 10k-line candidate highlights, and its visible middle highlighted.
//     Baseline: eager highlighting of the whole text.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { openPanel, showMsg, viewItem } from './panel-harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FRAME_MS = 1000 / 60;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);

if (!fs.existsSync(path.join(root, 'dist', 'webview.js'))) spawnSync(process.execPath, ['esbuild.js'], { cwd: root, stdio: 'inherit' });
const esbuild = (await import('esbuild')).default;
const baselineJs = (await esbuild.build({ entryPoints: [path.join(root, 'bench', 'panel-baseline.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', minify: true })).outputFiles[0].text;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on('pageerror', (e) => console.error('page error:', e.message));
await openPanel(page);
await page.addScriptTag({ content: baselineJs });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const idle = () => page.evaluate(() => new Promise((r) => requestIdleCallback(() => r(undefined), { timeout: 2000 })));

// ---- 1. vote -> next item ----
const items = Array.from({ length: ROUNDS + 2 }, (_, i) => viewItem(`it${i}`, 300, 2));
const panelVote = [];
await page.evaluate((m) => window.__host(m), showMsg(items[0], items[1]));
for (let i = 0; i < ROUNDS; i++) {
  await idle();
  const ms = await page.evaluate(() => {
    const t0 = performance.now();
    document.getElementById('rlhf-root').dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    document.querySelector('.candidate')?.getBoundingClientRect();
    document.body.offsetHeight;
    return performance.now() - t0;
  });
  const onScreen = await page.evaluate((id) => document.querySelector('.candidate')?.dataset.candidateId?.startsWith(id + '-'), items[i + 1].id);
  if (!onScreen) throw new Error(`round ${i}: the next item was not on screen after the vote`);
  panelVote.push(ms);
  // The host's answer: the same item (now patched in place) and the one after it.
  const seq = await page.evaluate(() => window.__sent.filter((m) => m.seq).at(-1).seq);
  await page.evaluate((m) => window.__host(m), { ...showMsg(items[i + 1], items[i + 2], i + 1), ack: seq });
}
const baseVote = {};
for (const kind of ['plain', 'eager']) {
  baseVote[kind] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await idle();
    baseVote[kind].push(
      await page.evaluate(
        ({ kind, item }) => {
          const t0 = performance.now();
          window.__baseline[kind](document.getElementById('rlhf-root'), item);
          document.body.offsetHeight;
          return performance.now() - t0;
        },
        { kind, item: items[i + 1] },
      ),
    );
  }
}

// ---- 2. a 10,000-line candidate ----
const big = viewItem('big', 10_000, 2);
const longTasks = async (fn) =>
  page.evaluate(async (fnSrc) => {
    const tasks = [];
    const obs = new PerformanceObserver((l) => tasks.push(...l.getEntries().map((e) => e.duration)));
    obs.observe({ type: 'longtask' });
    const openMs = await new Function(`return (${fnSrc})()`)();
    await new Promise((r) => setTimeout(r, 3000));
    obs.disconnect();
    return { openMs, maxTask: tasks.length ? Math.max(...tasks) : 0, tasks: tasks.length };
  }, fn);
await idle();
await page.evaluate((m) => window.__host(m), showMsg(null, null));
await idle();
await page.evaluate((item) => (window.__big = item), big);
const panelBig = await longTasks(`() => { const t0 = performance.now(); window.__host({ type: 'show', item: window.__big, next: null, progress: { done: 0, total: 1 }, sample: false, tags: [], guidelines: null, ack: 1e9 }); document.body.offsetHeight; return performance.now() - t0; }`);
const scrollMs = await page.evaluate(async () => {
  const body = document.querySelector('.candidate-body');
  const t0 = performance.now();
  body.scrollTop = body.scrollHeight / 2;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
});
const highlightedMiddle = await page.evaluate(async () => {
  await new Promise((r) => setTimeout(r, 1500));
  const body = document.querySelector('.candidate-body');
  const box = body.getBoundingClientRect();
  const chunk = [...body.querySelectorAll('.chunk')].find((c) => {
    const r = c.getBoundingClientRect();
    return r.bottom > box.top && r.top < box.bottom;
  });
  return chunk?.dataset.hl === 'done';
});
await page.evaluate(() => document.getElementById('rlhf-root').replaceChildren());
await idle();
const eagerBig = await longTasks(`() => { const t0 = performance.now(); window.__baseline.eager(document.getElementById('rlhf-root'), window.__big); document.body.offsetHeight; return performance.now() - t0; }`);

await browser.close();

const f = (x) => x.toFixed(2).padStart(8);
console.log(`\nReview panel benchmark (Chromium, ${ROUNDS} rounds)\n`);
console.log('1. vote -> next item laid out, 2 candidates x 300 lines (ms, median / p95)');
console.log(`   panel (optimistic next item, lazy highlight) ${f(median(panelVote))} / ${f(p95(panelVote))}`);
console.log(`   baseline plain <pre> textContent            ${f(median(baseVote.plain))} / ${f(p95(baseVote.plain))}`);
console.log(`   baseline eager highlight                     ${f(median(baseVote.eager))} / ${f(p95(baseVote.eager))}`);
console.log(`   ratio panel / plain: ${(median(panelVote) / median(baseVote.plain)).toFixed(2)}   panel / eager: ${(median(panelVote) / median(baseVote.eager)).toFixed(2)}`);
console.log(`   within one frame (${FRAME_MS.toFixed(1)} ms), median: ${median(panelVote) < FRAME_MS ? 'yes' : 'NO'}`);
console.log('\n2. 10,000-line candidate (x2)');
console.log(`   panel: on screen in ${f(panelBig.openMs)} ms; longest task in the next 3 s ${f(panelBig.maxTask)} ms (${panelBig.tasks} long tasks); scroll to middle ${f(scrollMs)} ms; middle highlighted: ${highlightedMiddle}`);
console.log(`   eager: on screen in ${f(eagerBig.openMs)} ms; longest task ${f(eagerBig.maxTask)} ms`);
console.log(`   ratio panel / eager (time to screen): ${(panelBig.openMs / eagerBig.openMs).toFixed(3)}`);
const ok = median(panelVote) < FRAME_MS && panelBig.maxTask < 200 && highlightedMiddle;
console.log(`\n${ok ? 'PASS' : 'FAIL'}: next item within a frame; 10k lines open without freezing (no task over 200 ms) and highlight where visible.`);
process.exitCode = ok ? 0 : 1;
