import {
  checkLabel,
  checkMbps,
  type DirectionalMbps,
  errors,
  type LabelRange,
  type LabelRevocation,
  MAX_LABEL,
  MBPS_EPSILON,
  type TrunkInfo,
  type TrunkRecord,
  type TunnelInfo,
  type TunnelRecord,
} from '@dpb/model';

/** Most label pairs one range may define. */
export const MAX_RANGE_COUNT = 65536;

/** A tunnel as the trunk table holds it. */
export interface HeldTunnel extends TunnelRecord {
  service: number;
}

/**
 * One trunk's working state: its record (total capacity, cost, label ranges)
 * plus what tunnels hold. Remaining capacity is derived (total − held), never
 * a separate pool, so it can always be audited against the tunnels.
 */
export class TrunkState {
  /** start label → end label, for every defined pair. */
  private readonly startToEnd = new Map<number, number>();
  /** end label → start label. */
  private readonly endToStart = new Map<number, number>();
  /** start label → tunnel. */
  private readonly held = new Map<number, HeldTunnel>();
  private allocatedUp = 0;
  private allocatedDown = 0;
  /** Defined start labels in ascending order, built on first use and dropped when the ranges change. */
  private sortedStarts: number[] | undefined;

  constructor(public record: TrunkRecord) {
    for (const r of record.labelRanges) this.indexRange(r);
  }

  get id(): number {
    return this.record.id;
  }

  get labelCount(): number {
    return this.startToEnd.size;
  }

  get freeLabels(): number {
    return this.startToEnd.size - this.held.size;
  }

  get available(): DirectionalMbps {
    return {
      upstreamMbps: Math.max(0, this.record.upstreamMbps - this.allocatedUp),
      downstreamMbps: Math.max(0, this.record.downstreamMbps - this.allocatedDown),
    };
  }

  /** Usable for new tunnels: commissioned with a free label pair. */
  get usable(): boolean {
    return this.record.commissioned && this.freeLabels > 0;
  }

  info(): TrunkInfo {
    const r = this.record;
    return {
      id: r.id,
      start: { ...r.start },
      end: { ...r.end },
      cost: r.cost,
      commissioned: r.commissioned,
      capacity: { upstreamMbps: r.upstreamMbps, downstreamMbps: r.downstreamMbps },
      allocated: { upstreamMbps: round(this.allocatedUp), downstreamMbps: round(this.allocatedDown) },
      available: mapRound(this.available),
      labelRanges: r.labelRanges.map((x) => ({ ...x })),
      labelCount: this.labelCount,
      labelsInUse: this.held.size,
    };
  }

  tunnels(): TunnelInfo[] {
    return [...this.held.values()]
      .sort((a, b) => a.startLabel - b.startLabel)
      .map((t) => ({
        trunk: this.id,
        service: t.service,
        startLabel: t.startLabel,
        endLabel: t.endLabel,
        upstreamMbps: t.upstreamMbps,
        downstreamMbps: t.downstreamMbps,
      }));
  }

  /** The lowest free start label and its peer, or undefined. Deterministic. */
  lowestFreePair(): { startLabel: number; endLabel: number } | undefined {
    if (!this.sortedStarts) this.sortedStarts = [...this.startToEnd.keys()].sort((a, b) => a - b);
    for (const s of this.sortedStarts) {
      if (!this.held.has(s)) return { startLabel: s, endLabel: this.startToEnd.get(s) as number };
    }
    return undefined;
  }

  /** Records a tunnel. The caller has checked capacity; labels must be defined and free. */
  hold(t: HeldTunnel): void {
    if (this.startToEnd.get(t.startLabel) !== t.endLabel) {
      throw errors.internal(`trunk ${this.id} has no label pair ${t.startLabel}/${t.endLabel}`, undefined, {
        trunk: this.id,
        label: t.startLabel,
      });
    }
    if (this.held.has(t.startLabel)) {
      throw errors.busy(`label ${t.startLabel} of trunk ${this.id} is already held`, {
        kind: 'label',
        trunk: this.id,
        label: t.startLabel,
        service: this.held.get(t.startLabel)?.service,
      });
    }
    this.held.set(t.startLabel, t);
    this.allocatedUp += t.upstreamMbps;
    this.allocatedDown += t.downstreamMbps;
  }

  /** Gives a tunnel back; does nothing if it is not held by `service`. */
  free(startLabel: number, service: number): void {
    const t = this.held.get(startLabel);
    if (!t || t.service !== service) return;
    this.held.delete(startLabel);
    this.allocatedUp -= t.upstreamMbps;
    this.allocatedDown -= t.downstreamMbps;
    if (this.held.size === 0) {
      this.allocatedUp = 0;
      this.allocatedDown = 0;
    }
  }

  // ---- management: each returns the new record without changing this one ----

