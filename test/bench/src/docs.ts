import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './context';
import { contendedCores, describeMachine } from './machine';
import { markdownTable, num, plots, type ResultsFile } from './report';
import { ORIGINAL, SHARED_SCENARIOS } from './replay-scenario';
import type { Figure, ScenarioResult } from './result';

/**
 * Generated parts of docs/benchmarks.md. Each lives between
 * `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->`; a run rewrites
 * only the parts whose scenarios it measured, and the plots in
 * docs/benchmarks/. Everything outside the markers is left alone.
 */

export const DOC = path.join(REPO, 'docs/benchmarks.md');
const PLOT_DIR = path.join(REPO, 'docs/benchmarks');

const GROUPS: Record<string, string[]> = {
  'shared-detail': SHARED_SCENARIOS,
  scale: ['ba-5000-planning', 'ba-1000-replay', 'hierarchy'],
  persistence: ['paper-54-sqlite', 'sqlite-cycles', 'memory-cycles', 'rest'],
  memory: ['memory'],
};

function fig(r: ScenarioResult | undefined, name: string): Figure | undefined {
  return r?.figures.find((f) => f.name === name || f.name.startsWith(name));
}

function ratio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '' : `${x.toFixed(1)}x`;
}

/** The original's figures beside ours, with the ratio (times faster; admitted: ours / original). */
export function comparisonTable(results: readonly ScenarioResult[]): string | undefined {
  const rows = SHARED_SCENARIOS.map((n) => results.find((r) => r.name === n)).filter((r): r is ScenarioResult => r !== undefined);
  if (rows.length === 0) return undefined;
  const out = [
    '| scenario | define p50, original | define p50, dpb | faster | define p99, dpb | plan p50, original | plan p50, dpb | faster | plan p99, original | plan p99, dpb | faster | admitted, original | admitted, dpb | ratio | bound (bridges) | keep going, dpb |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const o = ORIGINAL[r.name]!;
    const define = fig(r, 'define')!.summary;
    const plan = fig(r, 'plan')!.summary;
    const admitted = fig(r, 'admitted before first rejection')!.summary.median;
    const keep = fig(r, 'admitted of ');
    const bound = fig(r, 'upper bound from bridges');
    out.push(
      `| ${r.name} | ${num(o.defineP50)} | ${num(define.median)} | ${ratio(o.defineP50 / define.median)} | ${num(define.p99)} | ${num(o.planP50)} | ${num(plan.median)} | ${ratio(o.planP50 / plan.median)} | ${num(o.planP99)} | ${num(plan.p99)} | ${ratio(o.planP99 / plan.p99)} | ${o.admitted} | ${admitted} | ${(admitted / o.admitted).toFixed(2)} | ${bound ? bound.summary.median : ''} | ${keep ? `${keep.summary.median} of ${keep.name.replace(/^admitted of (\d+).*/, '$1')}` : ''} |`,
    );
  }
  return out.join('\n');
}

function scenarioTables(results: readonly ScenarioResult[], names: readonly string[]): string | undefined {
  const chosen = names.map((n) => results.find((r) => r.name === n)).filter((r): r is ScenarioResult => r !== undefined);
  if (chosen.length === 0) return undefined;
  return chosen
    .map((r) => {
      const params = Object.entries(r.params)
        .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(', ');
      const contention = r.otherCores > contendedCores ? ` **Measured under contention** (other processes used ${r.otherCores} cores on average): re-run quietly.` : '';
      const notes = (r.notes ?? []).map((n) => `\n\n${n}`).join('');
      return `#### ${r.name}: ${r.title}\n\n${params}.${contention}${notes}\n\n${markdownTable([r])}`;
    })
    .join('\n\n');
}

function targetsTable(results: readonly ScenarioResult[]): string | undefined {
  const rows = results.flatMap((r) => r.figures.filter((f) => f.target).map((f) => ({ r, f })));
  if (rows.length === 0) return undefined;
  const out = ['| scenario | figure | target | measured (median / p99) | |', '|---|---|---|---|---|'];
  for (const { r, f } of rows) {
    out.push(`| ${r.name} | ${f.name} | ${f.target!.text} | ${num(f.summary.median)} / ${num(f.summary.p99)} ${f.unit} | ${f.target!.met ? 'met' : '**missed**'} |`);
  }
  return out.join('\n');
}

/** Section name → generated Markdown, for the sections this run has data for. */
export function sections(file: ResultsFile): Map<string, string> {
  const out = new Map<string, string>();
  const m = file.machine;
  const contended = file.results.filter((r) => r.otherCores > contendedCores);
  out.set(
    'machine',
    [
      `Last generated ${m.finishedAt ?? m.startedAt} by \`npm run bench -- ${file.argv.join(' ')}\`${file.quick ? ' (**--quick: smoke figures, not for publication**)' : ''}.`,
      '',
      `- machine: ${describeMachine(m)}`,
      `- scenarios measured under contention (other processes used more than ${contendedCores} core on average): ${contended.length === 0 ? 'none' : contended.map((r) => `${r.name} (${r.otherCores})`).join(', ')}`,
    ].join('\n'),
  );
  const cmp = comparisonTable(file.results);
  if (cmp) out.set('original', cmp);
  for (const [name, names] of Object.entries(GROUPS)) {
    const t = scenarioTables(file.results, names);
    if (t) out.set(name, t);
  }
  const targets = targetsTable(file.results);
  if (targets) out.set('targets', targets);
  return out;
}

/** Replaces the marked sections of `doc` that `generated` has; returns the new text. */
export function replaceSections(doc: string, generated: ReadonlyMap<string, string>): string {
  let text = doc;
  for (const [name, body] of generated) {
    const begin = `<!-- bench:${name}:begin -->`;
    const end = `<!-- bench:${name}:end -->`;
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i < 0 || j < i) continue;
    text = `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`;
  }
  return text;
}

/** Rewrites the generated sections of docs/benchmarks.md and its plots; returns the document's path. */
export function updateDocs(file: ResultsFile): string {
  const doc = fs.readFileSync(DOC, 'utf8');
  fs.writeFileSync(DOC, replaceSections(doc, sections(file)));
  fs.mkdirSync(PLOT_DIR, { recursive: true });
  for (const [name, svg] of plots(file.results)) fs.writeFileSync(path.join(PLOT_DIR, `${name}.svg`), svg);
  return DOC;
}
