// `npm run test:electron`: the integration suites in desktop VS Code (downloads VS Code, so it
// needs internet; on offline machines npm test runs the same suites in code-server).
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { runTests } = require('@vscode/test-electron');

async function main() {
  const root = path.resolve(__dirname, '..');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-electron-ws-'));
  const results = path.join(root, 'test-output', 'electron-results.json');
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'integration', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { RLHF_TEST_RESULTS: results },
  });
  const r = JSON.parse(fs.readFileSync(results, 'utf8')).results;
  const failed = r.filter((x) => x.state === 'failed').length;
  console.log(`${r.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
