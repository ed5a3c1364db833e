// Runs the integration suites inside a real extension host (code-server or desktop VS Code via
// @vscode/test-electron) and writes the results where the launcher waits for them.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Result {
  title: string;
  state: 'passed' | 'failed';
  error?: string;
}

export async function run(): Promise<void> {
  // Loaded from node_modules at run time: mocha's own module loading does not bundle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  // The suites call describe/it at load time, so load them after pre-require set the globals.
  require('./extension.suite');
  require('./generate.suite');
  require('./training.suite');
  require('./reward.suite');
  const results: Result[] = [];
  const out = process.env.RLHF_TEST_RESULTS;
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed' }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), state: 'failed', error: `${err.message}\n${err.stack ?? ''}` }));
  });
  if (out) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out + '.tmp', JSON.stringify({ vscodeVersion: require('vscode').version, results }, null, 2));
    fs.renameSync(out + '.tmp', out);
  }
  const failed = results.filter((r) => r.state === 'failed').length;
  if (failed) throw new Error(`${failed} integration test(s) failed`);
}
