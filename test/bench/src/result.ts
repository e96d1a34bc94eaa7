import type { Bin, Summary } from './stats';
import { summarize } from './stats';

/** One measured figure of a scenario, with its summary over samples (or over runs for counts and rates). */
export interface Figure {
  /** Short name, e.g. `define`, `plan`, `admitted before first rejection`. */
  name: string;
  unit: string;
  summary: Summary;
  /** The original DPB's figure for the same thing (its median), when known. */
  original?: number;
  /**
   * How many times better than the original: original / median for times,
   * median / original for counts and rates.
   */
  ratio?: number;
  /** The target from issue 7 and whether the median (or p99) meets it. */
  target?: { text: string; met: boolean };
}

export interface ScenarioResult {
  name: string;
  title: string;
  params: Record<string, unknown>;
  figures: Figure[];
  /** Latency bins by services already in place, per figure name. */
  bins?: Record<string, Bin[]>;
  /** Per-run raw outcomes that matter (admitted counts, first rejections...). */
  runs?: unknown[];
  notes?: string[];
  /** Average number of cores busy with other processes' work while it ran (contention; > 0.1: re-run quietly). */
  otherCores: number;
  wallS: number;
}

/** A time figure (lower is better). */
export function timeFigure(name: string, samples: ArrayLike<number>, extra: { original?: number; target?: Figure['target'] } = {}): Figure {
  const summary = summarize(samples);
  const f: Figure = { name, unit: 'ms', summary };
  if (extra.original !== undefined) {
    f.original = extra.original;
    f.ratio = extra.original / summary.median;
  }
  if (extra.target) f.target = extra.target;
  return f;
}

/** A count or rate figure (higher is better), summarised over runs. */
export function countFigure(name: string, unit: string, values: ArrayLike<number>, extra: { original?: number; target?: Figure['target'] } = {}): Figure {
  const summary = summarize(values);
  const f: Figure = { name, unit, summary };
  if (extra.original !== undefined) {
    f.original = extra.original;
    f.ratio = summary.median / extra.original;
  }
  if (extra.target) f.target = extra.target;
  return f;
}
