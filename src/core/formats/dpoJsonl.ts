// Managed-API DPO rows: the same shape for OpenAI, Together and Fireworks. Exactly one
// text-only assistant message on each side.
import type { PreferencePair } from '../pairs';

export interface DpoJsonlRow {
  input: {
    messages: { role: 'user'; content: string }[];
    tools: [];
    parallel_tool_calls: true;
  };
  preferred_output: [{ role: 'assistant'; content: string }];
  non_preferred_output: [{ role: 'assistant'; content: string }];
}

export function dpoJsonlRow(prompt: string, pair: PreferencePair): DpoJsonlRow {
  return {
    input: { messages: [{ role: 'user', content: prompt }], tools: [], parallel_tool_calls: true },
    preferred_output: [{ role: 'assistant', content: pair.chosen.text }],
    non_preferred_output: [{ role: 'assistant', content: pair.rejected.text }],
  };
}
