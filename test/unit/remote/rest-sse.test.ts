import { parseSse, type SseEvent } from '@dpb/remote';

/** A body delivering `chunks` one by one. */
function body(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(enc.encode(c));
      controller.close();
    },
  });
}

async function all(chunks: string[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const ev of parseSse(body(chunks))) out.push(ev);
  return out;
}

describe('parseSse', () => {
  it('parses events split anywhere across chunks, with CRLF, LF or CR line ends, skipping comments', async () => {
    const text = 'id: 1\r\nevent: ready\r\ndata: {"a":1}\r\n\r\n: keep-alive\n\nid: 2\revent: model\rdata: x\rdata: y\r\r';
    const whole = await all([text]);
    expect(whole).toEqual([
      { id: '1', event: 'ready', data: '{"a":1}' },
      { id: '2', event: 'model', data: 'x\ny' },
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(await all([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it('names an event without "event:" message, and drops an unterminated last event', async () => {
    expect(await all(['data: hello\n\n', 'event: partial\ndata: never'])).toEqual([{ event: 'message', data: 'hello' }]);
  });

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('data: café\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 10));
        c.enqueue(bytes.slice(10));
        c.close();
      },
    });
    const out: SseEvent[] = [];
    for await (const ev of parseSse(stream)) out.push(ev);
    expect(out).toEqual([{ event: 'message', data: 'café' }]);
  });
});