  withBandwidth(delta: DirectionalMbps, sign: 1 | -1): TrunkRecord {
    checkMbps(delta.upstreamMbps, 'upstreamMbps', { trunk: this.id });
    checkMbps(delta.downstreamMbps, 'downstreamMbps', { trunk: this.id });
    const up = this.record.upstreamMbps + sign * delta.upstreamMbps;
    const down = this.record.downstreamMbps + sign * delta.downstreamMbps;
    if (sign < 0) {
      const avail = this.available;
      if (delta.upstreamMbps > avail.upstreamMbps + MBPS_EPSILON) {
        throw errors.exhausted(
          `trunk ${this.id} has only ${round(avail.upstreamMbps)} Mbit/s upstream unallocated; cannot withdraw ${delta.upstreamMbps}`,
          { kind: 'trunk', trunk: this.id, direction: 'upstream', requestedMbps: delta.upstreamMbps, availableMbps: round(avail.upstreamMbps) },
        );
      }
      if (delta.downstreamMbps > avail.downstreamMbps + MBPS_EPSILON) {
        throw errors.exhausted(
          `trunk ${this.id} has only ${round(avail.downstreamMbps)} Mbit/s downstream unallocated; cannot withdraw ${delta.downstreamMbps}`,
          { kind: 'trunk', trunk: this.id, direction: 'downstream', requestedMbps: delta.downstreamMbps, availableMbps: round(avail.downstreamMbps) },
        );
      }
    } else {
      checkMbps(up, 'upstreamMbps', { trunk: this.id });
      checkMbps(down, 'downstreamMbps', { trunk: this.id });
    }
    return { ...this.record, upstreamMbps: round(Math.max(0, up)), downstreamMbps: round(Math.max(0, down)) };
  }

  withLabels(range: LabelRange): TrunkRecord {
    const r = checkRange(range, this.id);
    for (let i = 0; i < r.count; i++) {
      const s = r.startBase + i;
      const e = r.endBase + i;
      if (this.startToEnd.has(s) || this.endToStart.has(e)) {
        throw errors.busy(
          `label pair ${s}/${e} overlaps a pair already defined on trunk ${this.id}`,
          { kind: 'label', trunk: this.id, label: this.startToEnd.has(s) ? s : e, labels: { min: r.startBase, max: r.startBase + r.count - 1 } },
        );
      }
    }
    return { ...this.record, labelRanges: normaliseRanges([...this.record.labelRanges, r]) };
  }

  withoutLabels(rev: LabelRevocation): TrunkRecord {
    if (rev.side !== 'start' && rev.side !== 'end') {
      throw errors.invalid(`side must be "start" or "end"; got ${JSON.stringify(rev.side)}`, { field: 'side', trunk: this.id });
    }
    const base = checkLabel(rev.base, 'base', { trunk: this.id });
    const count = checkCount(rev.count, this.id);
    const removeStarts = new Set<number>();
    for (let i = 0; i < count; i++) {
      const l = base + i;
      const s = rev.side === 'start' ? (this.startToEnd.has(l) ? l : undefined) : this.endToStart.get(l);
      if (s === undefined) continue;
      const t = this.held.get(s);
      if (t) {
        throw errors.busy(`label ${l} (${rev.side} side) of trunk ${this.id} is held by service ${t.service}`, {
          kind: 'label',
          trunk: this.id,
          label: l,
          service: t.service,
        });
      }
      removeStarts.add(s);
    }
    const pairs = [...this.startToEnd.entries()].filter(([s]) => !removeStarts.has(s));
    return { ...this.record, labelRanges: rangesFromPairs(pairs) };
  }

  private indexRange(r: LabelRange): void {
    for (let i = 0; i < r.count; i++) {
      this.startToEnd.set(r.startBase + i, r.endBase + i);
      this.endToStart.set(r.endBase + i, r.startBase + i);
    }
    this.sortedStarts = undefined;
  }
}

function checkCount(x: unknown, trunk: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > MAX_RANGE_COUNT) {
    throw errors.invalid(`count must be an integer from 1 to ${MAX_RANGE_COUNT}; got ${JSON.stringify(x)}`, {
      field: 'count',
      trunk,
    });
  }
  return x;
}

/** Validates a label range (fixing DPB's overflow and sign defects, Q-6/Q-7). */
export function checkRange(range: LabelRange, trunk: number): LabelRange {
  if (typeof range !== 'object' || range === null) throw errors.invalid('a label range must be an object', { field: 'labels', trunk });
  const startBase = checkLabel(range.startBase, 'startBase', { trunk });
  const count = checkCount(range.count, trunk);
  const endBase = checkLabel(range.endBase ?? range.startBase, 'endBase', { trunk });
  if (startBase + count - 1 > MAX_LABEL || endBase + count - 1 > MAX_LABEL) {
    throw errors.invalid(`label range of ${count} from ${startBase}/${endBase} goes past ${MAX_LABEL}`, { field: 'count', trunk });
  }
  return { startBase, count, endBase };
}

/** Merges pairs into maximal ranges, sorted by start. */
export function rangesFromPairs(pairs: Iterable<[number, number]>): LabelRange[] {
  const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
  const out: LabelRange[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && last.startBase + last.count === s && last.endBase + last.count === e) last.count++;
    else out.push({ startBase: s, count: 1, endBase: e });
  }
  return out;
}

function normaliseRanges(ranges: LabelRange[]): LabelRange[] {
  const pairs: [number, number][] = [];
  for (const r of ranges) for (let i = 0; i < r.count; i++) pairs.push([r.startBase + i, r.endBase + i]);
  return rangesFromPairs(pairs);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function mapRound(d: DirectionalMbps): DirectionalMbps {
  return { upstreamMbps: round(d.upstreamMbps), downstreamMbps: round(d.downstreamMbps) };
}
