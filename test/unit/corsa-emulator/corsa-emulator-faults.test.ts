import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCorsaEmulator, type CorsaEmulator } from '../../support/corsa-emulator';
import { bridgeBody, call, nextRequest } from './http';

let emu: CorsaEmulator;

beforeEach(async () => {
  emu = await startCorsaEmulator();
});
afterEach(async () => {
  await emu.close();
});

const createBr = (name: string, signal?: AbortSignal) => call(emu, 'POST', 'bridges', bridgeBody(name), signal ? { signal } : {});
const POST_BRIDGES = { method: 'POST', path: /^\/api\/v1\/bridges$/ };

describe('failNext', () => {
  test('the next matching request gets the status and an error body; state is unchanged; then normal again', async () => {
    emu.faults.failNext(POST_BRIDGES, 503);
    const listed = await call(emu, 'GET', 'bridges');
    expect(listed.status).toBe(200); // not matched: GET
    const failed = await createBr('br1');
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: 'injected-fault' });
    expect(emu.state().bridges).toEqual({});
    expect((await createBr('br1')).status).toBe(201);
    expect(emu.requests.map((r) => r.status)).toEqual([200, 503, 201]);
  });

  test('times, custom bodies (JSON or text) and matching by path only', async () => {
    emu.faults.failNext({ path: /tunnels/ }, 500, 'Internal Server Error', 2);
    emu.faults.failNext({ method: 'get' }, 502, { oops: true });
    expect((await createBr('br1')).status).toBe(201);
    const t1 = await call(emu, 'POST', 'bridges/br1/tunnels', { port: '1' });
    expect(t1).toMatchObject({ status: 500, body: 'Internal Server Error' });
    expect(t1.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await call(emu, 'GET', 'bridges/br1/tunnels')).status).toBe(500);
    const get = await call(emu, 'GET', 'bridges/br1/tunnels');
    expect(get).toMatchObject({ status: 502, body: { oops: true } });
    expect((await call(emu, 'GET', 'bridges/br1/tunnels')).status).toBe(200);
  });

  test('process: true applies the request but loses the reply; a retry sees 409', async () => {
    emu.faults.failNext(POST_BRIDGES, 500, undefined, 1, { process: true });
    expect((await createBr('br1')).status).toBe(500);
    expect(Object.keys(emu.state().bridges)).toEqual(['br1']);
    expect((await createBr('br1')).status).toBe(409);
  });

  test('rejects a non-HTTP status', () => {
    expect(() => emu.faults.failNext({}, 42)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ field: 'status' }) }));
  });
});

