// Turns model text into DOM nodes. Model text is untrusted: it only ever reaches the page
// through textContent / text nodes, never as markup, and no link or image is ever created.
// Long text stays cheap: code renders as plain-text chunks the browser lays out lazily
// (content-visibility) and highlighting happens chunk by chunk in idle time once visible.
import { splitBlocks } from '../core/review/blocks';
import { highlightLines, resolveLanguage, type Tok } from './highlight';

export { splitBlocks };

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Lines of code per chunk: the unit of lazy layout and of highlighting. */
export const CHUNK_LINES = 200;
/** Characters of one line shown before it is cut (a 5 MB line must not stall layout). */
export const MAX_LINE = 2_000;
/** An element holding untrusted text, with invisible/bidi characters shown as markers. */
export function safeEl<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string | undefined, text: string): HTMLElementTagNameMap[K] {
  const e = el(tag, cls);
  appendSafe(e, text);
  return e;
}

/** Characters of prose shown before a "show more" button. */
export const MAX_PROSE = 20_000;
const LINE_HEIGHT_EM = 1.45;

/** Bidi controls and other invisible format characters that can make code read differently. */
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;
const INVISIBLE_G = new RegExp(INVISIBLE.source, 'g');

/** Appends text, turning invisible/bidi characters into visible, labelled markers. */
export function appendSafe(parent: Node, text: string, cls?: string): void {
  const add = (t: string) => {
    if (!t) return;
    if (cls) parent.appendChild(el('span', cls, t));
    else parent.appendChild(document.createTextNode(t));
  };
  if (!INVISIBLE.test(text)) return add(text);
  let last = 0;
  for (const m of text.matchAll(INVISIBLE_G)) {
    add(text.slice(last, m.index));
    const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const mark = el('span', 'ctrl-char', `U+${code}`);
    mark.title = `Invisible character U+${code} (can reorder or hide code)`;
    parent.appendChild(mark);
    last = m.index! + m[0].length;
  }
  add(text.slice(last));
}

function cutMarker(rest: number): HTMLElement {
  const m = el('span', 'cut-marker', ` … ${rest.toLocaleString()} more characters on this line`);
  m.setAttribute('aria-label', `line cut, ${rest} more characters`);
  return m;
}

// ---- code ----

type Scheduler = (fn: (deadline?: { timeRemaining(): number }) => void) => void;
const idle: Scheduler =
  typeof requestIdleCallback === 'function' ? (fn) => requestIdleCallback(fn, { timeout: 500 }) : (fn) => setTimeout(() => fn(), 16);

const queue: { chunk: HTMLElement; lines: string[]; lang: string }[] = [];
let draining = false;
function drain(deadline?: { timeRemaining(): number }): void {
  const start = performance.now();
  const left = () => (deadline ? deadline.timeRemaining() : 8 - (performance.now() - start));
  while (queue.length && left() > 2) {
    const job = queue.shift()!;
    if (!job.chunk.isConnected || job.chunk.dataset.hl === 'done') continue;
    // Only the shown part of a line is highlighted: a 5 MB line must not block the panel.
    paintTokens(job.chunk, job.lines, highlightLines(job.lines.map((l) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) : l)).join('\n'), job.lang));
    job.chunk.dataset.hl = 'done';
  }
  if (queue.length) idle(drain);
  else draining = false;
}
function enqueue(job: (typeof queue)[number]): void {
  queue.push(job);
  if (!draining) {
    draining = true;
    idle(drain);
  }
}

const observer =
  typeof IntersectionObserver === 'function'
    ? new IntersectionObserver(
        (entries) => {
          for (const e of entries) {
            if (!e.isIntersecting) continue;
            observer!.unobserve(e.target);
            const job = pendingJobs.get(e.target as HTMLElement);
            if (job) enqueue(job);
          }
        },
        { rootMargin: '400px' },
      )
    : undefined;
const pendingJobs = new WeakMap<HTMLElement, (typeof queue)[number]>();

function plainLines(chunk: HTMLElement, lines: string[]): void {
  let buf = '';
  const flush = () => {
    if (buf) appendSafe(chunk, buf);
    buf = '';
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const nl = i < lines.length - 1 ? '\n' : '';
    if (line.length > MAX_LINE) {
      flush();
      appendSafe(chunk, line.slice(0, MAX_LINE));
      chunk.appendChild(cutMarker(line.length - MAX_LINE));
      buf = nl;
    } else buf += line + nl;
  }
  flush();
}

function paintTokens(chunk: HTMLElement, lines: string[], toks: Tok[][]): void {
  const frag = document.createDocumentFragment();
  for (let i = 0; i < lines.length; i++) {
    const line = toks[i] ?? [];
    let used = 0;
    for (const tok of line) {
      if (used >= MAX_LINE) break;
      const t = tok.t.length + used > MAX_LINE ? tok.t.slice(0, MAX_LINE - used) : tok.t;
      used += t.length;
      appendSafe(frag, t, tok.s ? 'hl-' + tok.s.split('.')[0].replace(/[^\w-]/g, '') : undefined);
    }
    if (lines[i].length > MAX_LINE) frag.appendChild(cutMarker(lines[i].length - MAX_LINE));
    if (i < lines.length - 1) frag.appendChild(document.createTextNode('\n'));
  }
  chunk.replaceChildren(frag);
}

