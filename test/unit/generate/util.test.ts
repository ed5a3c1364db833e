import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, redact } from '../../../src/core/generate/util';
import { buildChatMessages, DEFAULT_SYSTEM_PROMPT } from '../../../src/core/generate/prompt';

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt with jitter in the upper half, capped', () => {
    expect(backoffDelay(0, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(0, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 10_000, () => 0.5)).toBe(600);
    expect(backoffDelay(20, 100, 1000, () => 1)).toBe(1000);
  });
});

describe('redact', () => {
  it('removes secrets and bearer tokens', () => {
    expect(redact('key sk-abc123 and Authorization: Bearer xyz789', ['sk-abc123'])).toBe('key *** and Authorization: Bearer ***');
    expect(redact('nothing here', [undefined, ''])).toBe('nothing here');
  });
});

describe('buildChatMessages', () => {
  const prompt = {
    instruction: 'Explain this',
    context: {
      filePath: 'a.md',
      language: 'markdown',
      fileContent: 'whole file',
      selection: { startLine: 2, endLine: 3, text: 'has ``` inside' },
    },
  };

  it('sends a system turn and the instruction with the code fenced with its language', () => {
    const [sys, user] = buildChatMessages(prompt);
    expect(sys).toEqual({ role: 'system', content: DEFAULT_SYSTEM_PROMPT });
    expect(user.role).toBe('user');
    expect(user.content.startsWith('Explain this')).toBe(true);
    // The fence is longer than the backtick run inside the code, so it cannot close early.
    expect(user.content).toContain('````markdown\nhas ``` inside\n````');
    expect(user.content).not.toContain('whole file');
  });

  it('can include the file and replace or drop the system prompt', () => {
    const msgs = buildChatMessages(prompt, { system: '', includeFileContent: true });
    expect(msgs).toHaveLength(1);
    expect(msgs[0].content).toContain('whole file');
    expect(buildChatMessages(prompt, { system: 'Be brief.' })[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });
});

import { GenerationError, isNRejection } from '../../../src/core/generate';

describe('isNRejection', () => {
  const e400 = (serverMessage: string, param?: string, status = 400) =>
    new GenerationError(`src: HTTP ${status}: ${serverMessage}`, { kind: 'http', sourceId: 'src', status, serverMessage, param });
  it('recognises the ways servers refuse n', () => {
    expect(isNRejection(e400('anything', 'n'))).toBe(true);
    expect(isNRejection(e400('n must be 1 when using greedy sampling'))).toBe(true);
    expect(isNRejection(e400("Invalid 'n': only 1 is supported"))).toBe(true);
    expect(isNRejection(e400('Only one completion choice is allowed'))).toBe(true);
    expect(isNRejection(e400("model 'llama3:8b' not found"))).toBe(false);
    expect(isNRejection(e400("can't do that"))).toBe(false);
    expect(isNRejection(e400('n must be 1', undefined, 500))).toBe(false);
  });
});
