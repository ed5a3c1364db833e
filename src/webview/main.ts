// The review panel UI. Keyboard-first: every action has one key (press ? for the map).
import type { HostMessage, JudgmentInput, PanelState, ViewItem, WebviewMessage } from '../protocol';
import { el, renderCode, renderResponse } from './render';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  getState(): PanelState | undefined;
  setState(s: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('rlhf-root')!;
const live = document.getElementById('rlhf-live')!;

let current: Extract<HostMessage, { type: 'show' }> | null = null;
let startedAt = new Date().toISOString();
let busy = false;

const send = (m: WebviewMessage) => vscode.postMessage(m);

function announce(text: string): void {
  live.textContent = '';
  // A fresh text node makes screen readers repeat identical announcements.
  requestAnimationFrame(() => (live.textContent = text));
}

function vote(winner: string): void {
  if (!current?.item || busy) return;
  busy = true;
  const judgment: JudgmentInput = { winner, shownOrder: current.item.candidates.map((c) => c.id), startedAt };
  send({ type: 'vote', itemId: current.item.id, judgment });
}

function button(label: string, key: string, onClick: () => void, cls = ''): HTMLButtonElement {
  const b = el('button', `action ${cls}`.trim());
  b.type = 'button';
  b.append(el('span', 'action-label', label), el('kbd', undefined, key.toUpperCase()));
  b.setAttribute('aria-keyshortcuts', key);
  b.addEventListener('click', onClick);
  return b;
}

function renderItem(item: ViewItem): HTMLElement {
  const wrap = el('div', 'item');
  const prompt = el('section', 'prompt');
  prompt.setAttribute('aria-label', 'Prompt');
  prompt.append(el('h2', 'section-title', 'Prompt'), el('p', 'instruction', item.instruction));
  const ctx = item.context;
  if (ctx?.filePath || ctx?.language) {
    prompt.append(el('div', 'context-meta', [ctx.filePath, ctx.language].filter(Boolean).join(' · ')));
  }
  if (ctx?.selection?.text) {
    const code = renderCode(ctx.selection.text, ctx.language);
    code.classList.add('context-code');
    code.setAttribute('aria-label', `Selected code, lines ${ctx.selection.startLine + 1}-${ctx.selection.endLine + 1}`);
    prompt.append(code);
  }
  wrap.append(prompt);

  const grid = el('div', `candidates count-${item.candidates.length}`);
  for (const c of item.candidates) {
    const card = el('article', 'candidate');
    card.dataset.candidateId = c.id;
    card.setAttribute('aria-label', `Candidate ${c.label}`);
    const head = el('header', 'candidate-head');
    head.append(el('span', 'candidate-label', c.label));
    const model = el('span', 'candidate-model', c.model ?? 'model hidden until vote');
    if (!c.model) model.classList.add('hidden-model');
    head.append(model);
    const body = el('div', 'candidate-body');
    body.tabIndex = 0;
    body.setAttribute('aria-label', `Response ${c.label}`);
    body.append(renderResponse(c.text));
    card.append(head, body);
    grid.append(card);
  }
  wrap.append(grid);

  const actions = el('div', 'actions');
  actions.setAttribute('role', 'toolbar');
  actions.setAttribute('aria-label', 'Judgment');
  for (const c of item.candidates) actions.append(button(`${c.label} is better`, c.label.toLowerCase(), () => vote(c.id), 'primary'));
  actions.append(
    button('Tie', 't', () => vote('tie')),
    button('Both bad', 'x', () => vote('both_bad')),
    el('span', 'spacer'),
    button('Skip', 's', () => send({ type: 'skip', itemId: item.id })),
    button('Undo', 'u', () => send({ type: 'undo' })),
  );
  wrap.append(actions);
  return wrap;
}

function renderHeader(msg: Extract<HostMessage, { type: 'show' }>): HTMLElement {
  const h = el('header', 'top');
  h.append(el('h1', undefined, 'RLHF Review'));
  const { done, total } = msg.progress;
  const prog = el('div', 'progress');
  const bar = el('progress');
  bar.max = Math.max(total, 1);
  bar.value = done;
  bar.setAttribute('aria-label', 'Queue progress');
  prog.append(bar, el('span', 'progress-text', `${Math.min(done + (msg.item ? 1 : 0), total)} / ${total}`));
  h.append(prog);
  if (msg.sample) h.append(el('span', 'badge', 'Sample queue'));
  return h;
}

function render(msg: Extract<HostMessage, { type: 'show' }>): void {
  const sameItem = current?.item?.id === msg.item?.id && current?.item !== undefined;
  current = msg;
  busy = false;
  if (!sameItem) startedAt = new Date().toISOString();
  vscode.setState({ itemId: msg.item?.id });
  const scroll = sameItem ? window.scrollY : 0;
  root.replaceChildren(renderHeader(msg));
  if (msg.item) {
    root.append(renderItem(msg.item));
  } else {
    const empty = el('section', 'empty');
    empty.append(el('h2', undefined, 'Queue complete'), el('p', undefined, 'Every item has a judgment. Import more with “RLHF: Import Review Queue…”, or press U to undo the last one.'));
    root.append(empty);
  }
  root.append(el('div', 'status-line'));
  window.scrollTo(0, scroll);
  if (!sameItem) (root.querySelector<HTMLElement>('.actions .action') ?? root).focus({ preventScroll: true });
}

function status(text: string, kind: 'info' | 'error' = 'info'): void {
  const line = root.querySelector('.status-line');
  if (line) {
    line.textContent = text;
    line.className = `status-line ${kind}`;
  }
}

window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'show':
      render(msg);
      return;
    case 'saved':
      announce(msg.announcement);
      return;
    case 'notice':
      announce(msg.message);
      status(msg.message);
      return;
    case 'error':
      busy = false;
      announce(msg.message);
      status(msg.message, 'error');
      return;
  }
});

document.addEventListener('keydown', (ev) => {
  const t = ev.target as HTMLElement | null;
  if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || t.isContentEditable)) return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const key = ev.key.toLowerCase();
  const item = current?.item;
  const byLabel = item?.candidates.find((c) => c.label.toLowerCase() === key);
  let handled = true;
  if (byLabel) vote(byLabel.id);
  else if (key === 't' && item) vote('tie');
  else if (key === 'x' && item) vote('both_bad');
  else if (key === 's' && item) send({ type: 'skip', itemId: item.id });
  else if (key === 'u') send({ type: 'undo' });
  else handled = false;
  if (handled) ev.preventDefault();
});

send({ type: 'ready' });
