// TRL dataset rows (FORMATS.md "Preference data for trainers").
import type { PreferencePair } from '../pairs';

export interface TrlPreferenceRow {
  prompt: string;
  chosen: string;
  rejected: string;
}

export interface Message {
  role: 'user' | 'assistant' | 'system';
  content: string;
}

export interface TrlConversationalRow {
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
}

export interface TrlSftRow {
  prompt: string;
  completion: string;
}

/** Standard preference row with an explicit prompt. */
export function trlPreferenceRow(prompt: string, pair: PreferencePair): TrlPreferenceRow {
  return { prompt, chosen: pair.chosen.text, rejected: pair.rejected.text };
}

/** Conversational preference row: explicit user prompt, one assistant turn per side. */
export function trlConversationalRow(prompt: string, pair: PreferencePair): TrlConversationalRow {
  return {
    prompt: [{ role: 'user', content: prompt }],
    chosen: [{ role: 'assistant', content: pair.chosen.text }],
    rejected: [{ role: 'assistant', content: pair.rejected.text }],
  };
}

export function trlSftRow(prompt: string, completion: string): TrlSftRow {
  return { prompt, completion };
}
