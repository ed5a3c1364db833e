// The review panel UI. Keyboard-first: every action has a key (press ? for the map), and the
// main ones are VS Code commands too (the host forwards them as 'command' messages).
// Drafts (ranks, ratings, tags, rationale, rewrites) live in webview state, so hiding the panel
// or reloading VS Code brings them back.
import { extractCode } from '../core/review/blocks';
import type { Draft, HostMessage, JudgmentInput, PanelAction, PanelState, ViewCandidate, ViewItem, WebviewMessage } from '../protocol';
import { renderDiff } from './diff';
import { el, renderCode, renderResponse, safeEl } from './render';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  getState(): PanelState | undefined;
  setState(s: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
type ShowMsg = Extract<HostMessage, { type: 'show' }>;

const vscode = acquireVsCodeApi();
const root = document.getElementById('rlhf-root')!;
const live = document.getElementById('rlhf-live')!;
root.tabIndex = -1;

let state: PanelState = vscode.getState() ?? {};
let show: ShowMsg | null = null;
/** Sequence number of the last action sent; shows acknowledging less are stale. */
let seq = 0;
/** A vote was sent and there is no next item to show yet. */
let awaiting = false;
let prefix: 'r' | 'g' | null = null;
let keysOpen = false;
let guidelinesOpen = false;
/** Labels (A, B, ...) of each voted item, for the reveal after "saved". */
const votedLabels = new Map<string, Record<string, string>>();
const MAX_LETTER_VOTES = 6;

// ---------- state ----------

function newDraft(): Draft {
  return { startedAt: new Date().toISOString(), ranks: {}, ratings: {}, tags: {}, rationale: '', rewrites: {}, selected: 0 };
}

function draftOf(itemId: string): Draft {
  state.drafts ??= {};
  return (state.drafts[itemId] ??= newDraft());
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function persist(now = false): void {
  clearTimeout(saveTimer);
  const write = () => {
    // Keep the current item's draft and a few recent ones (undo/back revisit them).
    const ids = Object.keys(state.drafts ?? {});
    if (ids.length > 8) for (const id of ids.slice(0, ids.length - 8)) if (id !== state.itemId) delete state.drafts![id];
    vscode.setState(state);
  };
  if (now) write();
  else saveTimer = setTimeout(write, 250);
}

// A hidden panel's frame is thrown away: save what was typed in the last 250 ms first.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') persist(true);
});
window.addEventListener('pagehide', () => persist(true));
window.addEventListener('blur', () => persist(true));

function send(m: WebviewMessage): void {
  if (m.type !== 'ready' && m.type !== 'openRewrite') m = { ...m, seq: ++seq };
  vscode.postMessage(m);
}

function announce(text: string): void {
  live.textContent = '';
  // A fresh text node makes screen readers repeat identical announcements.
  requestAnimationFrame(() => (live.textContent = text));
}

function status(text: string, kind: 'info' | 'error' = 'info'): void {
  const line = root.querySelector('.status-line');
  if (line) {
    line.textContent = text;
    line.className = `status-line ${kind}`;
  }
}

// ---------- the item on screen ----------

const item = (): ViewItem | null => show?.item ?? null;
const draft = (): Draft | null => (item() ? draftOf(item()!.id) : null);
const votable = (): boolean => {
  const it = item();
  return !!it && !it.live && !it.candidates.some((c) => c.pending) && !awaiting;
};

function judgmentBase(): Omit<JudgmentInput, 'winner' | 'ranking'> {
  const it = item()!;
  const d = draft()!;
  const j: Omit<JudgmentInput, 'winner' | 'ranking'> = { shownOrder: it.candidates.map((c) => c.id), startedAt: d.startedAt };
  if (Object.keys(d.ratings).length) j.ratings = { ...d.ratings };
  const tags = Object.fromEntries(Object.entries(d.tags).filter(([, t]) => t.length));
  if (Object.keys(tags).length) j.tags = tags;
  if (d.rationale.trim()) j.rationale = d.rationale.trim();
  const rewrites = Object.entries(d.rewrites).map(([candidateId, text]) => ({ candidateId, text }));
  if (rewrites.length) j.rewrites = rewrites;
  return j;
}

function submit(judgment: JudgmentInput, applyId?: string): void {
  const it = item();
  if (!it) return;
  if (!votable()) {
    status(it.live || it.candidates.some((c) => c.pending) ? 'Candidates are still arriving; vote when they are complete.' : 'Saving the previous judgment…');
    return;
  }
  votedLabels.set(it.id, Object.fromEntries(it.candidates.map((c) => [c.id, c.label])));
  send({ type: 'vote', itemId: it.id, judgment, ...(applyId ? { apply: { candidateId: applyId } } : {}) });
  // Show the next item in this frame; the host's own 'show' for it then only patches.
  if (show && show.next !== undefined) {
    const done = show.item && !show.item.judged ? show.progress.done + 1 : show.progress.done;
    render({ ...show, item: show.next, next: undefined, progress: { done: Math.min(done, show.progress.total), total: show.progress.total } });
  } else awaiting = true;
}

