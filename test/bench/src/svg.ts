/**
 * Small hand-written SVG charts (no dependencies): a line chart of series
 * over x, and a grouped bar chart. Plain SVG 1.1, readable in any browser
 * and on GitHub.
 */

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return `${Math.round(x / 100) / 10}k`.replace('.0k', 'k');
  if (a >= 10) return String(Math.round(x));
  if (a >= 1) return String(Math.round(x * 10) / 10);
  return String(Math.round(x * 100) / 100);
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export interface Series {
  label: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines (e.g. the original's median). */
  references?: { label: string; y: number; color?: string }[];
  /** Upper bound of the y axis (default: the data's maximum). */
  yMax?: number;
  width?: number;
  height?: number;
}

export function lineChart(c: LineChart): string {
  const W = c.width ?? 860;
  const H = c.height ?? 420;
  const m = { l: 64, r: 270, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...c.series.flatMap((s) => s.points.map((p) => p[1])), ...(c.references ?? []).map((r) => r.y)];
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(1, ...xs);
  const y1 = c.yMax ?? Math.max(1e-9, ...ys) * 1.05;
  const X = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * pw;
  const Y = (y: number): number => m.t + ph - (Math.min(y, y1) / y1) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`);
  for (const t of ticks(0, y1)) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1, 6)) {
    out.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${X(t)}" y="${m.t + ph + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  let legend = m.t + 4;
  const legendItem = (label: string, color: string, dashed: boolean): void => {
    out.push(`<line x1="${m.l + pw + 12}" x2="${m.l + pw + 36}" y1="${legend}" y2="${legend}" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${m.l + pw + 42}" y="${legend + 4}">${esc(label)}</text>`);
    legend += 18;
  };
  c.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)} ${Y(p[1]).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    legendItem(s.label, color, s.dashed ?? false);
  });
  for (const r of c.references ?? []) {
    const color = r.color ?? '#777';
    out.push(`<!-- reference ${esc(r.label)} -->`);
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(r.y)}" y2="${Y(r.y)}" stroke="${color}" stroke-dasharray="3 3"/>`);
    legendItem(r.label, color, true);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface BarChart {
  title: string;
  yLabel: string;
  groups: string[];
  /** One value per group for each bar series. */
  bars: { label: string; values: number[] }[];
  width?: number;
  height?: number;
}

export function barChart(c: BarChart): string {
  const W = c.width ?? 900;
  const H = c.height ?? 400;
  const m = { l: 64, r: 230, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const y1 = Math.max(1, ...c.bars.flatMap((b) => b.values.filter(Number.isFinite))) * 1.1;
  const Y = (y: number): number => m.t + ph - (y / y1) * ph;
  const gw = pw / c.groups.length;
  const bw = (gw * 0.8) / c.bars.length;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`);
  for (const t of ticks(0, y1)) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  c.groups.forEach((g, gi) => {
    const gx = m.l + gi * gw + gw * 0.1;
    c.bars.forEach((b, bi) => {
      const v = b.values[gi]!;
      if (!Number.isFinite(v)) return;
      const x = gx + bi * bw;
      out.push(`<rect x="${x.toFixed(1)}" y="${Y(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(m.t + ph - Y(v)).toFixed(1)}" fill="${PALETTE[bi % PALETTE.length]}"/>`);
      out.push(`<text x="${(x + bw / 2 - 1).toFixed(1)}" y="${(Y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${Number.isInteger(v) ? v : fmt(v)}</text>`);
    });
    out.push(`<text x="${m.l + gi * gw + gw / 2}" y="${m.t + ph + 18}" text-anchor="middle">${esc(g)}</text>`);
  });
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  c.bars.forEach((b, bi) => {
    const y = m.t + 4 + bi * 18;
    out.push(`<rect x="${m.l + pw + 12}" y="${y - 6}" width="14" height="12" fill="${PALETTE[bi % PALETTE.length]}"/>`);
    out.push(`<text x="${m.l + pw + 32}" y="${y + 4}">${esc(b.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
