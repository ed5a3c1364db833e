// Drives the code-server workbench in Debian's Chromium with playwright-core.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { OUTPUT_DIR } from './codeServer';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export async function openWorkbench(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return page;
}

export async function runCommand(page: Page, title: string): Promise<void> {
  // The palette can open before the workbench has registered every command: retry a few times.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('>' + title);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (attempt === 5) {
        await screenshot(page, `palette-failed-${title.replace(/\W+/g, '-')}`);
        throw e;
      }
    }
  }
}

/**
 * The content frame of a webview. It sits two iframes deep and its document is rewritten in
 * place while it loads, so a Frame handle goes stale; a FrameLocator re-resolves every time.
 */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  return page.locator('iframe.webview').nth(index).contentFrame().locator('#active-frame').contentFrame();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(OUTPUT_DIR, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
