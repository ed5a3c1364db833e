// Turns a recorded prompt (instruction + code context) into the single prompt text every
// export format uses, so train-time prompts look like what the reviewer saw.
import type { Prompt } from '../records';

export interface PromptTextOptions {
  /** Drop file contents, selection text and paths: only the instruction leaves the machine. */
  noCode?: boolean;
  /** Also include the whole file (when it was recorded). Off by default: it dwarfs the rest. */
  includeFileContent?: boolean;
}

/** A fence longer than any backtick run inside `code`, so the block cannot end early. */
function fenceFor(code: string): string {
  let longest = 0;
  for (const m of code.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

function fenced(code: string, language: string | undefined): string {
  const f = fenceFor(code);
  const body = code.endsWith('\n') ? code : code + '\n';
  return `${f}${language ?? ''}\n${body}${f}`;
}

export function promptText(prompt: Prompt, opts: PromptTextOptions = {}): string {
  const parts = [prompt.instruction.trim()];
  const ctx = prompt.context;
  if (ctx && !opts.noCode) {
    const where: string[] = [];
    if (ctx.filePath) where.push(`File: ${ctx.filePath}`);
    if (ctx.language) where.push(`Language: ${ctx.language}`);
    if (ctx.selection) where.push(`Lines ${ctx.selection.startLine}-${ctx.selection.endLine}`);
    if (where.length) parts.push(where.join('\n'));
    if (opts.includeFileContent && ctx.fileContent) parts.push('Full file:\n' + fenced(ctx.fileContent, ctx.language));
    if (ctx.selection && ctx.selection.text.length > 0) parts.push('Selected code:\n' + fenced(ctx.selection.text, ctx.language));
  }
  return parts.join('\n\n');
}
