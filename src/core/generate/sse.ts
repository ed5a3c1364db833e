// Minimal server-sent-events reader for the chat completions stream: bytes in, `data` payloads
// out. Works on arbitrary chunk boundaries (split events, several events per chunk, multibyte
// characters cut in half) and ignores `:` comment lines and fields other than `data`.

export interface SseEvent {
  data: string;
  /** 1-based ordinal of the event in the stream, for error messages. */
  ordinal: number;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private dataLines: string[] = [];
  private ordinal = 0;

  constructor(private readonly onEvent: (ev: SseEvent) => void) {}

  push(chunk: Uint8Array | string): void {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A lone trailing '\r' may be the first half of '\r\n': wait for the next chunk.
      if (this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, nl);
      const sepLen = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + sepLen);
      this.line(line);
    }
  }

  /** End of the byte stream: flush a final event that had no blank line after it. */
  end(): void {
    this.buffer += this.decoder.decode();
    if (this.buffer.length > 0) {
      this.line(this.buffer.replace(/\r$/, ''));
      this.buffer = '';
    }
    this.dispatch();
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
  }

  private dispatch(): void {
    if (this.dataLines.length === 0) return;
    const data = this.dataLines.join('\n');
    this.dataLines = [];
    this.ordinal++;
    this.onEvent({ data, ordinal: this.ordinal });
  }
}