function vote(winner: string, strength?: 'slight' | 'clear'): void {
  if (!item()) return;
  const s = winner === 'tie' || winner === 'both_bad' ? undefined : (strength ?? draft()!.strength);
  submit({ ...judgmentBase(), winner, ...(s ? { strength: s } : {}) });
}

function rankingGroups(): string[][] | undefined {
  const it = item()!;
  const d = draft()!;
  if (it.candidates.some((c) => !d.ranks[c.id])) return undefined;
  const ranks = [...new Set(Object.values(d.ranks))].sort((a, b) => a - b);
  return ranks.map((r) => it.candidates.filter((c) => d.ranks[c.id] === r).map((c) => c.id));
}

function saveRanking(): void {
  if (!item()) return;
  const groups = rankingGroups();
  if (!groups) {
    status('Rank every candidate first (select one with ←/→, press its rank 1–9; equal ranks are ties).', 'error');
    return;
  }
  if (groups.length === 1) return vote('tie');
  submit({ ...judgmentBase(), ranking: groups });
}

function applySelected(): void {
  const it = item();
  if (!it) return;
  if (!it.canApply) {
    status('This item did not come from an editor selection, so there is nothing to apply it to.', 'error');
    return;
  }
  const c = it.candidates[draft()!.selected] ?? it.candidates[0];
  // Best of N: the applied one beat every other; nothing is claimed about the others' order.
  submit({ ...judgmentBase(), winner: c.id }, c.id);
}

function select(index: number): void {
  const it = item();
  if (!it) return;
  const d = draft()!;
  d.selected = (index + it.candidates.length) % it.candidates.length;
  root.querySelectorAll('.candidate').forEach((card, i) => card.classList.toggle('selected', i === d.selected));
  root.querySelectorAll('.candidate').forEach((card, i) => card.setAttribute('aria-current', i === d.selected ? 'true' : 'false'));
  root.querySelector<HTMLElement>(`.candidate:nth-child(${d.selected + 1})`)?.scrollIntoView({ block: 'nearest' });
  persist();
}

function setRank(id: string, rank: number): void {
  const d = draft()!;
  if (rank > 0) d.ranks[id] = rank;
  else delete d.ranks[id];
  refreshChrome();
  persist();
}

function setRating(id: string, value: number): void {
  const d = draft()!;
  if (value >= 1 && value <= 7 && d.ratings[id] !== value) d.ratings[id] = value;
  else delete d.ratings[id];
  refreshChrome();
  persist();
}

function toggleTag(id: string, tag: string): void {
  const d = draft()!;
  const list = d.tags[id] ?? [];
  d.tags[id] = list.includes(tag) ? list.filter((t) => t !== tag) : [...list, tag];
  refreshChrome();
  persist();
}

function setStrength(s: 'slight' | 'clear'): void {
  const d = draft();
  if (!d) return;
  d.strength = d.strength === s ? undefined : s;
  refreshChrome();
  persist();
}

// ---------- rewrite ----------

function startRewrite(id: string): void {
  const it = item();
  const c = it?.candidates.find((x) => x.id === id);
  if (!it || !c) return;
  const d = draft()!;
  d.editing = { candidateId: id, text: d.rewrites[id] ?? c.text };
  replaceCard(c, it.candidates.indexOf(c));
  root.querySelector<HTMLTextAreaElement>(`.candidate[data-candidate-id="${CSS.escape(id)}"] .rewrite-editor`)?.focus();
  persist();
}

function keepRewrite(): void {
  const it = item();
  const d = draft();
  if (!it || !d?.editing) return;
  const c = it.candidates.find((x) => x.id === d.editing!.candidateId)!;
  if (d.editing.text === c.text) delete d.rewrites[c.id];
  else d.rewrites[c.id] = d.editing.text;
  d.editing = undefined;
  replaceCard(c, it.candidates.indexOf(c));
  refreshChrome();
  persist(true);
  announce(d.rewrites[c.id] !== undefined ? `Rewrite of ${c.label} kept; it counts as preferred over the original.` : `${c.label} unchanged.`);
  root.focus();
}

function discardRewrite(removeKept = false): void {
  const it = item();
  const d = draft();
  if (!it || !d) return;
  const id = d.editing?.candidateId;
  d.editing = undefined;
  if (removeKept && id) delete d.rewrites[id];
  const c = it.candidates.find((x) => x.id === id);
  if (c) replaceCard(c, it.candidates.indexOf(c));
  refreshChrome();
  persist(true);
  root.focus();
}

function openRewriteEditor(id: string): void {
  const it = item();
  const c = it?.candidates.find((x) => x.id === id);
  if (!it || !c) return;
  const d = draft()!;
  const text = d.editing?.candidateId === id ? d.editing.text : (d.rewrites[id] ?? c.text);
  send({ type: 'openRewrite', itemId: it.id, candidateId: id, text });
  status(`Rewriting ${c.label} in a VS Code diff editor beside this panel. Run “RLHF: Save Rewrite” to bring it back.`);
}

// ---------- rendering ----------

function button(label: string, key: string | undefined, onClick: () => void, cls = '', aria?: string): HTMLButtonElement {
  const b = el('button', `action ${cls}`.trim());
  b.type = 'button';
  b.append(el('span', 'action-label', label));
  if (key) {
    b.append(el('kbd', undefined, key));
    b.setAttribute('aria-keyshortcuts', key);
  }
  if (aria) b.setAttribute('aria-label', aria);
  b.addEventListener('click', onClick);
  return b;
}

