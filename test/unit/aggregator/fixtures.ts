import { Aggregator } from '@dpb/aggregator';
import { MemoryFabric } from '@dpb/adaptor-memory';
import type { BrokerError, NetworkControl, ServiceStatus, Service, TerminalRef } from '@dpb/model';
import { MemoryStoreProvider } from '@dpb/store';
import { LogicalSwitch } from '@dpb/switch';

export interface TrunkDef {
  ends: [string, string];
  up: number;
  down?: number;
  labels?: { startBase: number; count: number; endBase?: number };
  cost?: number;
}

export interface WanSpec {
  /** switch name → its terminal names (each on a memory interface of the same name). */
  switches: Record<string, string[]>;
  /** outer terminal → `switch:terminal`. */
  terminals: Record<string, string>;
  trunks: TrunkDef[];
  /** Label space of every interface, e.g. '0-65535'; default VLAN 0-4095. */
  labelSpace?: string;
  delayMs?: number;
}

export function ref(s: string): TerminalRef {
  const [network, terminal] = s.split(':') as [string, string];
  return { network, terminal };
}

/** A WAN of memory switches under one aggregator, on memory stores that survive "restarts". */
export class Wan {
  readonly switches = new Map<string, LogicalSwitch>();
  readonly fabrics = new Map<string, MemoryFabric>();
  agg!: Aggregator;

  private constructor(
    readonly spec: WanSpec,
    readonly provider: MemoryStoreProvider,
  ) {}

  static async build(spec: WanSpec, name = 'wan'): Promise<Wan> {
    const w = new Wan(spec, new MemoryStoreProvider());
    for (const sw of Object.keys(spec.switches)) w.fabrics.set(sw, new MemoryFabric({ name: sw, delayMs: spec.delayMs ?? 0 }));
    await w.open(name);
    for (const [sw, terms] of Object.entries(spec.switches)) {
      const s = w.switches.get(sw) as LogicalSwitch;
      for (const t of terms) await s.addTerminal(t, spec.labelSpace ? `${t}/${spec.labelSpace}` : t);
    }
    for (const [outer, inner] of Object.entries(spec.terminals)) await w.agg.addTerminal(outer, ref(inner));
    for (const t of spec.trunks) {
      await w.agg.addTrunk({
        start: ref(t.ends[0]),
        end: ref(t.ends[1]),
        upstreamMbps: t.up,
        downstreamMbps: t.down ?? t.up,
        cost: t.cost ?? 1,
        labels: [
          {
            startBase: t.labels?.startBase ?? 1000,
            count: t.labels?.count ?? 100,
            endBase: t.labels?.endBase ?? t.labels?.startBase ?? 1000,
          },
        ],
      });
    }
    return w;
  }

  /** (Re)opens every network on the same stores and fabrics, as after a restart. */
  async open(name = 'wan'): Promise<void> {
    for (const sw of Object.keys(this.spec.switches)) {
      this.switches.set(
        sw,
        await LogicalSwitch.open({ name: sw, fabric: this.fabrics.get(sw) as MemoryFabric, store: this.provider.switchStore(sw), repairIntervalMs: 0 }),
      );
    }
    this.agg = await Aggregator.open({
      name,
      store: this.provider.aggregatorStore(name),
      inferiors: (n) => this.switches.get(n) as NetworkControl | undefined,
      modelCacheMs: 60_000,
    });
  }

  /** Closes every network object (a crash as far as memory state goes; stores and fabrics stay). */
  async close(): Promise<void> {
    await this.agg.close();
    for (const s of this.switches.values()) await s.close();
  }

  /** Live sub-services across all switches. */
  async inferiorServices(): Promise<{ network: string; service: Service }[]> {
    const out: { network: string; service: Service }[] = [];
    for (const [network, s] of this.switches) for (const service of await s.services()) out.push({ network, service });
    return out;
  }
}

export async function expectStatus(s: Service, status: ServiceStatus, timeoutMs = 3000): Promise<void> {
  const got = await s.awaitStatus([status], timeoutMs);
  expect(got).toBe(status);
}

/** The INITIATE star of DPB's TestDummyInitiateTopology (dpb-core.md §8.6). */
export const INITIATE: WanSpec = {
  switches: {
    slough: ['vms', 'bristol', 'kcl', 'edin', 'lancs'],
    bristol: ['vms', 'slough'],
    kcl: ['vms', 'slough'],
    edin: ['vms', 'slough'],
    lancs: ['vms', 'slough'],
  },
  terminals: {
    'slough-vms': 'slough:vms',
    'bristol-vms': 'bristol:vms',
    'kcl-vms': 'kcl:vms',
    'edin-vms': 'edin:vms',
    'lancs-vms': 'lancs:vms',
  },
  trunks: [
    { ends: ['slough:lancs', 'lancs:slough'], up: 1024, labels: { startBase: 1000, count: 40 } },
    { ends: ['slough:edin', 'edin:slough'], up: 1024, labels: { startBase: 1000, count: 40 } },
    { ends: ['slough:bristol', 'bristol:slough'], up: 9216, labels: { startBase: 1000, count: 40 } },
    { ends: ['slough:kcl', 'kcl:slough'], up: 9216, labels: { startBase: 1000, count: 40 } },
  ],
};

/**
 * Retries an assertion until it passes or the deadline expires (like
 * vi.waitFor): for effects that follow an event asynchronously.
 */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/** The BrokerError a promise rejects with; fails the test if it resolves. */
export async function caught(p: Promise<unknown>): Promise<BrokerError> {
  try {
    await p;
  } catch (e) {
    return e as BrokerError;
  }
  throw new Error('expected a rejection');
}
