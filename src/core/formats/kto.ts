// TRL unpaired preference rows (KTO / BCO): one response with a desirable/undesirable label.
import type { UnpairedExample } from '../pairs';

export interface KtoRow {
  prompt: string;
  completion: string;
  label: boolean;
}

export function ktoRow(prompt: string, ex: UnpairedExample): KtoRow {
  return { prompt, completion: ex.text, label: ex.label };
}