function renderHeader(msg: ShowMsg): HTMLElement {
  const h = el('header', 'top');
  h.append(el('h1', undefined, 'RLHF Review'));
  const { done, total } = msg.progress;
  const prog = el('div', 'progress');
  const bar = el('progress');
  bar.max = Math.max(total, 1);
  bar.value = done;
  bar.setAttribute('aria-label', `Queue progress: ${done} of ${total} judged`);
  const pos = msg.item && !msg.item.judged ? Math.min(done + 1, total) : done;
  prog.append(bar, el('span', 'progress-text', `${pos} / ${total}`));
  h.append(prog);
  if (msg.sample) h.append(el('span', 'badge', 'Sample queue'));
  h.append(el('span', 'spacer'));
  if (msg.guidelines) {
    const g = button('Guidelines', 'I', toggleGuidelines, 'ghost guidelines-toggle');
    g.setAttribute('aria-expanded', String(guidelinesOpen));
    g.title = `Guidelines version ${msg.guidelines.version}`;
    h.append(g);
  }
  if (msg.item) {
    const d = button(state.diff ? 'Hide diff' : 'Diff', 'V', toggleDiff, 'ghost diff-toggle');
    d.setAttribute('aria-pressed', String(!!state.diff));
    h.append(d, button(state.layout === 'stacked' ? 'Columns' : 'Stacked', 'L', toggleLayout, 'ghost layout-toggle'));
  }
  h.append(button('Keys', '?', () => toggleKeys(), 'ghost keys-toggle', 'Keyboard shortcuts'));
  return h;
}

function renderGuidelines(msg: ShowMsg): HTMLElement | null {
  if (!msg.guidelines || !guidelinesOpen) return null;
  const s = el('section', 'guidelines');
  s.setAttribute('aria-label', 'Review guidelines');
  s.append(el('h2', 'section-title', `Guidelines (version ${msg.guidelines.version})`), renderResponse(msg.guidelines.text.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '')));
  return s;
}

function renderPrompt(it: ViewItem): HTMLElement {
  const prompt = el('section', 'prompt');
  prompt.setAttribute('aria-label', 'Prompt');
  prompt.append(el('h2', 'section-title', 'Prompt'), safeEl('p', 'instruction', it.instruction));
  const ctx = it.context;
  if (ctx?.filePath || ctx?.language || ctx?.selection) {
    const sel = ctx.selection;
    const where = [ctx.filePath, sel ? `lines ${sel.startLine + 1}–${sel.endLine + 1}` : undefined, ctx.language].filter(Boolean).join(' · ');
    prompt.append(el('div', 'context-meta', where));
  }
  if (ctx?.selection?.text) {
    const code = renderCode(ctx.selection.text, ctx.language);
    code.classList.add('context-code');
    code.tabIndex = 0;
    code.setAttribute('aria-label', `Selected code, lines ${ctx.selection.startLine + 1}-${ctx.selection.endLine + 1}`);
    prompt.append(code);
  }
  return prompt;
}

/** Diff sides: 'c:<id>' a candidate, 'r:<id>' its rewrite, 'sel' the selected code. */
function diffSides(it: ViewItem): { key: string; label: string; text: string }[] {
  const d = draftOf(it.id);
  const sides: { key: string; label: string; text: string }[] = [];
  const lang = it.context?.language;
  const sel = it.context?.selection;
  for (const c of it.candidates) {
    sides.push({ key: `c:${c.id}`, label: c.label, text: c.text });
    if (d.rewrites[c.id] !== undefined) sides.push({ key: `r:${c.id}`, label: `${c.label} (rewrite)`, text: d.rewrites[c.id] });
  }
  if (sel) {
    for (const c of it.candidates) sides.push({ key: `k:${c.id}`, label: `${c.label} (code only)`, text: extractCode(d.rewrites[c.id] ?? c.text, lang) });
    sides.push({ key: 'sel', label: 'Selected code', text: sel.text });
  }
  return sides;
}

function renderDiffSection(it: ViewItem): HTMLElement | null {
  if (!state.diff) return null;
  const sides = diffSides(it);
  const left = sides.find((s) => s.key === state.diff!.left) ?? sides[0];
  const right = sides.find((s) => s.key === state.diff!.right) ?? sides[1];
  const sec = el('section', 'diff');
  sec.setAttribute('aria-label', `Differences between ${left.label} and ${right.label}`);
  const bar = el('div', 'diff-bar');
  const pick = (which: 'left' | 'right', current: string) => {
    const s = el('select', `diff-${which}`);
    s.setAttribute('aria-label', which === 'left' ? 'Diff from' : 'Diff to');
    for (const side of sides) {
      const o = el('option', undefined, side.label);
      o.value = side.key;
      o.selected = side.key === current;
      s.append(o);
    }
    s.addEventListener('change', () => {
      state.diff = { left: which === 'left' ? s.value : left.key, right: which === 'right' ? s.value : right.key };
      persist();
      rerenderDiff();
    });
    return s;
  };
  const vsSel = it.context?.selection
    ? button('Against selected code', undefined, () => {
        const c = it.candidates[draftOf(it.id).selected] ?? it.candidates[0];
        state.diff = { left: 'sel', right: `k:${c.id}` };
        persist();
        rerenderDiff();
      }, 'ghost')
    : null;
  bar.append(el('span', 'section-title', 'Diff'), pick('left', left.key), el('span', undefined, '→'), pick('right', right.key));
  if (vsSel) bar.append(vsSel);
  sec.append(bar, renderDiff(left.text, right.text));
  return sec;
}

