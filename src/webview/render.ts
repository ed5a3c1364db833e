// Turns model text into DOM nodes. Model text is untrusted: it only ever reaches the page
// through textContent, never as markup.

export interface Block {
  kind: 'prose' | 'code';
  text: string;
  lang?: string;
}

/** Splits Markdown-ish text into prose and fenced code blocks (an unclosed fence runs to the end). */
export function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let buf: string[] = [];
  let fence: { marker: string; lang: string } | null = null;
  const flush = (kind: Block['kind'], lang?: string) => {
    if (kind === 'code' || buf.some((l) => l.trim() !== '')) blocks.push({ kind, text: buf.join('\n'), lang });
    buf = [];
  };
  for (const line of lines) {
    const m = /^\s*(```+|~~~+)\s*([\w+#.-]*)/.exec(line);
    if (!fence && m) {
      flush('prose');
      fence = { marker: m[1], lang: m[2] };
    } else if (fence && line.trim().startsWith(fence.marker) && line.trim().replace(/[`~]/g, '') === '') {
      flush('code', fence.lang);
      fence = null;
    } else {
      buf.push(line);
    }
  }
  if (fence) flush('code', fence.lang);
  else flush('prose');
  return blocks;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Prose paragraphs with `inline code` spans; everything as text nodes. */
function renderProse(text: string): HTMLElement[] {
  return text
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((para) => {
      const p = el('p');
      const parts = para.split(/(`[^`\n]+`)/);
      for (const part of parts) {
        if (part.startsWith('`') && part.endsWith('`') && part.length > 2) p.append(el('code', 'inline', part.slice(1, -1)));
        else p.append(document.createTextNode(part));
      }
      return p;
    });
}

export function renderCode(text: string, lang?: string): HTMLElement {
  const pre = el('pre', 'code-block');
  if (lang) pre.dataset.lang = lang;
  const code = el('code', undefined, text);
  pre.append(code);
  return pre;
}

export function renderResponse(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const b of splitBlocks(text)) {
    if (b.kind === 'code') frag.append(renderCode(b.text, b.lang));
    else frag.append(...renderProse(b.text));
  }
  return frag;
}

export { el };
