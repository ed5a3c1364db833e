import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../../src/core/generate/sse';

function parseIn(pieces: Array<Uint8Array | string>): SseEvent[] {
  const out: SseEvent[] = [];
  const p = new SseParser((e) => out.push(e));
  for (const x of pieces) p.push(x);
  p.end();
  return out;
}

const stream = ': ping\n\ndata: {"a":"é→✓"}\n\nevent: x\nid: 3\ndata: line1\ndata: line2\n\ndata:[DONE]\n\n';

describe('SseParser', () => {
  it('yields data payloads, skipping comments and other fields', () => {
    expect(parseIn([stream]).map((e) => e.data)).toEqual(['{"a":"é→✓"}', 'line1\nline2', '[DONE]']);
  });

  it('gives the same events for every byte split, multibyte characters included', () => {
    const bytes = Buffer.from(stream, 'utf8');
    const whole = parseIn([bytes]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parseIn([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
    }
    // One byte at a time.
    expect(parseIn([...bytes].map((b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('handles CRLF and CR line endings, including a CRLF cut between chunks', () => {
    expect(parseIn(['data: a\r', '\n\r\ndata: b\r\rdata: c']).map((e) => e.data)).toEqual(['a', 'b', 'c']);
  });

  it('flushes a last event without a trailing blank line and numbers events', () => {
    const ev = parseIn(['data: 1\n\ndata: 2']);
    expect(ev).toEqual([
      { data: '1', ordinal: 1 },
      { data: '2', ordinal: 2 },
    ]);
  });
});