function rerenderDiff(): void {
  const it = item();
  const old = root.querySelector('section.diff');
  const fresh = it ? renderDiffSection(it) : null;
  if (old && fresh) old.replaceWith(fresh);
  else if (old) old.remove();
  else if (fresh) root.querySelector('.prompt')?.after(fresh);
}

function renderCandidateHead(c: ViewCandidate, it: ViewItem): HTMLElement {
  const d = draftOf(it.id);
  const head = el('header', 'candidate-head');
  head.append(el('span', 'candidate-label', c.label));
  const model = el('span', 'candidate-model', c.model ?? 'model hidden until vote');
  if (!c.model) model.classList.add('hidden-model');
  head.append(model);
  if (c.score !== undefined) {
    const s = el('span', 'pill score', `reward ${c.score.toFixed(2)}`);
    s.title = 'Reward model score';
    head.append(s);
  }
  if (c.flagged) {
    const f = el('span', 'pill flag', '⚠ flagged');
    f.title = c.flagReason ?? 'Flagged by the reward model';
    f.setAttribute('aria-label', `Flagged by the reward model${c.flagReason ? ': ' + c.flagReason : ''}`);
    head.append(f);
  }
  if (d.rewrites[c.id] !== undefined) head.append(el('span', 'pill rewritten', 'rewritten'));
  if (d.ranks[c.id]) head.append(el('span', 'pill rank', `rank ${d.ranks[c.id]}`));
  head.append(el('span', 'spacer'));
  if (!c.pending && !c.error) {
    head.append(button('Rewrite', undefined, () => startRewrite(c.id), 'ghost small rewrite-btn', `Rewrite ${c.label}`));
    if (it.canApply) head.append(button('Apply', undefined, () => { select(it.candidates.indexOf(c)); applySelected(); }, 'ghost small apply-btn', `Apply ${c.label} to the file and record it as the winner`));
  }
  return head;
}

function renderCandidateBody(c: ViewCandidate, it: ViewItem): HTMLElement {
  const d = draftOf(it.id);
  const body = el('div', 'candidate-body');
  body.tabIndex = 0;
  body.setAttribute('aria-label', `Response ${c.label}`);
  if (d.editing?.candidateId === c.id) {
    const ed = el('textarea', 'rewrite-editor');
    ed.value = d.editing.text;
    ed.spellcheck = false;
    ed.setAttribute('aria-label', `Rewrite of ${c.label}. Ctrl+Enter keeps it, Escape discards.`);
    ed.addEventListener('input', () => {
      if (d.editing) d.editing.text = ed.value;
      persist();
    });
    const bar = el('div', 'rewrite-bar');
    bar.append(
      button('Keep rewrite', 'Ctrl+Enter', keepRewrite, 'primary small keep-rewrite'),
      button('Discard', 'Esc', () => discardRewrite(), 'small'),
      button('Open in diff editor', 'Shift+W', () => openRewriteEditor(c.id), 'small'),
    );
    body.append(ed, bar);
    return body;
  }
  if (c.error) {
    const err = el('div', 'candidate-error');
    err.setAttribute('role', 'alert');
    err.append(el('strong', undefined, 'This candidate failed: '), safeEl('span', undefined, c.error));
    body.append(err);
  }
  if (c.pending) {
    const sp = el('div', 'streaming');
    sp.append(el('span', 'spinner'), el('span', undefined, 'streaming…'));
    sp.setAttribute('aria-label', `${c.label} is still streaming`);
    body.append(sp);
  }
  const rewritten = d.rewrites[c.id];
  if (rewritten !== undefined) {
    body.append(el('div', 'rewrite-note', 'Your rewrite (preferred over the original):'), renderResponse(rewritten, it.context?.language));
    const orig = el('details', 'original');
    orig.append(el('summary', undefined, 'Original'));
    orig.addEventListener('toggle', () => orig.open && orig.childElementCount === 1 && orig.append(renderResponse(c.text, it.context?.language)), { once: false });
    body.append(orig);
  } else if (c.text || !c.pending) body.append(renderResponse(c.text, it.context?.language));
  return body;
}

