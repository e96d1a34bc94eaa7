import { type DecodedFrame, encodeFrame, encodeFrames, FrameDecoder, isFatalFrameError } from '@dpb/protocol';
import fc from 'fast-check';

function header(length: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(length >>> 0);
  return b;
}

const ok = (f: DecodedFrame | undefined): Record<string, unknown> => {
  if (!f || !f.ok) throw new Error(`expected a frame, got ${JSON.stringify(f)}`);
  return f.value;
};
const err = (f: DecodedFrame | undefined): string => {
  if (!f || f.ok) throw new Error(`expected an error, got ${JSON.stringify(f)}`);
  return f.error.kind;
};

describe('encodeFrame', () => {
  it('writes a 4-byte big-endian length then compact UTF-8 JSON (the reference example: {"session":0} is 13 bytes)', () => {
    expect(encodeFrame({ session: 0 }).toString('hex')).toBe('0000000d' + Buffer.from('{"session":0}').toString('hex'));
    const f = encodeFrame({ t: 'é€😀' });
    expect(f.readUInt32BE(0)).toBe(f.length - 4);
    expect(JSON.parse(f.subarray(4).toString('utf8'))).toEqual({ t: 'é€😀' });
  });

  it('writes Infinity as null (JSON has none)', () => {
    expect(JSON.parse(encodeFrame({ x: Infinity, y: -Infinity }).subarray(4).toString())).toEqual({ x: null, y: null });
  });
});

describe('FrameDecoder', () => {
  it('round-trips any objects however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (values, cuts) => {
          const bytes = encodeFrames(values);
          const d = new FrameDecoder();
          const out: unknown[] = [];
          let at = 0;
          let i = 0;
          while (at < bytes.length) {
            const n = cuts[i++ % cuts.length] as number;
            for (const f of d.decode(bytes.subarray(at, at + n))) out.push(ok(f));
            at += n;
          }
          expect(out).toEqual(JSON.parse(JSON.stringify(values)));
          expect(d.bufferedBytes).toBe(0);
          expect(d.end()).toBeUndefined();
        },
      ),
    );
  });

  it('hands out one frame at a time, keeping the rest buffered', () => {
    const d = new FrameDecoder();
    d.push(encodeFrames([{ a: 1 }, { b: 2 }, { c: 3 }]));
    expect(ok(d.next())).toEqual({ a: 1 });
    expect(d.bufferedBytes).toBeGreaterThan(0);
    expect(d.drain().map(ok)).toEqual([{ b: 2 }, { c: 3 }]);
    expect(d.next()).toBeUndefined();
  });

  it('accepts a frame of exactly maxFrameBytes and refuses one byte more as oversize (fatal)', () => {
    const body = `{"p":"${'x'.repeat(100 - 8)}"}`;
    expect(Buffer.byteLength(body)).toBe(100);
    const d = new FrameDecoder({ maxFrameBytes: 100 });
    expect(ok(d.decode(Buffer.concat([header(100), Buffer.from(body)]))[0])).toEqual({ p: 'x'.repeat(92) });
    const [f] = d.decode(header(101)); // refused from the header alone, before the body arrives
    expect(err(f)).toBe('oversize');
    expect(f?.ok === false && f.error.fatal && f.error.length === 101).toBe(true);
    expect(d.failed?.kind).toBe('oversize');
    expect(d.decode(encodeFrame({ later: true }))).toEqual([]); // nothing after a fatal error
  });

  it('reports a length with the top bit set as negative-length (fatal)', () => {
    const d = new FrameDecoder();
    expect(d.decode(Buffer.from([0xff, 0xff, 0xff, 0xfe, 1, 2])).map(err)).toEqual(['negative-length']);
    expect(isFatalFrameError('negative-length')).toBe(true);
  });

  it('reports invalid UTF-8, invalid JSON and non-objects for that frame only, and reads on', () => {
    const d = new FrameDecoder();
    const bytes = Buffer.concat([
      header(3),
      Buffer.from([0x7b, 0xc3, 0x7d]),
      header(1),
      Buffer.from('{'),
      header(0),
      header(5),
      Buffer.from('[1,2]'),
      header(4),
      Buffer.from('null'),
      header(3),
      Buffer.from('"x"'),
      encodeFrame({ fine: true }),
    ]);
    const out = d.decode(bytes);
    expect(out.map((f) => (f.ok ? f.value : f.error.kind))).toEqual(['invalid-utf8', 'invalid-json', 'invalid-json', 'not-object', 'not-object', 'not-object', { fine: true }]);
    expect(out.every((f) => f.ok || !f.error.fatal)).toBe(true);
  });

  it('reports a frame cut short by the end of the stream as truncated', () => {
    const d = new FrameDecoder();
    expect(d.decode(Buffer.concat([encodeFrame({ a: 1 }), header(10), Buffer.from('{"a"')])).map(ok)).toEqual([{ a: 1 }]);
    expect(d.end()?.kind).toBe('truncated');
    const clean = new FrameDecoder();
    clean.decode(encodeFrame({ a: 1 }));
    expect(clean.end()).toBeUndefined();
    const half = new FrameDecoder();
    half.decode(Buffer.from([0, 0]));
    expect(half.end()?.kind).toBe('truncated');
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const d = new FrameDecoder({ maxFrameBytes: 1000 });
        for (const c of chunks) d.decode(c);
        d.end();
      }),
    );
  });

  it('rejects a silly maximum', () => {
    expect(() => new FrameDecoder({ maxFrameBytes: 0 })).toThrow(RangeError);
  });
});
