import { CorsaFabric, type CorsaFabricOptions, parseCorsaConfig } from '@dpb/adaptor-corsa';
import type { BridgeCondition, BridgeSpec, BridgeState, FabricCircuit } from '@dpb/model';
import { type AppStandIn, startAppStandIn } from './app-standin';
import { type CorsaEmulator, type CorsaEmulatorOptions, type RecordedRequest, startCorsaEmulator } from '../../support/corsa-emulator';

/** Longest a test waits for a bridge condition. */
export const WAIT_MS = 5_000;

/** A Corsa fabric on a fresh emulator, with every bridge state it reported. */
export interface CorsaRig {
  emu: CorsaEmulator;
  /** shared-vfc mode, or vfc-per-service with `app`: the stand-in for the port-group app's REST API. */
  app?: AppStandIn;
  /** Every request to the switch (`corsa METHOD path`, on answer) and to the app (`app METHOD path`, on arrival), in order. */
  timeline: string[];
  fabric: CorsaFabric;
  events: BridgeState[];
  /** Opens another fabric on the same emulator (a broker restart). */
  reopen(overrides?: Partial<CorsaFabricOptions>): CorsaFabric;
  /** Waits until the bridge's latest reported condition is `condition`; returns the latest state. */
  until(id: string, condition: BridgeCondition, fabric?: CorsaFabric): Promise<BridgeState>;
  /** Waits (checking after every reported state) until `check()` holds. */
  when(check: () => boolean): Promise<void>;
  /** Requests recorded since the last call (method, path, body), leaving out GETs unless asked. */
  take(options?: { gets?: boolean }): Pick<RecordedRequest, 'method' | 'path' | 'body'>[];
  close(): Promise<void>;
}

export function fabricOptions(emu: CorsaEmulator, overrides: Partial<CorsaFabricOptions> = {}): CorsaFabricOptions {
  const config = parseCorsaConfig(
    { url: emu.url, token: emu.token, controller: { host: '172.17.1.1', port: 6653 }, pushIntervalMs: 0, retryMinMs: 20, retryMaxMs: 200, requestTimeoutMs: 1_000 },
    'corsa',
    { configDir: '/tmp' },
  );
  return { ...config, network: 'lab', ...overrides };
}

export async function corsaRig(
  /** `shared`: shared-vfc mode with the app stand-in; `app`: vfc-per-service mode with the app stand-in. */
  options: { emulator?: CorsaEmulatorOptions; fabric?: Partial<CorsaFabricOptions>; shared?: boolean; app?: boolean } = {},
): Promise<CorsaRig> {
  const emu = await startCorsaEmulator(options.emulator);
  const timeline: string[] = [];
  emu.on('request', (r) => timeline.push(`corsa ${r.method} ${r.path}`));
  let app: AppStandIn | undefined;
  if (options.shared || options.app) {
    app = await startAppStandIn();
    app.onRequest = (r) => timeline.push(`app ${r.method} ${r.path}`);
    const mode = options.shared ? 'shared-vfc' : 'vfc-per-service';
    options = { ...options, fabric: { mode, app: { url: app.url }, ...options.fabric } };
  }
  const fabrics: CorsaFabric[] = [];
  const events: BridgeState[] = [];
  const latest = new Map<CorsaFabric, Map<string, BridgeState>>();
  const waiters = new Set<() => void>();
  const open = (overrides: Partial<CorsaFabricOptions> = {}): CorsaFabric => {
    const f = new CorsaFabric(fabricOptions(emu, { ...options.fabric, ...overrides }));
    const mine = new Map<string, BridgeState>();
    latest.set(f, mine);
    f.subscribe((s) => {
      events.push(s);
      mine.set(s.id, s);
      for (const w of [...waiters]) w();
    });
    fabrics.push(f);
    return f;
  };
  const fabric = open();
  let seen = 0;
  return {
    emu,
    ...(app ? { app } : {}),
    timeline,
    fabric,
    events,
    reopen: open,
    until(id, condition, f = fabric) {
      return new Promise<BridgeState>((resolve, reject) => {
        const check = (): boolean => {
          const s = latest.get(f)?.get(id);
          if (s?.condition === condition) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(s);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`bridge ${id} did not become ${condition} within ${WAIT_MS} ms; latest: ${JSON.stringify(latest.get(f)?.get(id))}`));
        }, WAIT_MS);
        waiters.add(check);
        check();
      });
    },
    when(check) {
      return new Promise<void>((resolve, reject) => {
        const w = (): void => {
          if (!check()) return;
          waiters.delete(w);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`condition not met within ${WAIT_MS} ms; events: ${JSON.stringify(events.slice(-10))}`));
        }, WAIT_MS);
        waiters.add(w);
        w();
      });
    },
    take(o = {}) {
      const out = emu.requests
        .slice(seen)
        .filter((r) => o.gets || r.method !== 'GET')
        .map((r) => ({ method: r.method, path: r.path, body: r.body }));
      seen = emu.requests.length;
      return out;
    },
    async close() {
      for (const f of fabrics) await f.close();
      await emu.close();
      await app?.close();
    },
  };
}

export function circuit(iface: string, label: number, ingressMbps = 100, egressMbps = ingressMbps): FabricCircuit {
  return { interface: iface, label, ingressMbps, egressMbps };
}

export function bridge(id: string, ...circuits: FabricCircuit[]): BridgeSpec {
  return { id, circuits };
}

/** Calls the emulator directly (as another client of the switch would). */
export async function corsaCall(emu: CorsaEmulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const init: RequestInit = { method, headers: { Authorization: emu.token, 'Content-Type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const r = await fetch(`${emu.url}/api/v1/${path}`, init);
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
