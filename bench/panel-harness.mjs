// Loads the built review panel (dist/webview.js + media/panel.css) into a plain page in
// Chromium with a stub acquireVsCodeApi, for the panel benchmark. Theme variables are a small
// dark palette; the panel only reads --vscode-* variables.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const THEME = `
:root {
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: monospace; --vscode-editor-font-size: 13px;
  --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-descriptionForeground: #9d9d9d;
  --vscode-focusBorder: #0078d4; --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff;
  --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc;
  --vscode-panel-border: #2b2b2b; --vscode-sideBar-background: #181818; --vscode-textCodeBlock-background: #2b2b2b;
  --vscode-debugTokenExpression-name: #c586c0; --vscode-debugTokenExpression-string: #ce9178;
  --vscode-debugTokenExpression-number: #b5cea8; --vscode-debugTokenExpression-boolean: #4e94ce;
  --vscode-charts-yellow: #cca700; --vscode-charts-green: #89d185; --vscode-symbolIcon-variableForeground: #75beff;
}`;

export function harnessHtml() {
  const css = fs.readFileSync(path.join(root, 'media', 'panel.css'), 'utf8');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${THEME}\n${css}</style></head>
<body><main id="rlhf-root"></main><div id="rlhf-live" class="visually-hidden" role="status" aria-live="polite"></div></body></html>`;
}

/** Opens the panel in `page`; `window.__sent` collects what it posts, `window.__host(msg)` answers. */
export async function openPanel(page) {
  await page.setContent(harnessHtml());
  await page.evaluate(() => {
    window.__sent = [];
    window.__state = undefined;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => {
        window.__sent.push(m);
        window.__onSend?.(m);
      },
      getState: () => window.__state,
      setState: (s) => (window.__state = s),
    });
    window.__host = (msg) => window.dispatchEvent(new MessageEvent('message', { data: msg }));
  });
  await page.addScriptTag({ path: path.join(root, 'dist', 'webview.js') });
}

/** A code-assistant style response: a sentence and a fenced block of `lines` lines. */
export function response(lines, seed = 0) {
  const body = [];
  for (let i = 0; i < lines; i++) body.push(`    value_${seed}_${i} = compute(items[${i}], "label ${i}")  # step ${i}`);
  return `Here is version ${seed}:\n\n\`\`\`python\ndef run_${seed}(items):\n${body.join('\n')}\n    return items\n\`\`\`\n`;
}

export function viewItem(id, lines, n = 2) {
  return {
    id,
    instruction: `Refactor item ${id}`,
    context: { filePath: 'src/app.py', language: 'python', selection: { startLine: 0, endLine: 1, text: 'def run(items):\n    return items\n' } },
    candidates: Array.from({ length: n }, (_, i) => ({ id: `${id}-${i}`, label: String.fromCharCode(65 + i), text: response(lines, i) })),
    canApply: true,
  };
}

export function showMsg(item, next, done = 0, total = 100) {
  return { type: 'show', item, next, progress: { done, total }, sample: false, tags: ['incorrect', 'unsafe', 'style'], guidelines: null, ack: 0 };
}
