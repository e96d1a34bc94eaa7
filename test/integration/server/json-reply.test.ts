import express from 'express';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonReply } from '@dpb/server';

/** Replies with jsonReply or with Express's res.json, for the same status and body. */
function app(body: unknown, status: number): express.Express {
  const a = express();
  a.disable('x-powered-by');
  a.all('/fast', (req, res) => {
    res.setHeader('Location', '/x/1');
    jsonReply(req, res, status, body);
  });
  a.all('/express', (_req, res) => {
    res.setHeader('Location', '/x/1');
    res.status(status).json(body);
  });
  return a;
}

interface Raw {
  status: number;
  headers: string[];
  body: Buffer;
}

function get(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        // raw header lines in wire order, without Date (it changes)
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i] !== 'Date') lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode ?? 0, headers: lines, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer<T>(a: express.Express, f: (port: number) => Promise<T>): Promise<T> {
  const server = a.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  try {
    return await f((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const BODIES: [string, unknown, number][] = [
  ['a service', { network: 'aggr', id: 12, status: 'ACTIVE', request: { circuits: [{ terminal: 'a1', label: 3, ingressMbps: 10 }] }, history: [] }, 200],
  ['created', { id: 1, handle: null }, 201],
  ['unlimited capacity (Infinity, NaN become null)', { capacityMbps: Infinity, other: -Infinity, n: NaN }, 200],
  ['non-ASCII text', { message: 'r\u00e9seau \u2192 \ud83d\ude00', empty: '' }, 202],
  ['a list', [1, 'two', null, { three: [3] }], 200],
  ['an empty object', {}, 200],
  ['a string', 'just text', 200],
];

describe('jsonReply', () => {
  it.each(BODIES)('writes the same status, headers and bytes as res.json: %s', async (_name, body, status) => {
    await withServer(app(body, status), async (port) => {
      const fast = await get(port, '/fast');
      const slow = await get(port, '/express');
      expect(fast).toEqual(slow);
      expect(fast.status).toBe(status);
      expect(fast.headers).toContain('Content-Type: application/json; charset=utf-8');
      expect(fast.headers.some((h) => h.startsWith('ETag: W/"'))).toBe(true);
    });
  });

  it('answers conditional requests (304 on a matching If-None-Match) and HEAD as res.json does', async () => {
    const body = BODIES[0]![1];
    await withServer(app(body, 200), async (port) => {
      const first = await get(port, '/fast');
      const etag = first.headers.find((h) => h.startsWith('ETag: '))!.slice('ETag: '.length);
      const fast304 = await get(port, '/fast', 'GET', { 'If-None-Match': etag });
      expect(fast304.status).toBe(304);
      expect(fast304).toEqual(await get(port, '/express', 'GET', { 'If-None-Match': etag }));
      const other = await get(port, '/fast', 'GET', { 'If-None-Match': 'W/"0-nope"' });
      expect(other.status).toBe(200);
      expect(other).toEqual(await get(port, '/express', 'GET', { 'If-None-Match': 'W/"0-nope"' }));
      const head = await get(port, '/fast', 'HEAD');
      expect(head.body.length).toBe(0);
      expect(head).toEqual(await get(port, '/express', 'HEAD'));
    });
  });
});