function renderCandidateFoot(c: ViewCandidate, it: ViewItem, tags: string[]): HTMLElement {
  const d = draftOf(it.id);
  const foot = el('footer', 'candidate-foot');
  const rating = el('div', 'rating');
  rating.setAttribute('role', 'radiogroup');
  rating.setAttribute('aria-label', `Rating for ${c.label}, 1 (bad) to 7 (excellent), optional`);
  rating.append(el('span', 'foot-title', 'Rating'));
  for (let v = 1; v <= 7; v++) {
    const b = el('button', 'rate', String(v));
    b.type = 'button';
    b.setAttribute('role', 'radio');
    b.setAttribute('aria-checked', String(d.ratings[c.id] === v));
    b.setAttribute('aria-label', `${c.label} rated ${v} of 7`);
    b.addEventListener('click', () => setRating(c.id, v));
    rating.append(b);
  }
  const tagBox = el('div', 'tags');
  tagBox.setAttribute('role', 'group');
  tagBox.setAttribute('aria-label', `Tags for ${c.label}`);
  for (const t of tags) {
    const b = el('button', 'tag', t);
    b.type = 'button';
    b.setAttribute('aria-pressed', String((d.tags[c.id] ?? []).includes(t)));
    b.addEventListener('click', () => toggleTag(c.id, t));
    tagBox.append(b);
  }
  foot.append(rating, tagBox);
  return foot;
}

function renderCard(c: ViewCandidate, i: number, it: ViewItem, tags: string[]): HTMLElement {
  const d = draftOf(it.id);
  const card = el('article', 'candidate');
  if (c.pending) card.classList.add('pending');
  if (c.error) card.classList.add('failed');
  if (i === d.selected) card.classList.add('selected');
  card.setAttribute('aria-current', String(i === d.selected));
  card.dataset.candidateId = c.id;
  card.setAttribute('aria-label', `Candidate ${c.label}`);
  card.addEventListener('mousedown', (ev) => {
    if (!(ev.target as HTMLElement).closest('button, textarea, select, summary')) select(i);
  });
  card.append(renderCandidateHead(c, it), renderCandidateBody(c, it), renderCandidateFoot(c, it, tags));
  return card;
}

function replaceCard(c: ViewCandidate, i: number): void {
  const it = item();
  const old = root.querySelector(`.candidate[data-candidate-id="${CSS.escape(c.id)}"]`);
  if (!it || !old) return;
  old.replaceWith(renderCard(c, i, it, show!.tags));
}

function renderRanking(it: ViewItem): HTMLElement {
  const d = draftOf(it.id);
  const n = it.candidates.length;
  const strip = el('section', 'ranking');
  strip.setAttribute('aria-label', 'Ranking: drag candidates into places, or select one and press its rank number; equal ranks are ties');
  strip.append(el('span', 'section-title', 'Rank'));
  const slot = (rank: number) => {
    const s = el('div', `rank-slot${rank === 0 ? ' unranked' : ''}`);
    s.dataset.rank = String(rank);
    s.append(el('span', 'slot-title', rank === 0 ? 'unranked' : ordinal(rank)));
    for (const [i, c] of it.candidates.entries()) {
      if ((d.ranks[c.id] ?? 0) !== rank) continue;
      const chip = el('button', 'rank-chip', c.label);
      chip.type = 'button';
      chip.draggable = true;
      chip.dataset.candidateId = c.id;
      chip.setAttribute('aria-label', `${c.label}: ${rank ? ordinal(rank) : 'unranked'}. Select it, then press a number.`);
      chip.addEventListener('click', () => select(i));
      chip.addEventListener('dragstart', (ev) => {
        ev.dataTransfer?.setData('text/plain', c.id);
        if (ev.dataTransfer) ev.dataTransfer.effectAllowed = 'move';
      });
      s.append(chip);
    }
    s.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      s.classList.add('drop-target');
    });
    s.addEventListener('dragleave', () => s.classList.remove('drop-target'));
    s.addEventListener('drop', (ev) => {
      ev.preventDefault();
      const id = ev.dataTransfer?.getData('text/plain');
      if (id && it.candidates.some((c) => c.id === id)) setRank(id, rank);
    });
    return s;
  };
  for (let r = 1; r <= n; r++) strip.append(slot(r));
  strip.append(slot(0));
  const save = button('Save ranking', 'Enter', saveRanking, 'save-ranking');
  save.disabled = !rankingGroups();
  strip.append(save);
  return strip;
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}

function renderActions(it: ViewItem): HTMLElement {
  const d = draftOf(it.id);
  const actions = el('div', 'actions');
  actions.setAttribute('role', 'toolbar');
  actions.setAttribute('aria-label', 'Judgment');
  const pair = it.candidates.length === 2;
  for (const c of it.candidates.slice(0, MAX_LETTER_VOTES)) {
    actions.append(button(pair ? `${c.label} is better` : `${c.label} is best`, c.label, () => vote(c.id), 'primary vote'));
  }
  actions.append(button('Tie', 'T', () => vote('tie'), 'vote'), button('Both bad', 'X', () => vote('both_bad'), 'vote'));
  const strength = el('div', 'strength');
  strength.setAttribute('role', 'group');
  strength.setAttribute('aria-label', 'Strength of the preference (optional)');
  for (const [s, label, key] of [['slight', 'slightly', '['], ['clear', 'clearly', ']']] as const) {
    const b = button(label, key, () => setStrength(s), 'ghost small strength-btn');
    b.setAttribute('aria-pressed', String(d.strength === s));
    strength.append(b);
  }
  actions.append(strength, el('span', 'spacer'));
  actions.append(
    button('Skip', 'S', () => send({ type: 'skip', itemId: it.id })),
    button('Back', 'P', () => send({ type: 'back' })),
    button('Undo', 'U', () => send({ type: 'undo' })),
  );
  if (!votable()) actions.querySelectorAll<HTMLButtonElement>('.vote').forEach((b) => (b.disabled = true));
  return actions;
}

