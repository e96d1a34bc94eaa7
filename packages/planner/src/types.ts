import type { TerminalRef } from '@dpb/model';

/**
 * Input and output of the planner. Plain data in, plain data out: the
 * planner never sees an aggregator, a store or a clock.
 *
 * Vertices of the planning graph are inferior terminals, written
 * `network:terminal`. Edges are trunks (between terminals of different
 * inferior networks) and chords (between two terminals of the same inferior
 * network, from that network's model).
 */

/** The summed demand of a request at one inner (inferior) terminal. */
export interface PlanEndpoint extends TerminalRef {
  /** Sum of ingress of the request's circuits on this terminal, Mbit/s. */
  ingressMbps: number;
  /** Sum of egress of the request's circuits on this terminal, Mbit/s. */
  egressMbps: number;
}

/**
 * A trunk the planner may use: commissioned, with a free label pair.
 *
 * The optional load fields (label pairs free and in all, total capacity
 * each way) let the planner steer new services away from trunks that are
 * filling up (see {@link PlanningOptions.loadWeight}); without them a trunk
 * weighs its cost alone.
 */
export interface PlanTrunk {
  id: number;
  start: TerminalRef;
  end: TerminalRef;
  /** Positive additive cost. */
  cost: number;
  /** Remaining capacity start→end, Mbit/s. */
  upstreamMbps: number;
  /** Remaining capacity end→start, Mbit/s. */
  downstreamMbps: number;
  /** Label pairs still free (optional). 0: the trunk can take no new tunnel and is not planned over. */
  freeLabels?: number;
  /** Label pairs the trunk has in all, free or held (optional). */
  labelCount?: number;
  /** Total capacity start→end, Mbit/s, held or not (optional; with `upstreamMbps` gives the load). */
  capacityUpstreamMbps?: number;
  /** Total capacity end→start, Mbit/s (optional). */
  capacityDownstreamMbps?: number;
}

/** What an aggregator tells a {@link PlanningGraph} after allocating or freeing tunnels on a trunk. */
export interface TrunkState {
  /** Remaining capacity start→end, Mbit/s. */
  upstreamMbps: number;
  /** Remaining capacity end→start, Mbit/s. */
  downstreamMbps: number;
  /** Label pairs still free (0: plan no new tunnel over it); leave out to keep the last value. */
  freeLabels?: number;
}

/** How the planner weighs trunks. */
export interface PlanningOptions {
  /**
   * Load-aware routing: a trunk whose load is u (the larger of the share of
   * its labels held and the share of its capacity held in either direction,
   * from the optional load fields of {@link PlanTrunk}) weighs
   * cost · (1 + loadWeight · u / (1.01 − u)) instead of its cost: free
   * trunks keep their cost, a half-full one counts about 1 + loadWeight
   * times, a nearly full one up to ~100 · loadWeight times. New services
   * thus spread over the network before any cut fills up, which delays the
   * first rejection (measured in docs/benchmarks.md). 0 plans by cost alone.
   * Default {@link DEFAULT_LOAD_WEIGHT}.
   */
  loadWeight?: number;
}

/** A chord of an inferior network's model. */
export interface PlanChord {
  network: string;
  from: string;
  to: string;
  cost: number;
  /** from→to capacity, Mbit/s (Infinity = unlimited). */
  upstreamMbps: number;
  /** to→from capacity, Mbit/s (Infinity = unlimited). */
  downstreamMbps: number;
}

export interface PlanInput {
  endpoints: PlanEndpoint[];
  trunks: PlanTrunk[];
  chords: PlanChord[];
  options?: PlanningOptions;
}

/** Demand each way on a trunk of the chosen tree. */
export interface PlannedTrunk {
  id: number;
  /** start→end demand, Mbit/s. */
  upstreamMbps: number;
  /** end→start demand, Mbit/s. */
  downstreamMbps: number;
}

/** Demand each way on a chord of the chosen tree. */
export interface PlannedChord {
  network: string;
  from: string;
  to: string;
  upstreamMbps: number;
  downstreamMbps: number;
}

/**
 * A connected piece of one inferior network (a connected component of that
 * network's chords) that the tree passes through. Each piece becomes one
 * sub-service of the inferior network.
 */
export interface PlanPiece {
  network: string;
  /** Deterministic index of this component within its network (components ordered by their smallest terminal name). */
  index: number;
  /** Terminals of this piece that the plan uses (endpoints and tree trunk ends), sorted. */
  terminals: string[];
}

export interface Plan {
  trunks: PlannedTrunk[];
  chords: PlannedChord[];
  pieces: PlanPiece[];
  /** Sum of the costs of the tree's edges. */
  cost: number;
  /** Trees tried (1 = the first tree fitted). */
  attempts: number;
}

/** One edge of a rejected tree that could not carry its demand. */
export interface Shortfall {
  /** Set for a trunk. */
  trunk?: number;
  /** Set for a chord. */
  chord?: { network: string; from: string; to: string };
  /** upstream = start→end (trunk) or from→to (chord). */
  direction: 'upstream' | 'downstream';
  requiredMbps: number;
  availableMbps: number;
}

export type PlanFailure =
  /** Some endpoints cannot be joined at all (even ignoring capacity). */
  | { reason: 'unreachable'; unreachable: TerminalRef[] }
  /** Trees exist, but every one tried had an edge short of capacity; the shortfalls found, worst first. */
  | { reason: 'insufficient-capacity'; shortfalls: Shortfall[] };

export type PlanResult = { ok: true; plan: Plan } | { ok: false; failure: PlanFailure };
