import { SseParser } from '@dpb/cli';
import fc from 'fast-check';

const STREAM =
  ': keep-alive\n\n' +
  'id: 1\nevent: status\ndata: {"status":"ACTIVATING"}\n\n' +
  'id: 2\r\nevent: status\r\ndata: {"status":"ACTIVE"}\r\n\r\n' +
  'data: line one\ndata:line two\n\n' +
  'event: ignored-without-data\n\n';

const EVENTS = [
  { event: 'status', data: '{"status":"ACTIVATING"}' },
  { event: 'status', data: '{"status":"ACTIVE"}' },
  { event: 'message', data: 'line one\nline two' },
];

describe('SseParser', () => {
  test('reads events, joins data lines, skips comments and data-less events, accepts CRLF', () => {
    expect(new SseParser().push(STREAM)).toEqual(EVENTS);
  });

  test('gives the same events however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...[...cuts].sort((a, b) => a - b), STREAM.length];
        const p = new SseParser();
        const got = points.slice(1).flatMap((end, i) => p.push(STREAM.slice(points[i], end)));
        expect(got).toEqual(EVENTS);
      }),
    );
  });

  test('an event without its closing blank line is not delivered', () => {
    const p = new SseParser();
    expect(p.push('event: status\ndata: x\n')).toEqual([]);
    expect(p.end()).toEqual([]);
  });
});
