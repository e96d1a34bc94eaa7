import type { TransportEvent } from './transport';

/**
 * Incremental parser of a `text/event-stream` (the subset of the WHATWG
 * format REST v1 uses: `event:`, `data:` (joined with newlines), `id:` and
 * `retry:` ignored, `:` comments ignored, LF or CRLF line ends). Feed it
 * text chunks as they arrive; it returns the events completed so far.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  /** Adds a chunk; returns every event it completes. */
  push(chunk: string): TransportEvent[] {
    this.buffer += chunk;
    const out: TransportEvent[] = [];
    for (;;) {
      const nl = this.buffer.search(/\r\n|\n|\r/);
      if (nl < 0) break;
      // a lone \r at the very end may be the first half of \r\n: wait for more
      if (this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  /** Ends the stream; a last event without its blank line is dropped, as the format says. */
  end(): TransportEvent[] {
    this.buffer = '';
    this.event = '';
    this.data = [];
    return [];
  }

  private line(line: string): TransportEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const ev = { event: this.event || 'message', data: this.data.join('\n') };
      this.event = '';
      this.data = [];
      return ev;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return undefined;
  }
}
