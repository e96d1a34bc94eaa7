import type { AggregatorTerminalInfo, ServiceEvent, ServiceInfo, SwitchTerminalInfo, TrunkInfo } from '@dpb/model';

/**
 * The JSON shapes REST v1 replies with, as the CLI reads them (docs/rest-api.md).
 * Unlimited capacities arrive as null.
 */

export interface NetworkJson {
  name: string;
  kind: string;
  terminals: number;
  services: number;
  trunks?: number;
  terminalNames?: string[];
}

export interface ChordJson {
  from: string;
  to: string;
  cost: number;
  upstreamMbps: number | null;
  downstreamMbps: number | null;
}

export interface ModelJson {
  network: string;
  terminals: string[];
  chords: ChordJson[];
}

export type SwitchTerminalJson = SwitchTerminalInfo;
export type AggregatorTerminalJson = AggregatorTerminalInfo;
/** Either kind of terminal (or just a name, for other kinds of network). */
export type TerminalJson = Partial<SwitchTerminalJson> & Partial<AggregatorTerminalJson> & { name: string };

export type TrunkJson = TrunkInfo;
export type ServiceJson = ServiceInfo;
export type ServiceEventJson = ServiceEvent;

export function isSwitchTerminal(t: TerminalJson): t is SwitchTerminalJson {
  return typeof t.interface === 'string';
}

export function isAggregatorTerminal(t: TerminalJson): t is AggregatorTerminalJson {
  return typeof t.inferior === 'object' && t.inferior !== null;
}
