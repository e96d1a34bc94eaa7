import { MultiUndirectedGraph } from 'graphology';
import { errors } from '@dpb/model';
import { buildGraph, type GraphIndex, updateCapacity, updateWeight } from './build-graph';
import { DEFAULT_LOAD_WEIGHT } from './load-weight';
import { planEndpoints } from './plan-endpoints';
import type { PlanChord, PlanEndpoint, PlanningOptions, PlanResult, PlanTrunk, TrunkState } from './types';
import { checkTrunkLoad, validateEndpoints } from './validate-input';

/** Node attributes of {@link PlanningGraph.toGraphology}. */
export interface PlanningNodeAttributes {
  network: string;
  terminal: string;
  /** Index of the vertex's piece within its network. */
  piece: number;
}

/** Edge attributes of {@link PlanningGraph.toGraphology}. */
export interface PlanningEdgeAttributes {
  kind: 'trunk' | 'chord';
  /** Trunk id (trunks only). */
  trunk?: number;
  cost: number;
  /** source→target capacity, Mbit/s. */
  upstreamMbps: number;
  /** target→source capacity, Mbit/s. */
  downstreamMbps: number;
}

/**
 * The planning graph (trunks and chords) prepared once, so that many
 * requests can be planned against it cheaply. {@link plan} builds one per
 * call; an aggregator may keep one between defines and update trunk
 * capacities as it allocates and releases tunnels.
 *
 * Planning never changes the graph: edges dropped for lack of capacity are
 * dropped for that one plan only.
 */
export class PlanningGraph {
  private readonly g: GraphIndex;

  /** Throws INVALID_ARGUMENT naming the trunk or chord at fault (or the option). */
  constructor(input: { trunks: readonly PlanTrunk[]; chords: readonly PlanChord[] }, options: PlanningOptions = {}) {
    const loadWeight = options.loadWeight ?? DEFAULT_LOAD_WEIGHT;
    if (typeof loadWeight !== 'number' || !Number.isFinite(loadWeight) || loadWeight < 0) {
      throw errors.invalid(`loadWeight must be a finite, non-negative number; got ${String(loadWeight)}`, { field: 'loadWeight' });
    }
    this.g = buildGraph(input.trunks, input.chords, loadWeight);
  }

  /** Number of terminals that appear in some trunk or chord. */
  get vertexCount(): number {
    return this.g.keys.length;
  }

  /** Number of trunks plus chords. */
  get edgeCount(): number {
    return this.g.edgeCount;
  }

  /**
   * Plans a request: a tree joining the endpoints that can carry their
   * demand, or the reason none was found. Pure with respect to the graph.
   * Throws INVALID_ARGUMENT (naming the endpoint) on malformed endpoints.
   */
  plan(endpoints: readonly PlanEndpoint[]): PlanResult {
    return planEndpoints(this.g, validateEndpoints(endpoints));
  }

  /**
   * Sets a trunk's remaining capacity each way (after an allocation or a
   * release). Throws NOT_FOUND for an unknown trunk, INVALID_ARGUMENT for a
   * negative or NaN capacity.
   */
  setTrunkCapacity(id: number, upstreamMbps: number, downstreamMbps: number): void {
    this.setTrunkState(id, { upstreamMbps, downstreamMbps });
  }

  /**
   * Sets a trunk's remaining capacity each way and, optionally, its free
   * label pairs (after an allocation or a release); its search weight
   * follows. Throws NOT_FOUND for an unknown trunk, INVALID_ARGUMENT for a
   * negative or NaN capacity or a bad label count (nothing is changed then).
   */
  setTrunkState(id: number, state: TrunkState): void {
    const e = this.g.edgeOfTrunk.get(id);
    if (e === undefined) throw errors.notFound('trunk', String(id), { trunk: id });
    if (typeof state !== 'object' || state === null) throw errors.invalid(`the state of trunk ${id} must be an object`, { kind: 'trunk', trunk: id });
    const { upstreamMbps, downstreamMbps } = state;
    for (const [direction, x] of [
      ['upstream', upstreamMbps],
      ['downstream', downstreamMbps],
    ] as const) {
      if (typeof x !== 'number' || Number.isNaN(x) || x < 0) {
        throw errors.invalid(`${direction} capacity of trunk ${id} must be a non-negative number; got ${String(x)}`, {
          kind: 'trunk',
          trunk: id,
          direction,
        });
      }
    }
    checkTrunkLoad({ freeLabels: state.freeLabels, labelCount: Number.isNaN(this.g.labelCount[e]!) ? undefined : this.g.labelCount[e] }, 'state', id);
    if (state.freeLabels !== undefined) this.g.freeLabels[e] = state.freeLabels;
    updateCapacity(this.g, e, upstreamMbps, downstreamMbps);
    updateWeight(this.g, e);
  }

  /**
   * A graphology copy of the graph, for inspection, drawing or checking
   * against graphology's own algorithms. Node keys are `network:terminal`;
   * edge keys `trunk:<id>` and `chord:<network>:<from>:<to>`.
   */
  toGraphology(): MultiUndirectedGraph<PlanningNodeAttributes, PlanningEdgeAttributes> {
    const g = this.g;
    const out = new MultiUndirectedGraph<PlanningNodeAttributes, PlanningEdgeAttributes>();
    g.keys.forEach((k, v) => {
      out.addNode(k, { network: g.networks[v]!, terminal: g.terminals[v]!, piece: g.pieces[g.pieceOf[v]!]!.index });
    });
    for (let e = 0; e < g.edgeCount; e++) {
      const isTrunk = e < g.trunkCount;
      const c = isTrunk ? undefined : g.chordRefs[e - g.trunkCount]!;
      const edgeKey = isTrunk ? `trunk:${g.trunkIds[e]!}` : `chord:${c!.network}:${c!.from}:${c!.to}`;
      const attributes: PlanningEdgeAttributes = {
        kind: isTrunk ? 'trunk' : 'chord',
        cost: g.cost[e]!,
        upstreamMbps: g.capUV[e]!,
        downstreamMbps: g.capVU[e]!,
      };
      if (isTrunk) attributes.trunk = g.trunkIds[e]!;
      out.addEdgeWithKey(edgeKey, g.keys[g.edgeU[e]!]!, g.keys[g.edgeV[e]!]!, attributes);
    }
    return out;
  }
}
