import { Backoff, checkBackoff, decodeErrorBody, EventQueue, isTransient, unavailable } from '@dpb/remote';
import { isBrokerError } from '@dpb/model';

const ctx = { network: 'site', url: 'http://h:1/api/v1/networks/site/services/3' };

describe('decodeErrorBody', () => {
  it('keeps code, message and details of a REST error body, adding details.remote', () => {
    const e = decodeErrorBody({ error: { code: 'BUSY', message: 'label 100 in use', details: { terminal: 'a', label: 100 } } }, 409, ctx);
    expect(isBrokerError(e)).toBe(true);
    expect({ code: e.code, message: e.message, details: e.details }).toEqual({
      code: 'BUSY',
      message: 'label 100 in use',
      details: { terminal: 'a', label: 100, remote: ctx.url },
    });
  });

  it('takes the code from the HTTP status when the body is not an error body (or names an unknown code)', () => {
    expect(decodeErrorBody('<html/>', 502, ctx)).toMatchObject({ code: 'UNAVAILABLE', details: { httpStatus: 502, remote: ctx.url, network: 'site' } });
    expect(decodeErrorBody({ error: { code: 'WHATEVER' } }, 404, ctx).code).toBe('NOT_FOUND');
    expect(decodeErrorBody(undefined, 401, ctx).code).toBe('UNAUTHENTICATED');
    expect(decodeErrorBody(undefined, 418, ctx).code).toBe('INTERNAL');
  });

  it('unavailable() names network, URL and the innermost cause; it is transient', () => {
    const cause = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    const e = unavailable(ctx, 'GET failed', cause);
    expect(e).toMatchObject({ code: 'UNAVAILABLE', details: { network: 'site', url: ctx.url } });
    expect(String(e.details.cause)).toContain('ECONNREFUSED');
    expect(isTransient(e)).toBe(true);
    expect(isTransient(decodeErrorBody(undefined, 409, ctx))).toBe(false);
  });
});

describe('Backoff', () => {
  it('doubles from minMs up to maxMs, jittered between half and all, and resets', () => {
    const lo = new Backoff({ minMs: 100, maxMs: 1_000 }, () => 0);
    const hi = new Backoff({ minMs: 100, maxMs: 1_000 }, () => 1);
    expect(Array.from({ length: 6 }, () => hi.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(Array.from({ length: 6 }, () => lo.next())).toEqual([50, 100, 200, 400, 500, 500]);
    hi.reset();
    expect(hi.next()).toBe(100);
  });

  it('checkBackoff names the bad field', () => {
    expect(() => checkBackoff({ minMs: -1, maxMs: 5 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ field: 'reconnect.minMs' }) }));
    expect(() => checkBackoff({ minMs: 10, maxMs: 5 })).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'reconnect.maxMs' }) }));
  });
});

describe('EventQueue', () => {
  it('delivers pushed items in order, then ends or fails after them', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    const it = q[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    const pending = it.next();
    q.push(2);
    expect(await pending).toEqual({ value: 2, done: false });
    q.push(3);
    q.fail(new Error('boom'));
    expect(await it.next()).toEqual({ value: 3, done: false });
    await expect(it.next()).rejects.toThrow('boom');
    expect((await it.next()).done).toBe(true);
  });

  it('leaving the loop calls onReturn and drops what is queued', async () => {
    let returned = 0;
    const q = new EventQueue<number>(() => returned++);
    q.push(1);
    q.push(2);
    for await (const n of q) {
      expect(n).toBe(1);
      break;
    }
    expect(returned).toBe(1);
    expect(q.closed).toBe(true);
  });
});
