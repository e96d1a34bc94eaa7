/**
 * Summary statistics of benchmark samples. Percentiles use the nearest-rank
 * method (the smallest sample with at least p% of the samples at or below
 * it), so every reported figure is a measured sample, never an interpolation.
 */

/** Summary of a set of samples (milliseconds, Mbit/s, cycles per second...). */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** The nearest-rank p-th percentile (0 < p <= 100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))]!;
}

/** Summarises samples (any order); NaN figures when there are none. */
export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples as ArrayLike<number>).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    n,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: n === 0 ? NaN : sum / n,
    min: n === 0 ? NaN : sorted[0]!,
    max: n === 0 ? NaN : sorted[n - 1]!,
  };
}

/** One bin of samples keyed by a count (for instance services already in place). */
export interface Bin {
  /** Inclusive lower bound of the key. */
  from: number;
  /** Exclusive upper bound of the key. */
  to: number;
  summary: Summary;
}

/**
 * Groups samples by key into bins [0, width), [width, 2·width), ... and
 * summarises each non-empty bin, in key order.
 *
 * @param keys key of each sample (e.g. number of services in place when it was taken)
 * @param values the samples, parallel to `keys`
 */
export function binByKey(keys: ArrayLike<number>, values: ArrayLike<number>, width: number): Bin[] {
  if (keys.length !== values.length) throw new Error(`binByKey: ${keys.length} keys for ${values.length} values`);
  if (!(width > 0)) throw new Error(`binByKey: bin width must be positive, got ${width}`);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const b = Math.floor(keys[i]! / width);
    const g = groups.get(b);
    if (g) g.push(values[i]!);
    else groups.set(b, [values[i]!]);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((b) => ({ from: b * width, to: (b + 1) * width, summary: summarize(groups.get(b)!) }));
}

/**
 * How flat a latency curve is: the largest bin median divided by the smallest,
 * over bins with at least `minSamples` samples (1 = perfectly flat).
 */
export function flatness(bins: readonly Bin[], minSamples = 20): number {
  const medians = bins.filter((b) => b.summary.n >= minSamples).map((b) => b.summary.median);
  if (medians.length === 0) return NaN;
  return Math.max(...medians) / Math.min(...medians);
}

/** Summaries of the samples whose key falls in [edges[i], edges[i+1]), for a compact table; empty bins are left out. */
export function coarseBins(keys: ArrayLike<number>, values: ArrayLike<number>, edges: readonly number[]): Bin[] {
  const out: Bin[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const from = edges[i]!;
    const to = edges[i + 1]!;
    const xs: number[] = [];
    for (let j = 0; j < keys.length; j++) if (keys[j]! >= from && keys[j]! < to) xs.push(values[j]!);
    if (xs.length > 0) out.push({ from, to, summary: summarize(xs) });
  }
  return out;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), for generators and sampling. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
