import {
  circuitKey,
  errors,
  type FabricInterface,
  fits,
  flowsByTerminal,
  roundMbps,
  type SanitizedRequest,
  type SwitchTerminalInfo,
  type SwitchTerminalRecord,
} from '@dpb/model';

/** One terminal of a switch, with what defined services use of it. */
export interface TerminalState {
  name: string;
  /** Interface description as configured (what the store keeps). */
  configured: string;
  iface: FabricInterface;
  ingressQuotaMbps: number | null;
  egressQuotaMbps: number | null;
  ingressUsedMbps: number;
  egressUsedMbps: number;
  circuitsInUse: number;
}

/** What is left under a quota (Infinity when unlimited). */
export function remaining(quota: number | null, used: number): number {
  return quota === null ? Infinity : Math.max(0, roundMbps(quota - used));
}

/**
 * The terminals of one switch and the resources defined services hold on
 * them: which circuit belongs to which service, and how much of each
 * terminal's ingress and egress quota is used. Pure bookkeeping, no I/O.
 */
export class TerminalTable {
  private readonly terminals = new Map<string, TerminalState>();
  /** canonical interface description → terminal name */
  private readonly interfaces = new Map<string, string>();
  /** circuit key → id of the service holding it */
  private readonly holders = new Map<string, number>();

  constructor(private readonly network: string) {}

  get size(): number {
    return this.terminals.size;
  }

  names(): string[] {
    return [...this.terminals.keys()].sort();
  }

  get(name: string): TerminalState | undefined {
    return this.terminals.get(name);
  }

  /** NOT_FOUND (details.kind 'terminal') unless the terminal exists. */
  require(name: string): TerminalState {
    const t = this.terminals.get(name);
    if (!t) throw errors.notFound('terminal', `${this.network}:${name}`, { network: this.network, terminal: name });
    return t;
  }

  /** The terminal already on this canonical interface, if any. */
  onInterface(description: string): string | undefined {
    return this.interfaces.get(description);
  }

  add(record: SwitchTerminalRecord, iface: FabricInterface): TerminalState {
    const t: TerminalState = {
      name: record.name,
      configured: record.interface,
      iface,
      ingressQuotaMbps: record.ingressQuotaMbps,
      egressQuotaMbps: record.egressQuotaMbps,
      ingressUsedMbps: 0,
      egressUsedMbps: 0,
      circuitsInUse: 0,
    };
    this.terminals.set(t.name, t);
    this.interfaces.set(iface.description, t.name);
    return t;
  }

  remove(name: string): TerminalState | undefined {
    const t = this.terminals.get(name);
    if (!t) return undefined;
    this.terminals.delete(name);
    if (this.interfaces.get(t.iface.description) === name) this.interfaces.delete(t.iface.description);
    return t;
  }

  /** Puts a removed terminal back (when persisting its removal failed). */
  restore(t: TerminalState): void {
    this.terminals.set(t.name, t);
    this.interfaces.set(t.iface.description, t.name);
  }

  /**
   * Checks that service `service` may hold `request`: every terminal exists
   * (NOT_FOUND), every label is in its interface's label space
   * (INVALID_ARGUMENT), no circuit is held by another service (BUSY), and the
   * flows fit under the quotas (RESOURCE_EXHAUSTED). Changes nothing.
   */
  check(service: number, request: SanitizedRequest): void {
    for (const c of request.circuits) {
      const t = this.require(c.terminal);
      const { min, max } = t.iface.labels;
      if (c.label < min || c.label > max) {
        throw errors.invalid(`label ${c.label} is outside ${min}-${max} on terminal ${this.network}:${c.terminal}`, {
          kind: 'label',
          network: this.network,
          terminal: c.terminal,
          label: c.label,
          labels: { min, max },
        });
      }
      const holder = this.holders.get(circuitKey(c));
      if (holder !== undefined && holder !== service) {
        throw errors.busy(`circuit ${this.network}:${circuitKey(c)} is used by service ${holder}`, {
          kind: 'circuit',
          network: this.network,
          terminal: c.terminal,
          label: c.label,
          service: holder,
        });
      }
    }
    for (const [name, flow] of flowsByTerminal(request)) {
      const t = this.require(name);
      const sides = [
        ['ingress', flow.ingressMbps, t.ingressQuotaMbps, t.ingressUsedMbps],
        ['egress', flow.egressMbps, t.egressQuotaMbps, t.egressUsedMbps],
      ] as const;
      for (const [direction, requested, quota, used] of sides) {
        const available = remaining(quota, used);
        if (!fits(requested, available)) {
          throw errors.exhausted(
            `terminal ${this.network}:${name} has ${available} Mbit/s of ${direction} left; the request needs ${roundMbps(requested)}`,
            {
              network: this.network,
              terminal: name,
              direction,
              requestedMbps: roundMbps(requested),
              availableMbps: available,
            },
          );
        }
      }
    }
  }

  /** Records that `service` holds the request's circuits and flows. */
  hold(service: number, request: SanitizedRequest): void {
    for (const c of request.circuits) {
      this.holders.set(circuitKey(c), service);
      const t = this.terminals.get(c.terminal);
      if (t) {
        t.circuitsInUse++;
        t.ingressUsedMbps = roundMbps(t.ingressUsedMbps + c.ingressMbps);
        t.egressUsedMbps = roundMbps(t.egressUsedMbps + c.egressMbps);
      }
    }
  }

  /** Gives back what {@link hold} took. */
  unhold(service: number, request: SanitizedRequest): void {
    for (const c of request.circuits) {
      const key = circuitKey(c);
      if (this.holders.get(key) === service) this.holders.delete(key);
      const t = this.terminals.get(c.terminal);
      if (t) {
        t.circuitsInUse = Math.max(0, t.circuitsInUse - 1);
        t.ingressUsedMbps = Math.max(0, roundMbps(t.ingressUsedMbps - c.ingressMbps));
        t.egressUsedMbps = Math.max(0, roundMbps(t.egressUsedMbps - c.egressMbps));
      }
    }
  }

  info(t: TerminalState): SwitchTerminalInfo {
    return {
      name: t.name,
      interface: t.iface.description,
      labels: { ...t.iface.labels },
      ingressQuotaMbps: t.ingressQuotaMbps,
      egressQuotaMbps: t.egressQuotaMbps,
      ingressUsedMbps: t.ingressUsedMbps,
      egressUsedMbps: t.egressUsedMbps,
      circuitsInUse: t.circuitsInUse,
    };
  }

  record(t: TerminalState): SwitchTerminalRecord {
    return {
      name: t.name,
      interface: t.configured,
      ingressQuotaMbps: t.ingressQuotaMbps,
      egressQuotaMbps: t.egressQuotaMbps,
    };
  }
}
