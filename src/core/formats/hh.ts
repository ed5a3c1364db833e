// Anthropic HH-RLHF rows: the whole dialogue as one string per side.
import type { PreferencePair } from '../pairs';

export interface HhRow {
  chosen: string;
  rejected: string;
}

export function hhDialogue(prompt: string, answer: string): string {
  return `\n\nHuman: ${prompt}\n\nAssistant: ${answer}`;
}

export function hhRow(prompt: string, pair: PreferencePair): HhRow {
  return { chosen: hhDialogue(prompt, pair.chosen.text), rejected: hhDialogue(prompt, pair.rejected.text) };
}
