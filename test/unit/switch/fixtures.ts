import { MemoryFabric, type MemoryFabricOptions } from '@dpb/adaptor-memory';
import { type Runtime, type ServiceRequest, type SwitchStore, systemClock } from '@dpb/model';
import { MemoryStoreProvider } from '@dpb/store';
import { LogicalSwitch, type LogicalSwitchOptions } from '@dpb/switch';

/** A switch on a memory fabric and a memory store, with terminals a..d (d has labels 0..8000). */
export interface SwitchRig {
  sw: LogicalSwitch;
  fabric: MemoryFabric;
  provider: MemoryStoreProvider;
  store: SwitchStore;
  /** Opens another switch on the same store data (a restart), with this or a new fabric. */
  reopen(options?: { fabric?: MemoryFabric }): Promise<LogicalSwitch>;
  /** Error-level log lines (e.g. a transition outside the status table). */
  logged: string[];
  /** Closes everything; throws if the switch logged an error. */
  close(): Promise<void>;
}

export const TERMINALS: Record<string, string> = { a: 'p1', b: 'p2', c: 'p3', d: 'p4/0-8000' };

export async function makeRig(
  options: { fabric?: MemoryFabricOptions; switch?: Partial<LogicalSwitchOptions>; terminals?: Record<string, string> } = {},
): Promise<SwitchRig> {
  const provider = new MemoryStoreProvider();
  const fabric = new MemoryFabric(options.fabric);
  const opened: LogicalSwitch[] = [];
  const logged: string[] = [];
  const runtime: Runtime = {
    clock: systemClock,
    logger: {
      debug() {},
      info() {},
      warn() {},
      error(message, fields) {
        logged.push(`${message} ${JSON.stringify(fields)}`);
      },
    },
  };
  const open = async (f: MemoryFabric): Promise<LogicalSwitch> => {
    const sw = await LogicalSwitch.open({
      name: 'sw1',
      fabric: f,
      store: provider.switchStore('sw1'),
      repairIntervalMs: 0,
      retryMinMs: 5,
      retryMaxMs: 50,
      runtime,
      ...options.switch,
    });
    opened.push(sw);
    return sw;
  };
  const sw = await open(fabric);
  for (const [name, iface] of Object.entries(options.terminals ?? TERMINALS)) await sw.addTerminal(name, iface);
  return {
    sw,
    fabric,
    provider,
    store: provider.switchStore('sw1'),
    logged,
    reopen: (o = {}) => open(o.fabric ?? fabric),
    close: async () => {
      for (const s of opened) await s.close();
      await fabric.close();
      if (logged.length > 0) throw new Error(`the switch logged errors:\n${logged.join('\n')}`);
    },
  };
}

/** An E-Line between two terminals on one label, 10 Mbit/s each way unless told. */
export function eline(a: string, b: string, label = 100, mbps = 10): ServiceRequest {
  return {
    circuits: [
      { terminal: a, label, ingressMbps: mbps, egressMbps: mbps },
      { terminal: b, label, ingressMbps: mbps, egressMbps: mbps },
    ],
  };
}

/** Runs `f`, expecting a BrokerError; returns its code and details. */
export async function rejection(f: () => Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await f();
  } catch (e) {
    const b = e as { name?: string; code?: string; details?: Record<string, unknown> };
    if (b.name !== 'BrokerError') throw e;
    return { code: b.code as string, details: b.details ?? {} };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const WAIT_MS = 2_000;
