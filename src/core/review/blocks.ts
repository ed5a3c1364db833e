// Markdown-ish structure of a model response: prose and fenced code blocks. Pure (no DOM, no
// node APIs) so the webview renders with it and the host extracts the code to apply.

export interface Block {
  kind: 'prose' | 'code';
  text: string;
  lang?: string;
}

const FENCE = /^\s*(```+|~~~+)\s*([\w+#.-]*)/;

/** Splits text into prose and fenced code blocks (an unclosed fence runs to the end). */
export function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let buf: string[] = [];
  let fence: { marker: string; lang: string } | null = null;
  const flush = (kind: Block['kind'], lang?: string) => {
    if (kind === 'code' || buf.some((l) => l.trim() !== '')) blocks.push(lang ? { kind, text: buf.join('\n'), lang } : { kind, text: buf.join('\n') });
    buf = [];
  };
  for (const line of lines) {
    const m: RegExpExecArray | null = fence ? null : FENCE.exec(line);
    if (m) {
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

/**
 * The code a response proposes: its first fenced block in the wanted language (or its first
 * fenced block at all); the whole text when it has no fence.
 */
export function extractCode(text: string, language?: string): string {
  const code = splitBlocks(text).filter((b) => b.kind === 'code');
  if (code.length === 0) return text;
  const want = language?.toLowerCase();
  const match = want ? code.find((b) => b.lang && sameLanguage(b.lang, want)) : undefined;
  return (match ?? code[0]).text;
}

const ALIASES: Record<string, string> = { py: 'python', ts: 'typescript', typescriptreact: 'typescript', tsx: 'typescript', js: 'javascript', javascriptreact: 'javascript', jsx: 'javascript', sh: 'bash', shell: 'bash', shellscript: 'bash', zsh: 'bash', rs: 'rust', golang: 'go', 'c++': 'cpp', cs: 'csharp', 'c#': 'csharp', yml: 'yaml', md: 'markdown', rb: 'ruby', kt: 'kotlin', jsonc: 'json', html: 'xml' };

export function normalizeLanguage(lang: string | undefined): string | undefined {
  if (!lang) return undefined;
  const l = lang.toLowerCase();
  return ALIASES[l] ?? l;
}

function sameLanguage(a: string, b: string): boolean {
  return normalizeLanguage(a) === normalizeLanguage(b);
}

/**
 * Fits replacement code to the indentation of the lines it replaces: when the selection is
 * indented and the code is not, every non-empty line gets the selection's indent.
 */
export function fitIndent(code: string, selectionText: string): string {
  const firstSel = selectionText.split('\n').find((l) => l.trim() !== '');
  const indent = firstSel ? /^[ \t]*/.exec(firstSel)![0] : '';
  if (!indent) return code;
  const lines = code.split('\n');
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  if (nonEmpty.length === 0 || nonEmpty.some((l) => /^[ \t]/.test(l)) && nonEmpty.every((l) => l.startsWith(indent))) return code;
  const minIndent = Math.min(...nonEmpty.map((l) => /^[ \t]*/.exec(l)![0].length));
  if (minIndent > 0) return code;
  return lines.map((l) => (l.trim() === '' ? l : indent + l)).join('\n');
}