function renderRationale(it: ViewItem): HTMLElement {
  const d = draftOf(it.id);
  const box = el('section', 'rationale');
  const label = el('label', 'section-title', 'Rationale (optional, N)');
  label.htmlFor = 'rlhf-rationale';
  const ta = el('textarea', 'rationale-input');
  ta.id = 'rlhf-rationale';
  ta.rows = 2;
  ta.value = d.rationale;
  ta.placeholder = 'Why is the winner better? Saved with the judgment.';
  ta.addEventListener('input', () => {
    d.rationale = ta.value;
    persist();
  });
  box.append(label, ta);
  return box;
}

/** Re-renders the parts that show draft state (heads, feet, ranking, actions) in place. */
function refreshChrome(): void {
  const it = item();
  if (!it || !show) return;
  for (const [i, c] of it.candidates.entries()) {
    const card = root.querySelector(`.candidate[data-candidate-id="${CSS.escape(c.id)}"]`);
    if (!card) continue;
    card.querySelector('.candidate-head')?.replaceWith(renderCandidateHead(c, it));
    card.querySelector('.candidate-foot')?.replaceWith(renderCandidateFoot(c, it, show.tags));
    card.classList.toggle('selected', i === draftOf(it.id).selected);
  }
  root.querySelector('.ranking')?.replaceWith(renderRanking(it));
  const active = document.activeElement;
  const focusIdx = active?.closest('.actions') ? [...root.querySelectorAll('.actions button')].indexOf(active as HTMLElement) : -1;
  root.querySelector('.actions')?.replaceWith(renderActions(it));
  if (focusIdx >= 0) root.querySelectorAll<HTMLElement>('.actions button')[focusIdx]?.focus();
}

function renderEmpty(): HTMLElement {
  const empty = el('section', 'empty');
  empty.append(el('h2', undefined, 'Queue complete'), el('p', undefined, 'Every item has a judgment. Import more with “RLHF: Import Review Queue…”, or press U to undo the last one.'));
  return empty;
}

function candidateKey(c: ViewCandidate): string {
  return JSON.stringify([c.text.length, c.text.slice(-64), c.model, c.score, c.flagged, c.flagReason, c.pending, c.error, c.label]);
}

/** Applies a 'show': patches the item in place when it is the same one, else renders afresh. */
function render(msg: ShowMsg): void {
  const prev = show;
  const it = msg.item;
  const same = !!it && prev?.item?.id === it.id && prev.item.candidates.map((c) => c.id).join() === it.candidates.map((c) => c.id).join();
  show = msg;
  awaiting = false;
  state.itemId = it?.id;
  if (it) draftOf(it.id);
  persist();
  if (same && it && prev?.item) {
    const old = new Map(prev.item.candidates.map((c) => [c.id, c]));
    root.querySelector('.top')?.replaceWith(renderHeader(msg));
    const live = root.querySelector('.live-note');
    if (live && !it.live) live.remove();
    if (prev.item.live && !it.live) status('');
    it.candidates.forEach((c, i) => {
      const o = old.get(c.id);
      if (!o || candidateKey(o) !== candidateKey(c) || o.text !== c.text) {
        const d = draftOf(it.id);
        if (d.editing?.candidateId === c.id) return;
        replaceCard(c, i);
      }
    });
    if (prev.tags.join() !== msg.tags.join()) refreshChrome();
    else root.querySelector('.actions')?.replaceWith(renderActions(it));
    return;
  }
  const parts: (HTMLElement | null)[] = [renderHeader(msg), renderGuidelines(msg)];
  if (it) {
    parts.push(renderPrompt(it));
    if (it.live) parts.push(el('p', 'live-note', 'Candidates are arriving; voting opens when they are complete.'));
    parts.push(renderDiffSection(it));
    const grid = el('div', `candidates count-${it.candidates.length} ${state.layout === 'stacked' ? 'stacked' : 'columns'}`);
    it.candidates.forEach((c, i) => grid.append(renderCard(c, i, it, msg.tags)));
    parts.push(grid);
    if (it.candidates.length > 2) parts.push(renderRanking(it));
    parts.push(renderRationale(it), renderActions(it));
  } else parts.push(renderEmpty());
  const statusLine = el('div', 'status-line');
  statusLine.setAttribute('aria-live', 'off');
  parts.push(statusLine);
  root.replaceChildren(...parts.filter((p): p is HTMLElement => !!p));
  window.scrollTo(0, 0);
  if (!document.activeElement || document.activeElement === document.body || !root.contains(document.activeElement)) root.focus({ preventScroll: true });
  const d = it ? draftOf(it.id) : null;
  if (d?.editing) root.querySelector<HTMLTextAreaElement>('.rewrite-editor')?.focus({ preventScroll: true });
}

function rerender(): void {
  if (!show) return;
  const s = show;
  show = null;
  render(s);
}

