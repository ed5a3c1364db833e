// A real VS Code (code-server) with the packaged VSIX installed, open in Chromium: what every
// UI test starts from, so each one proves the package as shipped.
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWorkbench } from './browser';
import { installVsix, startCodeServer, tempDir, VSIX, type CodeServer, type StartOptions } from './codeServer';

export interface Workbench {
  server: CodeServer;
  browser: Browser;
  page: Page;
}

/** `RLHF_VSIX` points the tests at another package (e.g. one built for a release). */
export const PACKAGED_VSIX = process.env.RLHF_VSIX ?? VSIX;

export async function openPackagedWorkbench(opts: Omit<StartOptions, 'extensionsDir'>): Promise<Workbench> {
  if (!fs.existsSync(PACKAGED_VSIX)) throw new Error(`${PACKAGED_VSIX} is missing: run \`npm run build && npm run package\` first (npm test does).`);
  const ext = tempDir('e2e-ext');
  await installVsix(PACKAGED_VSIX, ext);
  const server = await startCodeServer({ ...opts, extensionsDir: ext });
  const browser = await launchBrowser();
  const page = await openWorkbench(browser, server.url);
  return { server, browser, page };
}
