// Prompt -> chat messages. The user turn is the same text the exporters write (promptText), so
// what a model was asked at generation time is what it is trained on later.
import type { Prompt } from '../records';
import { promptText } from '../formats/prompt';
import type { ChatMessage } from './types';

export const DEFAULT_SYSTEM_PROMPT =
  'You are an expert programming assistant. Follow the instruction about the given code. ' +
  'When you change code, return the complete changed code in one fenced code block, then a short explanation.';

export interface BuildMessagesOptions {
  /** Replaces the default system prompt; '' sends no system message. */
  system?: string;
  /** Also send the whole recorded file, not just the selection. */
  includeFileContent?: boolean;
}

export function buildChatMessages(prompt: Prompt, opts: BuildMessagesOptions = {}): ChatMessage[] {
  const system = opts.system ?? DEFAULT_SYSTEM_PROMPT;
  const messages: ChatMessage[] = [];
  if (system !== '') messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: promptText(prompt, { includeFileContent: opts.includeFileContent }) });
  return messages;
}