function toggleDiff(): void {
  const it = item();
  if (!it) return;
  state.diff = state.diff ? null : { left: `c:${it.candidates[0].id}`, right: `c:${it.candidates[1].id}` };
  persist();
  root.querySelector('.top')?.replaceWith(renderHeader(show!));
  rerenderDiff();
  if (state.diff) announce('Diff shown.');
}

function toggleLayout(): void {
  state.layout = state.layout === 'stacked' ? 'columns' : 'stacked';
  persist();
  root.querySelector('.candidates')?.classList.toggle('stacked', state.layout === 'stacked');
  root.querySelector('.candidates')?.classList.toggle('columns', state.layout !== 'stacked');
  if (show) root.querySelector('.top')?.replaceWith(renderHeader(show));
}

function toggleGuidelines(): void {
  if (!show?.guidelines) return;
  guidelinesOpen = !guidelinesOpen;
  rerender();
}

// ---------- keyboard map ----------

const KEYS: [string, string][] = [
  ['A / B / C …', 'Vote for that candidate (best of N); Shift+letter: clearly better'],
  ['[ / ]', 'Strength of the next vote: slightly / clearly'],
  ['T', 'Tie'],
  ['X', 'Both bad'],
  ['← / →', 'Select a candidate'],
  ['1–9, 0', 'Rank the selected candidate (equal numbers tie; 0 clears); Enter saves the ranking'],
  ['R then 1–7', 'Rate the selected candidate (R 0 clears)'],
  ['G then 1–9', 'Toggle the n-th tag on the selected candidate'],
  ['N', 'Write the rationale (Escape leaves the text box)'],
  ['W', 'Rewrite the selected candidate here (Ctrl+Enter keeps it)'],
  ['Shift+W', 'Rewrite it in a VS Code diff editor'],
  ['Y', 'Apply the selected candidate (or its rewrite) to the file, recording it as the winner'],
  ['V', 'Show or hide the diff'],
  ['L', 'Columns or stacked candidates'],
  ['I', 'Show or hide the guidelines'],
  ['S', 'Skip this item'],
  ['P', 'Back to the previous item'],
  ['U', 'Undo the last judgment'],
  ['?', 'This list'],
];

function toggleKeys(open = !keysOpen): void {
  keysOpen = open;
  document.querySelector('.keymap')?.remove();
  if (!open) {
    root.focus();
    return;
  }
  const dlg = el('div', 'keymap');
  dlg.setAttribute('role', 'dialog');
  dlg.setAttribute('aria-modal', 'true');
  dlg.setAttribute('aria-label', 'Keyboard shortcuts');
  dlg.tabIndex = -1;
  const table = el('table');
  for (const [k, what] of KEYS) {
    const tr = el('tr');
    const th = el('th');
    th.append(el('kbd', undefined, k));
    tr.append(th, el('td', undefined, what));
    table.append(tr);
  }
  dlg.append(
    el('h2', undefined, 'Keyboard shortcuts'),
    table,
    el('p', 'hint', 'Vote, skip, undo, back and apply are also VS Code commands (RLHF: Vote A, …) you can bind in Keyboard Shortcuts.'),
    button('Close', 'Esc', () => toggleKeys(false), 'small'),
  );
  document.body.append(dlg);
  dlg.focus();
}

// ---------- input ----------

function act(action: PanelAction, arg?: number): void {
  const it = item();
  const d = draft();
  const sel = it && d ? it.candidates[d.selected] : undefined;
  switch (action) {
    case 'voteA':
    case 'voteB':
    case 'voteC':
    case 'voteD': {
      const c = it?.candidates['ABCD'.indexOf(action.slice(4))];
      if (c) vote(c.id);
      return;
    }
    case 'strengthSlight':
    case 'strengthClear':
      if (it) setStrength(action === 'strengthSlight' ? 'slight' : 'clear');
      return;
    case 'selectNext':
    case 'selectPrevious':
      if (it && d) select(d.selected + (action === 'selectNext' ? 1 : -1));
      return;
    case 'rank':
      if (sel && arg !== undefined && arg <= it!.candidates.length) setRank(sel.id, arg);
      return;
    case 'saveRanking':
      if (it) saveRanking();
      return;
    case 'rate':
      if (sel && arg !== undefined) setRating(sel.id, arg);
      return;
    case 'tag': {
      const tag = arg !== undefined ? show?.tags[arg - 1] : undefined;
      if (sel && tag) toggleTag(sel.id, tag);
      return;
    }
    case 'rationale':
      if (it) root.querySelector<HTMLTextAreaElement>('.rationale-input')?.focus();
      return;
    case 'rewrite':
    case 'rewriteInEditor':
      if (sel) (action === 'rewrite' ? startRewrite : openRewriteEditor)(sel.id);
      return;
    case 'layout':
      return toggleLayout();
    case 'guidelines':
      return toggleGuidelines();
    case 'voteTie':
      return vote('tie');
    case 'voteBothBad':
      return vote('both_bad');
    case 'skip':
      if (it) send({ type: 'skip', itemId: it.id });
      return;
    case 'undo':
      return send({ type: 'undo' });
    case 'back':
      return send({ type: 'back' });
    case 'apply':
      return applySelected();
    case 'diff':
      return toggleDiff();
    case 'keys':
      return toggleKeys();
  }
}

