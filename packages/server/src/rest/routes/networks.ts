import { MAX_MBPS } from '@dpb/model';
import { managementOf, type NetworkEntry } from '../../networks';
import { parseNumberParam, type RouteDef } from '../route';
import { SSE_HEARTBEAT_MS } from './services';

async function summary(net: NetworkEntry): Promise<Record<string, unknown>> {
  const c = net.control;
  const [terminals, services] = await Promise.all([c.terminals(), c.services()]);
  const out: Record<string, unknown> = { name: c.name, kind: c.kind, management: managementOf(net), terminals: terminals.length, services: services.length };
  if (net.aggregator) out.trunks = (await net.aggregator.trunks()).length;
  return out;
}

/** Networks, model, health. */
export const networkRoutes: RouteDef[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'Liveness: the server is up and serving its networks',
    responses: { 200: { description: 'ok', schema: 'Health' } },
    handler: async ({ networks }) => ({ status: 200, body: { status: 'ok', networks: networks.size } }),
  },
  {
    method: 'get',
    path: '/api/v1/networks',
    operationId: 'listNetworks',
    summary: 'Every network this server serves, with counts',
    responses: { 200: { description: 'networks, by name', schema: 'NetworkSummary[]' } },
    handler: async ({ networks, principal }) => {
      const names = [...networks.keys()].filter((n) => principal.canSee(n)).sort();
      return { status: 200, body: await Promise.all(names.map((n) => summary(networks.get(n) as NetworkEntry))) };
    },
  },
  {
    method: 'get',
    path: '/api/v1/networks/{net}',
    operationId: 'getNetwork',
    summary: 'One network with counts (and terminal names)',
    responses: { 200: { description: 'the network', schema: 'NetworkSummary' } },
    handler: async ({ net }) => {
      const body = await summary(net);
      body.terminalNames = await net.control.terminals();
      return { status: 200, body };
    },
  },
  {
    method: 'get',
    path: '/api/v1/networks/{net}/model',
    operationId: 'getModel',
    summary: 'Which terminal pairs can be connected, at what cost, with how much capacity each way (null = unlimited)',
    query: [{ name: 'minMbps', description: 'only chords with at least this capacity in one direction', schema: { type: 'number', minimum: 0, maximum: MAX_MBPS } }],
    responses: { 200: { description: 'the model', schema: 'NetworkModel' } },
    handler: async ({ net, query }) => {
      const min = query.minMbps === undefined ? undefined : parseNumberParam(query.minMbps, 'minMbps', 0, MAX_MBPS);
      return { status: 200, body: await net.control.model(min) };
    },
  },
  {
    method: 'get',
    path: '/api/v1/networks/{net}/events',
    operationId: 'watchNetwork',
    summary: 'Server-sent events: `event: ready` at once, then `event: model` whenever the model may have changed (terminals, quotas, capacity, trunks)',
    description:
      'A superior broker subscribes here to invalidate its cached model of this network. Events are coalesced; the data is `{"network":NAME,"at":EPOCH_MS}`. A comment line is sent every 15 s.',
    responses: { 200: { description: 'text/event-stream of `ready` and `model` events', schema: 'text/event-stream' } },
    handler: async ({ net, req, res }) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      res.flushHeaders();
      let n = 0;
      const send = (event: string): void => {
        res.write(`id: ${++n}\nevent: ${event}\ndata: ${JSON.stringify({ network: net.control.name, at: Date.now() })}\n\n`);
      };
      const unsubscribe = net.control.onModelChange(() => send('model'));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
      heartbeat.unref();
      send('ready');
      await new Promise<void>((resolve) => {
        res.on('close', () => resolve());
        req.on('close', () => resolve());
      });
      clearInterval(heartbeat);
      unsubscribe();
      if (!res.writableEnded) res.end();
      return undefined;
    },
  },
];
