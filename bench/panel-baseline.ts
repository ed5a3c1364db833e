// Baselines for bench/panel-run.mjs, run in the same page as the panel:
// - plain: each response as one <pre> with textContent (the least work a render can do);
// - eager: the naive approach, highlighting every line with highlight.js before showing.
import hljs from 'highlight.js/lib/core';
import python from 'highlight.js/lib/languages/python';

hljs.registerLanguage('python', python);

interface Item {
  instruction: string;
  candidates: { text: string }[];
}

function frame(item: Item, body: (text: string) => HTMLElement): HTMLElement {
  const wrap = document.createElement('div');
  const p = document.createElement('p');
  p.textContent = item.instruction;
  wrap.append(p);
  const grid = document.createElement('div');
  grid.style.display = 'grid';
  grid.style.gridTemplateColumns = `repeat(${item.candidates.length}, minmax(0, 1fr))`;
  for (const c of item.candidates) grid.append(body(c.text));
  wrap.append(grid);
  return wrap;
}

(window as unknown as { __baseline: unknown }).__baseline = {
  plain(root: HTMLElement, item: Item) {
    root.replaceChildren(
      frame(item, (t) => {
        const pre = document.createElement('pre');
        pre.style.overflow = 'auto';
        pre.style.maxHeight = '60vh';
        pre.textContent = t;
        return pre;
      }),
    );
  },
  eager(root: HTMLElement, item: Item) {
    root.replaceChildren(
      frame(item, (t) => {
        const pre = document.createElement('pre');
        pre.style.overflow = 'auto';
        pre.style.maxHeight = '60vh';
        // highlight.js escapes the text it emits; this baseline never sees untrusted input.
        pre.innerHTML = hljs.highlight(t, { language: 'python' }).value;
        return pre;
      }),
    );
  },
};
