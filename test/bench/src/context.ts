import * as path from 'node:path';

/** What every scenario gets from the harness. */
export interface BenchContext {
  /** Fewer runs and smaller sizes (CI smoke; figures not for publication). */
  quick: boolean;
  /** Overrides of the number of measured runs and discarded warm-up runs. */
  runs?: number;
  warmups?: number;
  /** Progress messages (stderr). */
  log(message: string): void;
}

/** The repository root (test/bench/src → ../../..). */
export const REPO = path.resolve(__dirname, '../../..');

/** The scenario files of the original experiment, copied from ../shared/bench. */
export const SCENARIO_DIR = path.resolve(__dirname, '../scenarios');

export function runsOf(ctx: BenchContext, full: number, quick: number): { runs: number; warmups: number } {
  return {
    runs: ctx.runs ?? (ctx.quick ? quick : full),
    warmups: ctx.warmups ?? (ctx.quick ? 1 : 2),
  };
}
