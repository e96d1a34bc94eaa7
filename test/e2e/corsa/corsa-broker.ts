import { parseConfig, wire } from '@dpb/server';
import { call, listen, type Res, type TestBroker } from '../../integration/rest/broker';

/**
 * A broker (real config parsing and wiring, REST v1 on port 0) in this
 * process, from a complete YAML config: unlike `startBroker`, the config
 * names its own store, so a broker restarted on the same SQLite file finds
 * its services again.
 */
export async function startCorsaBroker(yaml: string): Promise<TestBroker> {
  const config = parseConfig(yaml, { baseDir: '/tmp' });
  const wired = await wire(config);
  try {
    const { base, server } = await listen(wired.networks);
    return {
      base,
      wired,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await wired.close();
      },
    };
  } catch (e) {
    await wired.close();
    throw e;
  }
}

export interface CircuitSpec {
  terminal: string;
  label: number;
  ingressMbps: number;
}

export interface ServiceInfo {
  id: number;
  status: string;
  errors: unknown[];
  history: { status: string; at: number }[];
}

function ok(r: Res, what: string): ServiceInfo {
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as ServiceInfo;
}

/** REST v1 service calls on one network, as any client makes them. */
export class Services {
  constructor(
    public base: string,
    readonly network: string,
  ) {}

  private url(rest = ''): string {
    return `/api/v1/networks/${this.network}/services${rest}`;
  }

  async create(options: { handle?: string; circuits?: CircuitSpec[]; activate?: boolean }): Promise<ServiceInfo> {
    return ok(await call(this.base, 'POST', this.url(), options), 'create service');
  }

  async activate(id: number): Promise<ServiceInfo> {
    return ok(await call(this.base, 'POST', this.url(`/${id}/activate`)), `activate service ${id}`);
  }

  async release(id: number): Promise<ServiceInfo> {
    return ok(await call(this.base, 'DELETE', this.url(`/${id}`)), `release service ${id}`);
  }

  /** Waits (on the server: `?wait=`) until the service's status is one of `statuses`; throws with its last state otherwise. */
  async waitFor(id: number, statuses: string[], timeoutMs = 30_000): Promise<ServiceInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const slice = Math.max(1, Math.min(60_000, deadline - Date.now()));
      const info = ok(await call(this.base, 'GET', this.url(`/${id}?wait=${statuses.join(',')}&timeoutMs=${slice}`)), `wait for service ${id}`);
      if (statuses.includes(info.status)) return info;
      if (Date.now() >= deadline || info.status === 'RELEASED') {
        throw new Error(`service ${id} is ${info.status}, not ${statuses.join('/')}, after ${timeoutMs} ms: ${JSON.stringify({ errors: info.errors, history: info.history.slice(-6) })}`);
      }
    }
  }
}
