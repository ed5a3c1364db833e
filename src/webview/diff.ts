// Line and word differences between two texts, as DOM (text nodes only). Long unchanged runs
// fold; a diff too costly to compute gives up after a time limit instead of freezing the panel.
import { diffLines, diffWordsWithSpace, type ChangeObject } from 'diff';
import { appendSafe, el, safeEl } from './render';

const CONTEXT = 3;
const MAX_ROWS = 4_000;
const MAX_WORD_DIFF_LINE = 2_000;

interface Row {
  kind: 'add' | 'del' | 'ctx';
  text: string;
  /** The line on the other side this one pairs with, for word-level marks. */
  pair?: string;
}

function toLines(value: string): string[] {
  const lines = value.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffRows(a: string, b: string): Row[] | undefined {
  const parts: ChangeObject<string>[] | undefined = diffLines(a, b, { timeout: 300 });
  if (!parts) return undefined;
  const rows: Row[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.removed && parts[i + 1]?.added) {
      const del = toLines(p.value);
      const add = toLines(parts[i + 1].value);
      del.forEach((t, k) => rows.push({ kind: 'del', text: t, pair: add[k] }));
      add.forEach((t, k) => rows.push({ kind: 'add', text: t, pair: del[k] }));
      i++;
    } else {
      for (const t of toLines(p.value)) rows.push({ kind: p.added ? 'add' : p.removed ? 'del' : 'ctx', text: t });
    }
  }
  return rows;
}

function lineNode(row: Row): HTMLElement {
  const line = el('div', `d-line d-${row.kind}`);
  line.append(el('span', 'd-sign', row.kind === 'add' ? '+' : row.kind === 'del' ? '−' : ' '));
  const body = el('span', 'd-text');
  const text = row.text.length > MAX_WORD_DIFF_LINE ? row.text.slice(0, MAX_WORD_DIFF_LINE) + ' …' : row.text;
  if (row.pair !== undefined && row.kind !== 'ctx' && text.length < MAX_WORD_DIFF_LINE && row.pair.length < MAX_WORD_DIFF_LINE) {
    const [from, to] = row.kind === 'del' ? [text, row.pair] : [row.pair, text];
    for (const w of diffWordsWithSpace(from, to)) {
      if (row.kind === 'del' && w.added) continue;
      if (row.kind === 'add' && w.removed) continue;
      if (w.added || w.removed) body.append(safeEl('mark', 'd-word', w.value));
      else appendSafe(body, w.value);
    }
  } else appendSafe(body, text);
  line.append(body);
  line.setAttribute('aria-label', `${row.kind === 'add' ? 'added' : row.kind === 'del' ? 'removed' : 'unchanged'}: ${text}`);
  return line;
}

/** A unified diff of `left` → `right`, unchanged runs folded to CONTEXT lines around changes. */
export function renderDiff(left: string, right: string): HTMLElement {
  const box = el('div', 'diff-view');
  box.setAttribute('role', 'document');
  const rows = diffRows(left, right);
  if (!rows) {
    box.append(el('p', 'diff-note', 'These two texts differ too much to diff quickly.'));
    return box;
  }
  const adds = rows.filter((r) => r.kind === 'add').length;
  const dels = rows.filter((r) => r.kind === 'del').length;
  box.append(el('p', 'diff-note', adds + dels === 0 ? 'No differences.' : `${adds} line(s) added, ${dels} removed.`));
  const near = new Array<boolean>(rows.length).fill(false);
  rows.forEach((r, i) => {
    if (r.kind !== 'ctx') for (let k = Math.max(0, i - CONTEXT); k <= Math.min(rows.length - 1, i + CONTEXT); k++) near[k] = true;
  });
  const body = el('div', 'diff-lines');
  let shown = 0;
  for (let i = 0; i < rows.length; ) {
    if (shown >= MAX_ROWS) {
      body.append(el('div', 'd-fold', `… ${rows.length - i} more lines not shown`));
      break;
    }
    if (near[i] || adds + dels === 0) {
      body.append(lineNode(rows[i]));
      shown++;
      i++;
      continue;
    }
    let j = i;
    while (j < rows.length && !near[j]) j++;
    const hidden = rows.slice(i, j);
    const fold = el('button', 'd-fold', `… ${hidden.length} unchanged line(s)`);
    fold.type = 'button';
    fold.addEventListener('click', () => fold.replaceWith(...hidden.slice(0, MAX_ROWS).map(lineNode)));
    body.append(fold);
    i = j;
  }
  box.append(body);
  return box;
}