document.addEventListener('keydown', (ev) => {
  if (keysOpen) {
    if (ev.key === 'Escape' || ev.key === '?') {
      toggleKeys(false);
      ev.preventDefault();
    }
    return;
  }
  const t = ev.target as HTMLElement | null;
  if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.isContentEditable)) {
    if (t.classList.contains('rewrite-editor')) {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        keepRewrite();
      } else if (ev.key === 'Escape') {
        ev.preventDefault();
        discardRewrite();
      }
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      root.focus();
    }
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const it = item();
  const d = draft();
  const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
  let handled = true;
  if (prefix && it && d) {
    const n = Number(ev.key);
    const c = it.candidates[d.selected];
    if (prefix === 'r' && /^[0-7]$/.test(ev.key) && c) setRating(c.id, n === 0 ? 0 : n);
    else if (prefix === 'g' && /^[1-9]$/.test(ev.key) && c && show!.tags[n - 1]) toggleTag(c.id, show!.tags[n - 1]);
    prefix = null;
    root.classList.remove('prefix-r', 'prefix-g');
    ev.preventDefault();
    return;
  }
  const byLabel = it?.candidates.slice(0, MAX_LETTER_VOTES).find((c) => c.label.toLowerCase() === key);
  if (byLabel) vote(byLabel.id, ev.shiftKey ? 'clear' : undefined);
  else if (key === 't' && it) vote('tie');
  else if (key === 'x' && it) vote('both_bad');
  else if (key === 's' && it) send({ type: 'skip', itemId: it.id });
  else if (key === 'u') send({ type: 'undo' });
  else if (key === 'p') send({ type: 'back' });
  else if (key === '[' && it) setStrength('slight');
  else if (key === ']' && it) setStrength('clear');
  else if ((key === 'ArrowRight' || key === 'ArrowDown' || key === 'j') && d && it) select(d.selected + 1);
  else if ((key === 'ArrowLeft' || key === 'ArrowUp' || key === 'k') && d && it) select(d.selected - 1);
  else if (/^[0-9]$/.test(key) && it && d) {
    const n = Number(key);
    if (n <= it.candidates.length) {
      setRank(it.candidates[d.selected].id, n);
      if (n > 0) select(d.selected + 1);
    }
  } else if (key === 'Enter' && it && (t === root || t === document.body || t?.classList.contains('candidate-body'))) saveRanking();
  else if ((key === 'r' || key === 'g') && it) {
    prefix = key;
    root.classList.add(`prefix-${key}`);
    status(key === 'r' ? 'Rating: press 1–7 (0 clears)' : `Tag: press 1–${Math.min(9, show!.tags.length)} (${show!.tags.slice(0, 9).map((x, i) => `${i + 1} ${x}`).join(', ')})`);
  } else if (key === 'n' && it) root.querySelector<HTMLTextAreaElement>('.rationale-input')?.focus();
  else if (key === 'w' && it && d) (ev.shiftKey ? openRewriteEditor : startRewrite)(it.candidates[d.selected].id);
  else if (key === 'y' && it) applySelected();
  else if (key === 'v' && it) toggleDiff();
  else if (key === 'l') toggleLayout();
  else if (key === 'i') toggleGuidelines();
  else if (key === '?') toggleKeys(true);
  else if (key === 'Escape' && state.diff) toggleDiff();
  else handled = false;
  if (handled) ev.preventDefault();
});

window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const msg = ev.data;
  if (!msg || typeof msg !== 'object') return;
  switch (msg.type) {
    case 'show':
      // A show answering an older action would undo the optimistic advance: wait for the latest.
      if (msg.ack !== undefined && msg.ack < seq) return;
      render(msg);
      return;
    case 'saved': {
      if (state.drafts) delete state.drafts[msg.itemId];
      persist();
      const labels = votedLabels.get(msg.itemId) ?? {};
      const reveal = Object.entries(msg.models)
        .map(([id, m]) => `${labels[id] ?? id}: ${m}`)
        .sort()
        .join(', ');
      announce(msg.announcement);
      status(reveal ? `${msg.announcement} Models — ${reveal}.` : msg.announcement);
      return;
    }
    case 'notice':
      announce(msg.message);
      status(msg.message);
      return;
    case 'error':
      awaiting = false;
      announce(msg.message);
      status(msg.message, 'error');
      return;
    case 'command':
      act(msg.action, msg.arg);
      return;
    case 'rewrite': {
      const d = draftOf(msg.itemId);
      d.rewrites[msg.candidateId] = msg.text;
      if (d.editing?.candidateId === msg.candidateId) d.editing = undefined;
      persist(true);
      if (item()?.id === msg.itemId) {
        const it = item()!;
        const c = it.candidates.find((x) => x.id === msg.candidateId);
        if (c) replaceCard(c, it.candidates.indexOf(c));
        refreshChrome();
        if (state.diff) rerenderDiff();
      }
      announce('Rewrite saved from the diff editor.');
      status('Rewrite saved from the diff editor; it is part of this item’s judgment.');
      return;
    }
  }
});

send({ type: 'ready', ...(state.itemId ? { itemId: state.itemId } : {}) });