/**
 * A code block. Plain text first (cheap, on screen at once); each chunk is highlighted when it
 * scrolls near the viewport, in idle time. Very long lines are cut for display.
 */
export function renderCode(text: string, lang?: string, fallbackLang?: string): HTMLElement {
  const pre = el('pre', 'code-block');
  const hl = resolveLanguage(lang) ?? resolveLanguage(fallbackLang);
  if (lang || hl) pre.dataset.lang = lang || hl!;
  const code = el('code');
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (let at = 0; at < lines.length; at += CHUNK_LINES) {
    const part = lines.slice(at, at + CHUNK_LINES);
    const chunk = el('span', 'chunk');
    if (lines.length > CHUNK_LINES) {
      chunk.classList.add('lazy');
      chunk.style.containIntrinsicSize = `auto ${(part.length * LINE_HEIGHT_EM).toFixed(2)}em`;
    }
    plainLines(chunk, part);
    if (at + CHUNK_LINES < lines.length) chunk.appendChild(document.createTextNode('\n'));
    code.appendChild(chunk);
    if (hl) {
      const job = { chunk, lines: part, lang: hl };
      if (observer) {
        pendingJobs.set(chunk, job);
        observer.observe(chunk);
      } else enqueue(job);
    }
  }
  if (lines.length > CHUNK_LINES) pre.dataset.lines = String(lines.length);
  pre.append(code);
  return pre;
}

// ---- prose (a small, safe Markdown subset) ----

/** Inline Markdown: inline code, bold, emphasis, and links shown as text (never created). */
function renderInline(parent: HTMLElement, text: string): void {
  const re = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\s][^*\n]*\*)|(\[[^\]\n]{1,300}\]\([^)\s]{1,1000}\))/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    appendSafe(parent, text.slice(last, m.index));
    const s = m[0];
    if (m[1]) {
      const c = el('code', 'inline');
      appendSafe(c, s.slice(1, -1));
      parent.appendChild(c);
    } else if (m[2] || m[3]) {
      const w = el(m[2] ? 'strong' : 'em');
      appendSafe(w, m[2] ? s.slice(2, -2) : s.slice(1, -1));
      parent.appendChild(w);
    } else {
      const close = s.indexOf('](');
      appendSafe(parent, s.slice(1, close));
      const url = el('span', 'link-target');
      appendSafe(url, ` (${s.slice(close + 2, -1)})`);
      parent.appendChild(url);
    }
    last = m.index! + s.length;
  }
  appendSafe(parent, text.slice(last));
}

function renderProse(text: string): HTMLElement[] {
  const out: HTMLElement[] = [];
  let list: HTMLElement | null = null;
  // A heading line stands alone even without blank lines around it.
  for (const para of text.replace(/^(#{1,6}[ \t].*)$/gm, '\n$1\n').split(/\n{2,}/)) {
    if (para.trim() === '') continue;
    const lines = para.split('\n');
    const heading = /^(#{1,6})\s+(.*)$/.exec(lines[0]);
    if (heading) {
      const h = el('h4', `md-h md-h${heading[1].length}`);
      renderInline(h, heading[2]);
      out.push(h);
      list = null;
      continue;
    }
    if (lines.every((l) => /^\s*([-*+]|\d+[.)])\s+/.test(l) || /^\s{2,}\S/.test(l))) {
      const ordered = /^\s*\d/.test(lines[0]);
      if (!list || (list.tagName === 'OL') !== ordered) {
        list = el(ordered ? 'ol' : 'ul');
        out.push(list);
      }
      for (const l of lines) {
        const m = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/.exec(l);
        if (m) {
          const li = el('li');
          renderInline(li, m[1]);
          list.appendChild(li);
        } else if (list.lastElementChild) {
          renderInline(list.lastElementChild as HTMLElement, '\n' + l.trim());
        }
      }
      continue;
    }
    list = null;
    if (lines.every((l) => l.startsWith('>'))) {
      const q = el('blockquote');
      renderInline(q, lines.map((l) => l.replace(/^>\s?/, '')).join('\n'));
      out.push(q);
      continue;
    }
    const p = el('p');
    if (para.length > MAX_PROSE) {
      renderInline(p, para.slice(0, MAX_PROSE));
      p.appendChild(moreButton(para, MAX_PROSE));
    } else renderInline(p, para);
    out.push(p);
  }
  return out;
}

/** "Show more" for a huge paragraph: reveals it in 100k-character steps, as plain text. */
function moreButton(text: string, shown: number): HTMLElement {
  const b = el('button', 'link-button', `… show more (${(text.length - shown).toLocaleString()} more characters)`);
  b.type = 'button';
  b.addEventListener('click', () => {
    const next = Math.min(text.length, shown + 100_000);
    const span = el('span');
    appendSafe(span, text.slice(shown, next));
    b.replaceWith(span, ...(next < text.length ? [moreButton(text, next)] : []));
  });
  return b;
}

/** A response: prose as readable Markdown-ish text, code blocks highlighted lazily. */
export function renderResponse(text: string, fallbackLang?: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const b of splitBlocks(text)) {
    if (b.kind === 'code') frag.append(renderCode(b.text, b.lang, fallbackLang));
    else frag.append(...renderProse(b.text));
  }
  return frag;
}
