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
 *
 * Label pairs are kept as the record's ranges (sorted, looked up by binary
 * search), never expanded one by one, and only held labels take a map
 * entry: a trunk with 4,000 free pairs costs a few hundred bytes.
 */
export class TrunkState {
  /** The ranges in ascending order of start label. */
  private readonly byStart: readonly LabelRange[];
  /** The same ranges in ascending order of end label. */
  private readonly byEnd: readonly LabelRange[];
  private readonly pairCount: number;
  /** start label → tunnel. */
  private readonly held = new Map<number, HeldTunnel>();
  private allocatedUp = 0;
  private allocatedDown = 0;
  /** Every defined start label below this one is held (a search hint, lowered when a label is freed). */
  private scanFrom = 0;

  constructor(public record: TrunkRecord) {
    this.byStart = sortedRanges(record.labelRanges, (r) => r.startBase);
    this.byEnd = sortedRanges(record.labelRanges, (r) => r.endBase);
    let n = 0;
    for (const r of this.byStart) n += r.count;
    this.pairCount = n;
  }

  get id(): number {
    return this.record.id;
  }

  get labelCount(): number {
    return this.pairCount;
  }

  get freeLabels(): number {
    return this.pairCount - this.held.size;
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

  /** The end label paired with start label `s`, or undefined if `s` is not defined. */
  endOf(s: number): number | undefined {
    const r = find(this.byStart, s, (x) => x.startBase);
    return r ? r.endBase + (s - r.startBase) : undefined;
  }

  /** The start label paired with end label `e`, or undefined if `e` is not defined. */
  startOf(e: number): number | undefined {
    const r = find(this.byEnd, e, (x) => x.endBase);
    return r ? r.startBase + (e - r.endBase) : undefined;
  }

  /** The lowest free start label and its peer, or undefined. Deterministic. */
  lowestFreePair(): { startLabel: number; endLabel: number } | undefined {
    if (this.held.size >= this.pairCount) return undefined;
    const ranges = this.byStart;
    // the first range that ends above scanFrom
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = ranges[mid] as LabelRange;
      if (r.startBase + r.count <= this.scanFrom) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < ranges.length; i++) {
      const r = ranges[i] as LabelRange;
      for (let s = Math.max(r.startBase, this.scanFrom), last = r.startBase + r.count; s < last; s++) {
        if (!this.held.has(s)) {
          this.scanFrom = s;
          return { startLabel: s, endLabel: r.endBase + (s - r.startBase) };
        }
      }
    }
    return undefined;
  }

  /** Records a tunnel. The caller has checked capacity; labels must be defined and free. */
  hold(t: HeldTunnel): void {
    if (this.endOf(t.startLabel) !== t.endLabel) {
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
    // a fresh object of one fixed shape: callers build tunnels by spreading, which can leave each with a hidden class of its own
    this.held.set(t.startLabel, {
      trunkId: t.trunkId,
      startLabel: t.startLabel,
      endLabel: t.endLabel,
      upstreamMbps: t.upstreamMbps,
      downstreamMbps: t.downstreamMbps,
      service: t.service,
    });
    this.allocatedUp += t.upstreamMbps;
    this.allocatedDown += t.downstreamMbps;
  }

  /** Gives a tunnel back; does nothing if it is not held by `service`. */
  free(startLabel: number, service: number): void {
    const t = this.held.get(startLabel);
    if (!t || t.service !== service) return;
    this.held.delete(startLabel);
    if (startLabel < this.scanFrom) this.scanFrom = startLabel;
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
    const rEnd = r.endBase;
    // the first pair (in range order) whose start or end label is already defined
    let firstStart = Infinity;
    let firstEnd = Infinity;
    for (const x of this.byStart) {
      const xEnd = x.endBase;
      if (x.startBase < r.startBase + r.count && r.startBase < x.startBase + x.count) {
        firstStart = Math.min(firstStart, Math.max(x.startBase, r.startBase) - r.startBase);
      }
      if (xEnd < rEnd + r.count && rEnd < xEnd + x.count) firstEnd = Math.min(firstEnd, Math.max(xEnd, rEnd) - rEnd);
    }
    const i = Math.min(firstStart, firstEnd);
    if (i !== Infinity) {
      const s = r.startBase + i;
      const e = rEnd + i;
      throw errors.busy(`label pair ${s}/${e} overlaps a pair already defined on trunk ${this.id}`, {
        kind: 'label',
        trunk: this.id,
        label: firstStart === i ? s : e,
        labels: { min: r.startBase, max: r.startBase + r.count - 1 },
      });
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
      const s = rev.side === 'start' ? (this.endOf(l) !== undefined ? l : undefined) : this.startOf(l);
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
    const pairs: [number, number][] = [];
    for (const r of this.byStart) {
      const e0 = r.endBase;
      for (let i = 0; i < r.count; i++) if (!removeStarts.has(r.startBase + i)) pairs.push([r.startBase + i, e0 + i]);
    }
    return { ...this.record, labelRanges: rangesFromPairs(pairs) };
  }
}

/** The ranges (non-empty ones) sorted by `key`. */
function sortedRanges(ranges: readonly LabelRange[], key: (r: LabelRange) => number): LabelRange[] {
  return ranges.filter((r) => r.count > 0).sort((a, b) => key(a) - key(b));
}

/** The range of `sorted` (ascending by `key`) that contains label `x`, by binary search. */
function find(sorted: readonly LabelRange[], x: number, key: (r: LabelRange) => number): LabelRange | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = sorted[mid] as LabelRange;
    const k = key(r);
    if (x < k) hi = mid - 1;
    else if (x >= k + r.count) lo = mid + 1;
    else return r;
  }
  return undefined;
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
