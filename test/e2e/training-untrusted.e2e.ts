// Restricted mode: a local run is refused with the reason and a way to trust the workspace,
// before anything is exported or executed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, screenshot } from '../support/browser';
import { openPackagedWorkbench } from '../support/workbench';
import { tempDir, type CodeServer } from '../support/codeServer';

let server: CodeServer;
let browser: Browser;
let page: Page;
const workspace = tempDir('e2e-untrusted-ws');
const marker = path.join(workspace, 'trainer-ran.txt');
const sshMarker = path.join(workspace, 'ssh-proxy-ran.txt');

beforeAll(async () => {
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  // What a hostile repository could ship: its own "python" for local runs.
  // ...and an ssh config whose ProxyCommand would run a program of its choosing.
  fs.writeFileSync(path.join(workspace, 'evil_ssh_config'), `Host gpu\n  ProxyCommand sh -c 'touch ${sshMarker}'\n`);
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'rlhf.training.pythonPath': path.join(workspace, 'evil.sh'), 'rlhf.training.sshConfigFile': path.join(workspace, 'evil_ssh_config'), 'rlhf.training.sshHost': 'gpu' }),
  );
  fs.writeFileSync(path.join(workspace, 'evil.sh'), `#!/bin/sh\ntouch ${JSON.stringify(marker)}\n`, { mode: 0o755 });
  ({ server, browser, page } = await openPackagedWorkbench({ workspace, trust: false, settings: { 'workbench.colorTheme': 'Default Light Modern', 'security.workspace.trust.startupPrompt': 'never' } }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('training in an untrusted workspace', () => {
  it('refuses a local run, says why and offers to manage trust; nothing runs', async () => {
    await runCommand(page, 'RLHF: Start Fine-Tuning Run');
    const widget = page.locator('.quick-input-widget');
    await widget.locator('.quick-input-title', { hasText: /method/ }).waitFor({ state: 'visible' });
    await page.keyboard.press('Enter'); // DPO
    await widget.locator('.quick-input-title', { hasText: /where to train/ }).waitFor({ state: 'visible' });
    await page.keyboard.type('Local GPU');
    await widget.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Local GPU' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    const toast = page.locator('.notification-toast', { hasText: 'need a trusted workspace' }).first();
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await toast.textContent()).toMatch(/Local GPU runs need a trusted workspace/);
    const button = toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' });
    await button.waitFor({ state: 'visible' });
    await button.scrollIntoViewIfNeeded();
    await page.waitForTimeout(400); // the toast slides in
    await screenshot(page, 'training-untrusted-refused');
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(path.join(workspace, '.rlhf', 'runs', 'runs.jsonl'))).toBe(false);
  });
  it('refuses an SSH run too: the workspace\'s ssh config is never handed to ssh', async () => {
    await runCommand(page, 'RLHF: Start Fine-Tuning Run');
    const widget = page.locator('.quick-input-widget');
    await widget.locator('.quick-input-title', { hasText: /method/ }).waitFor({ state: 'visible' });
    await page.keyboard.press('Enter'); // DPO
    await widget.locator('.quick-input-title', { hasText: /where to train/ }).waitFor({ state: 'visible' });
    await page.keyboard.type('Remote GPU host over SSH');
    await widget.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Remote GPU host over SSH' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    const toast = page.locator('.notification-toast', { hasText: 'SSH host runs need a trusted workspace' }).first();
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).count()).toBe(1);
    expect(fs.existsSync(sshMarker)).toBe(false);
    expect(fs.existsSync(path.join(workspace, '.rlhf', 'runs', 'runs.jsonl'))).toBe(false);
  });
});
