/**
 * What a network tells a superior about itself: which pairs of its terminals
 * it can connect, at what cost, and with how much capacity each way.
 */
export interface Chord {
  from: string;
  to: string;
  /** Additive path cost (DPB's "delay"); positive. */
  cost: number;
  /** Capacity from→to in Mbit/s; Infinity when unlimited. */
  upstreamMbps: number;
  /** Capacity to→from in Mbit/s; Infinity when unlimited. */
  downstreamMbps: number;
}

export interface NetworkModel {
  network: string;
  /** Every terminal of the network, connected or not. */
  terminals: string[];
  /** One chord per unordered pair of terminals that can be connected, `from < to`. */
  chords: Chord[];
}