describe('delayNext', () => {
  test('the reply is held back for the delay', async () => {
    emu.faults.delayNext(POST_BRIDGES, 150);
    const started = Date.now();
    expect((await createBr('br1')).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test('only `times` requests are delayed', async () => {
    emu.faults.delayNext(POST_BRIDGES, 3000);
    await expect(createBr('br1', AbortSignal.timeout(100))).rejects.toThrow();
    expect((await createBr('br2', AbortSignal.timeout(2000))).status).toBe(201);
  });

  test('by default the switch applies the request on arrival: a client that timed out still changed the state', async () => {
    emu.faults.delayNext(POST_BRIDGES, 300);
    await expect(createBr('br1', AbortSignal.timeout(50))).rejects.toThrow();
    expect(Object.keys(emu.state().bridges)).toEqual(['br1']);
    const rec = await nextRequest(emu, (r) => r.method === 'POST');
    expect(rec.status).toBe(201);
  });

  test('process: false applies the request only when the delay ends', async () => {
    emu.faults.delayNext(POST_BRIDGES, 200, 1, { process: false });
    await expect(createBr('br1', AbortSignal.timeout(50))).rejects.toThrow();
    expect(emu.state().bridges).toEqual({});
    const rec = await nextRequest(emu, (r) => r.method === 'POST');
    expect(rec.status).toBe(201);
    expect(Object.keys(emu.state().bridges)).toEqual(['br1']);
  });
});

describe('hangNext', () => {
  test('the request is never answered and (by default) not applied; it is recorded with status 0', async () => {
    emu.faults.hangNext(POST_BRIDGES);
    const arrived = nextRequest(emu, (r) => r.method === 'POST');
    const pending = createBr('br1', AbortSignal.timeout(150));
    expect((await arrived).status).toBe(0);
    await expect(pending).rejects.toThrow();
    expect(emu.state().bridges).toEqual({});
    expect((await createBr('br1')).status).toBe(201);
  });

  test('process: true applies it without answering', async () => {
    emu.faults.hangNext(POST_BRIDGES, 1, { process: true });
    await expect(createBr('br1', AbortSignal.timeout(100))).rejects.toThrow();
    expect(Object.keys(emu.state().bridges)).toEqual(['br1']);
  });

  test('close() ends hung requests and resolves', async () => {
    const other = await startCorsaEmulator();
    other.faults.hangNext({});
    const arrived = nextRequest(other, () => true);
    const pending = call(other, 'GET', 'bridges');
    await arrived;
    await other.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('reboot', () => {
  const setUp = async () => {
    expect((await createBr('br1')).status).toBe(201);
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '3', 'vlan-id': 30 })).status).toBe(201);
    expect((await call(emu, 'POST', 'bridges/br1/controllers', { controller: 'learner', ip: '127.0.0.1', port: 6653 })).status).toBe(201);
    return emu.state().bridges['br1']?.dpid;
  };

  test('drops bridges, tunnels and controllers; re-created bridges get new dpids', async () => {
    const before = await setUp();
    emu.faults.reboot();
    const s = emu.state();
    expect(s).toEqual({ bridges: {}, resourcesUsed: 0, boots: 1 });
    expect((await call(emu, 'GET', 'bridges')).body).toEqual({ links: {} });
    expect((await createBr('br1')).status).toBe(201);
    expect(emu.state().bridges['br1']?.dpid).not.toBe(before);
    // the port+VLAN is free again
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { ofport: 1, port: '3', 'vlan-id': 30 })).status).toBe(201);
  });

  test('resetConnections also resets idle keep-alive connections', async () => {
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        let sock: Socket | undefined;
        const req = httpRequest(`${emu.url}/api/v1/bridges`, { agent, headers: { Authorization: emu.token } }, (res) => {
          res.resume();
          res.on('end', () => (sock ? resolve(sock) : reject(new Error('no socket'))));
        });
        req.on('socket', (s: Socket) => (sock = s));
        req.on('error', reject);
        req.end();
      });
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      emu.faults.reboot({ resetConnections: true });
      await closed;
      expect(emu.state().boots).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  test('keepConfig keeps everything, dpids included', async () => {
    const before = await setUp();
    const snapshot = emu.state();
    emu.faults.reboot({ keepConfig: true });
    expect(emu.state()).toEqual({ ...snapshot, boots: 1 });
    expect(emu.state().bridges['br1']?.dpid).toBe(before);
  });

  test('requests in flight are dropped unanswered (and a held request is never applied)', async () => {
    emu.faults.hangNext({ method: 'GET' });
    emu.faults.delayNext(POST_BRIDGES, 10_000, 1, { process: false });
    const arrivals: string[] = [];
    const bothArrived = new Promise<void>((resolve) => {
      emu.on('arrival', (r) => {
        arrivals.push(r.method);
        if (arrivals.length === 2) resolve();
      });
    });
    const hung = call(emu, 'GET', 'bridges');
    const held = createBr('br1');
    await bothArrived;
    emu.faults.reboot();
    await expect(hung).rejects.toThrow();
    await expect(held).rejects.toThrow();
    expect(emu.state().bridges).toEqual({});
    expect((await call(emu, 'GET', 'bridges')).status).toBe(200);
  });
});

describe('clear, events and matching order', () => {
  test("'arrival' fires before processing, with status 0", async () => {
    const seen: { method: string; status: number; bridges: number }[] = [];
    emu.on('arrival', (r) => seen.push({ method: r.method, status: r.status, bridges: Object.keys(emu.state().bridges).length }));
    await createBr('br1');
    expect(seen).toEqual([{ method: 'POST', status: 0, bridges: 0 }]);
  });

  test('clear() removes pending faults and resets port states', async () => {
    emu.faults.failNext({}, 500, undefined, 5);
    emu.faults.setPortOperState('3', 'down');
    emu.faults.clear();
    expect((await createBr('br1')).status).toBe(201);
    expect((await call(emu, 'POST', 'bridges/br1/tunnels', { port: '3' })).status).toBe(201);
    expect(emu.state().bridges['br1']?.tunnels[1]?.['oper-state']).toBe('up');
  });

  test('faults are matched in the order they were added', async () => {
    emu.faults.failNext({ method: 'GET' }, 500);
    emu.faults.failNext({}, 502);
    expect((await call(emu, 'GET', 'bridges')).status).toBe(500);
    expect((await call(emu, 'GET', 'bridges')).status).toBe(502);
    expect((await call(emu, 'GET', 'bridges')).status).toBe(200);
  });
});

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(haveOpenssl ? describe : describe.skip)('TLS', () => {
  test('serves HTTPS with the given key and certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corsa-tls-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'],
        { stdio: 'ignore' },
      );
      const tls = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
      const secure = await startCorsaEmulator({ tls });
      try {
        expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpsRequest(`${secure.url}/api/v1/bridges`, { ca: tls.cert, headers: { Authorization: secure.token } }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end();
        });
        expect(reply.status).toBe(200);
        expect(JSON.parse(reply.body)).toEqual({ links: {} });
      } finally {
        await secure.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
