import * as fs from 'node:fs';
import * as path from 'node:path';
import { contendedCores, type MachineInfo } from './machine';
import type { Figure, ScenarioResult } from './result';
import { ORIGINAL, SHARED_SCENARIOS } from './replay-scenario';
import { barChart, lineChart, PALETTE, type Series } from './svg';

/** Rounds for display: 3 significant decimals for small values, fewer for large. */
export function num(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return String(Math.round(x));
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function ratioText(f: Figure): string {
  return f.ratio === undefined || !Number.isFinite(f.ratio) ? '' : `${f.ratio.toFixed(2)}x`;
}

function targetText(f: Figure): string {
  return f.target ? `${f.target.met ? 'met' : 'MISSED'}: ${f.target.text}` : '';
}

export interface Row {
  scenario: string;
  figure: string;
  median: string;
  p95: string;
  p99: string;
  n: string;
  unit: string;
  original: string;
  ratio: string;
  target: string;
}

export function rows(results: readonly ScenarioResult[]): Row[] {
  return results.flatMap((r) =>
    r.figures.map((f) => ({
      scenario: r.name,
      figure: f.name,
      median: num(f.summary.median),
      p95: num(f.summary.p95),
      p99: num(f.summary.p99),
      n: String(f.summary.n),
      unit: f.unit,
      original: num(f.original),
      ratio: ratioText(f),
      target: targetText(f),
    })),
  );
}

/** A plain-text table (stdout). */
export function textTable(results: readonly ScenarioResult[]): string {
  const data = rows(results);
  const cols: (keyof Row)[] = ['scenario', 'figure', 'median', 'p95', 'p99', 'n', 'unit', 'original', 'ratio', 'target'];
  const numeric = new Set<keyof Row>(['median', 'p95', 'p99', 'n', 'original', 'ratio']);
  const width = cols.map((c) => Math.max(c.length, ...data.map((d) => d[c].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (numeric.has(cols[i]!) ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ').trimEnd();
  const out = [line(cols), line(width.map((w) => '-'.repeat(w)))];
  let last = '';
  for (const d of data) {
    out.push(line(cols.map((c) => (c === 'scenario' && d.scenario === last ? '' : d[c]))));
    last = d.scenario;
  }
  return out.join('\n');
}

/** The same table in Markdown. */
export function markdownTable(results: readonly ScenarioResult[], columns: (keyof Row)[] = ['figure', 'median', 'p95', 'p99', 'n', 'unit', 'original', 'ratio', 'target']): string {
  const data = rows(results);
  const out = [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  for (const d of data) out.push(`| ${columns.map((c) => d[c].replace(/\|/g, '\\|')).join(' | ')} |`);
  return out.join('\n');
}

/** Figure `name` of scenario `scenario`, if measured. */
function figure(results: readonly ScenarioResult[], scenario: string, name: string): Figure | undefined {
  return results.find((r) => r.name === scenario)?.figures.find((f) => f.name === name || f.name.startsWith(name));
}

/** Latency against services already in place, one line per shared scenario, with the original's medians as references. */
export function latencyPlot(results: readonly ScenarioResult[], which: 'until ACTIVE' | 'define' | 'plan'): string | undefined {
  const series: Series[] = [];
  for (const name of SHARED_SCENARIOS) {
    const r = results.find((x) => x.name === name);
    const bins = r?.bins?.[which];
    if (!bins) continue;
    series.push({ label: `${name} (dpb)`, points: bins.filter((b) => b.summary.n >= 5).map((b) => [b.from + (b.to - b.from) / 2, b.summary.median]) });
  }
  if (series.length === 0) return undefined;
  // The original's median in the colour of the same scenario's line (svg.ts PALETTE order).
  const references = SHARED_SCENARIOS.filter((n) => results.some((x) => x.name === n && x.bins?.[which])).map((n, i) => ({
    label: `${n}, original ${which === 'plan' ? 'plan' : 'define'} p50`,
    y: which === 'plan' ? ORIGINAL[n]!.planP50 : ORIGINAL[n]!.defineP50,
    color: PALETTE[i % PALETTE.length]!,
  }));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).sort((a, b) => a - b);
  const p98 = ys[Math.floor(ys.length * 0.98)] ?? 1;
  return lineChart({
    title: `${which === 'until ACTIVE' ? 'define until ACTIVE' : which} vs services in place (median per 50)`,
    xLabel: 'services already in place',
    yLabel: 'milliseconds',
    series,
    references,
    yMax: Math.max(p98 * 1.3, ...references.map((x) => x.y)) * 1.05,
  });
}

/** Admitted services: the original, dpb before the first rejection, dpb keep-going. */
export function admissionPlot(results: readonly ScenarioResult[]): string | undefined {
  const groups = SHARED_SCENARIOS.filter((n) => results.some((r) => r.name === n));
  if (groups.length === 0) return undefined;
  const dpb = groups.map((n) => figure(results, n, 'admitted before first rejection')?.summary.median ?? NaN);
  const keep = groups.map((n) => figure(results, n, 'admitted of ')?.summary.median ?? NaN);
  const bound = groups.map((n) => figure(results, n, 'upper bound from bridges')?.summary.median ?? NaN);
  return barChart({
    title: 'services admitted: the original DPB and dpb',
    yLabel: 'services',
    groups,
    bars: [
      { label: 'original, before 1st rejection', values: groups.map((n) => ORIGINAL[n]!.admitted) },
      { label: 'dpb, before 1st rejection', values: dpb },
      { label: 'dpb, keep going (total)', values: keep },
      { label: 'most any planner can admit (bridges)', values: bound },
    ],
  });
}

export interface ResultsFile {
  suite: string;
  machine: MachineInfo;
  argv: string[];
  quick: boolean;
  results: ScenarioResult[];
}

/** Writes `<dir>/<name>-<date>.json` and the plots beside it; returns the paths written. */
export function writeResults(dir: string, file: ResultsFile): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = file.machine.startedAt.replace(/[:.]/g, '-');
  const base = path.join(dir, `${file.suite}-${stamp}`);
  const written = [`${base}.json`];
  fs.writeFileSync(`${base}.json`, JSON.stringify(file, null, 1) + '\n');
  for (const [suffix, svg] of plots(file.results)) {
    fs.writeFileSync(`${base}-${suffix}.svg`, svg);
    written.push(`${base}-${suffix}.svg`);
  }
  return written;
}

export function plots(results: readonly ScenarioResult[]): [string, string][] {
  const out: [string, string][] = [];
  const a = latencyPlot(results, 'until ACTIVE');
  if (a) out.push(['latency-until-active', a]);
  const d = latencyPlot(results, 'define');
  if (d) out.push(['latency-define', d]);
  const p = latencyPlot(results, 'plan');
  if (p) out.push(['latency-plan', p]);
  const b = admissionPlot(results);
  if (b) out.push(['admission', b]);
  return out;
}

/** Scenarios measured while other work used the machine. */
export function contendedScenarios(results: readonly ScenarioResult[]): ScenarioResult[] {
  return results.filter((r) => r.otherCores > contendedCores);
}

/** Median (p99) define-until-ACTIVE and plan times by services in place, for replays (stdout). */
export function binTable(results: readonly ScenarioResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const a = r.bins?.['until ACTIVE (coarse)'];
    const p = r.bins?.['plan (coarse)'];
    if (!a || !p) continue;
    out.push(`${r.name}: by services in place    until ACTIVE p50 (p99) ms    plan p50 (p99) ms    n`);
    for (const b of a) {
      const q = p.find((x) => x.from === b.from);
      const range = `${b.from}-${b.to}`.padStart(22);
      out.push(`${range}    ${`${num(b.summary.median)} (${num(b.summary.p99)})`.padStart(22)}    ${`${num(q?.summary.median)} (${num(q?.summary.p99)})`.padStart(17)}    ${b.summary.n}`);
    }
  }
  return out.join('\n');
}
