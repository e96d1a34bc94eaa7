import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP proxy in front of a server, whose connections a test can cut. */
export interface TcpProxy {
  /** http://127.0.0.1:PORT */
  base: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections open now. */
  open(): number;
  /** How many open connections have carried `marker` from the server to the client. */
  openCarrying(marker: string): number;
  /** How many connections (open or closed) have carried `marker` from the server to the client. */
  carried(marker: string): number;
  /** Destroys every open connection (both sides); keeps listening. */
  cut(): void;
  close(): Promise<void>;
}

interface Conn {
  client: net.Socket;
  upstream: net.Socket;
  /** What the server sent (the first 64 kB). */
  received: string;
  open: boolean;
}

export async function startTcpProxy(targetBase: string): Promise<TcpProxy> {
  const target = new URL(targetBase);
  const conns: Conn[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const c: Conn = { client, upstream, received: '', open: true };
    conns.push(c);
    upstream.on('data', (d: Buffer) => {
      if (c.received.length < 65_536) c.received += d.toString('utf8');
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = (): void => {
      c.open = false;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const cutAll = (): void => {
    for (const c of conns) {
      if (!c.open) continue;
      c.open = false;
      c.client.destroy();
      c.upstream.destroy();
    }
  };
  return {
    base: `http://127.0.0.1:${port}`,
    accepted: () => conns.length,
    open: () => conns.filter((c) => c.open).length,
    openCarrying: (marker) => conns.filter((c) => c.open && c.received.includes(marker)).length,
    carried: (marker) => conns.filter((c) => c.received.includes(marker)).length,
    cut: cutAll,
    close: async () => {
      cutAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
