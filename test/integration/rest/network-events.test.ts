import { call, startBroker, type TestBroker, WAN_YAML } from './broker';

let b: TestBroker;
beforeEach(async () => {
  b = await startBroker(WAN_YAML);
});
afterEach(async () => {
  await b.close();
});

/** Reads SSE event names from a response body until `count` arrived. */
async function events(body: ReadableStream<Uint8Array>, count: number, onEvent?: (name: string, n: number) => Promise<void>): Promise<string[]> {
  const reader = body.getReader();
  const names: string[] = [];
  let text = '';
  while (names.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    let i: number;
    while ((i = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, i);
      text = text.slice(i + 2);
      const m = /^event: (\S+)$/m.exec(block);
      if (m) {
        names.push(m[1] as string);
        await onEvent?.(m[1] as string, names.length);
      }
    }
  }
  await reader.cancel();
  return names;
}

describe('GET /api/v1/networks/{net}/events', () => {
  it('says ready, then model whenever the network model may have changed', async () => {
    const res = await fetch(`${b.base}/api/v1/networks/wan/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const got = await events(res.body as ReadableStream<Uint8Array>, 2, async (name) => {
      if (name === 'ready') expect((await call(b.base, 'PATCH', '/api/v1/networks/wan/trunks/1', { withdrawMbps: { upstreamMbps: 500 } })).status).toBe(200);
    });
    expect(got).toEqual(['ready', 'model']);
  });

  it('is 404 for an unknown network', async () => {
    expect((await call(b.base, 'GET', '/api/v1/networks/nowhere/events')).status).toBe(404);
  });
});
