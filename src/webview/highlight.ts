// Syntax highlighting without HTML strings: highlight.js tokenizes into our own emitter, which
// keeps (text, scope) pieces per line; the DOM is built from them with textContent only.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import lua from 'highlight.js/lib/languages/lua';
import makefile from 'highlight.js/lib/languages/makefile';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import scss from 'highlight.js/lib/languages/scss';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { normalizeLanguage } from '../core/review/blocks';

const LANGS = { bash, c, cpp, csharp, css, diff, dockerfile, go, ini, java, javascript, json, kotlin, lua, makefile, markdown, php, python, ruby, rust, scss, shell, sql, swift, typescript, xml, yaml };
for (const [name, def] of Object.entries(LANGS)) hljs.registerLanguage(name, def);

/** One highlighted piece of a line; scope is highlight.js's (e.g. "title.function") or ''. */
export interface Tok {
  t: string;
  s: string;
}

/** Collects tokens per line instead of building HTML (highlight.js's Emitter interface). */
class LineEmitter {
  lines: Tok[][] = [[]];
  private stack: string[] = [];
  constructor(_opts: unknown) {}
  addText(text: string): void {
    if (!text) return;
    const parts = text.split('\n');
    const scope = this.stack[this.stack.length - 1] ?? '';
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) this.lines.push([]);
      if (parts[i]) this.lines[this.lines.length - 1].push({ t: parts[i], s: scope });
    }
  }
  startScope(scope: string): void {
    this.stack.push(scope);
  }
  endScope(): void {
    this.stack.pop();
  }
  // highlight.js also calls the older names.
  openNode(scope: string): void {
    this.startScope(scope);
  }
  closeNode(): void {
    this.endScope();
  }
  __addSublanguage(other: LineEmitter): void {
    const [first, ...rest] = other.lines;
    this.lines[this.lines.length - 1].push(...first);
    this.lines.push(...rest);
  }
  finalize(): void {}
  toHTML(): string {
    return '';
  }
}

hljs.configure({ __emitter: LineEmitter as never });

/** The highlight.js language for a fence tag or VS Code language id, if bundled. */
export function resolveLanguage(lang: string | undefined): string | undefined {
  const l = normalizeLanguage(lang);
  if (!l) return undefined;
  return hljs.getLanguage(l) ? l : undefined;
}

/** Tokens per line. Throws nothing: unknown languages or tokenizer trouble give plain lines. */
export function highlightLines(code: string, lang: string): Tok[][] {
  try {
    const r = hljs.highlight(code, { language: lang, ignoreIllegals: true }) as unknown as { _emitter: LineEmitter };
    return r._emitter.lines;
  } catch {
    return code.split('\n').map((t) => (t ? [{ t, s: '' }] : []));
  }
}
