// Launches code-server with this folder as the development extension and the integration
// suites as extensionTests, then reports every in-host test as a test here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser, openWorkbench } from '../support/browser';
import { OUTPUT_DIR, ROOT, startCodeServer, tempDir } from '../support/codeServer';

interface Results {
  vscodeVersion: string;
  results: { title: string; state: 'passed' | 'failed'; error?: string }[];
}

const workspace = tempDir('int-ws');
fs.writeFileSync(path.join(workspace, 'README.md'), '# integration workspace\n');
const resultsFile = path.join(OUTPUT_DIR, 'integration-results.json');
fs.rmSync(resultsFile, { force: true });

// An installed extension beside the one under test: a language model provider (proposed API in
// VS Code 1.100), so the vscode.lm source meets a real model. Folders in the extensions folder
// are picked up when code-server starts.
const extensionsDir = tempDir('int-ext');
fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'fake-lm'), path.join(extensionsDir, 'rlhf-test.fake-lm-0.0.1'), { recursive: true });
const server = await startCodeServer({ workspace, extensionsDir, env: { RLHF_TEST_RESULTS: resultsFile }, args: ['--enable-proposed-api', 'rlhf-test.fake-lm'] });
const browser = await launchBrowser();
let results: Results;
try {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(path.join(ROOT, 'out', 'integration', 'index.js'))],
  ];
  await openWorkbench(browser, `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const deadline = Date.now() + 300_000;
  while (!fs.existsSync(resultsFile)) {
    if (Date.now() > deadline) throw new Error(`no integration results after 300 s; code-server log:\n${fs.readFileSync(server.logFile, 'utf8').slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Results;
} finally {
  await browser.close();
  await server.stop();
}

afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

describe(`integration suites in VS Code ${results.vscodeVersion} (code-server)`, () => {
  it('ran at least one suite', () => expect(results.results.length).toBeGreaterThan(0));
  for (const r of results.results) {
    it(r.title, () => {
      if (r.state === 'failed') throw new Error(r.error);
    });
  }
});
