import type { CircuitFlow, ErrorRecord, LabelRange, TerminalRef } from '@dpb/model';
import { formatLabelRange } from '@dpb/protocol';
import { formatDetails } from './errors';
import {
  type ChordJson,
  isAggregatorTerminal,
  isSwitchTerminal,
  type ModelJson,
  type NetworkJson,
  type ServiceEventJson,
  type ServiceJson,
  type TerminalJson,
  type TrunkJson,
} from './wire';

/** A table column: its header and alignment (numbers are right-aligned). */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/**
 * Renders rows as an aligned table: a header line, then one line per row,
 * columns two spaces apart, no trailing blanks. Returns the lines joined
 * with newlines (no final newline).
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const w = widths[i] as number;
        if (c.align === 'right') return cell.padStart(w);
        return i === columns.length - 1 ? cell : cell.padEnd(w);
      })
      .join('  ')
      .replace(/\s+$/, '');
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** Renders `key  value` lines with the keys aligned. */
export function renderPairs(pairs: readonly (readonly [string, string])[]): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v}`.replace(/\s+$/, '')).join('\n');
}

/** A bandwidth for people: `unlimited` for null (or Infinity), else the number of Mbit/s to 1 kbit/s. */
export function formatMbps(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'unlimited';
  return String(Math.round(v * 1000) / 1000);
}

/** A bandwidth with its unit: `100 Mbit/s` or `unlimited`. */
export function formatMbpsUnit(v: number | null | undefined): string {
  const s = formatMbps(v);
  return s === 'unlimited' ? s : `${s} Mbit/s`;
}

/** Epoch ms as UTC ISO time, to the second (or ms). */
export function formatTime(at: number, ms = false): string {
  const iso = new Date(at).toISOString();
  return ms ? iso : iso.replace(/\.[0-9]{3}Z$/, 'Z');
}

export function formatRef(r: TerminalRef): string {
  return `${r.network}:${r.terminal}`;
}

export function formatLabelRanges(ranges: readonly LabelRange[]): string {
  return ranges.length ? ranges.map(formatLabelRange).join(',') : '-';
}

function cost(c: number): string {
  return String(Math.round(c * 1000) / 1000);
}

// ---- networks

export function renderNetworks(list: readonly NetworkJson[]): string {
  if (list.length === 0) return 'no networks';
  return renderTable(
    [{ header: 'NAME' }, { header: 'KIND' }, { header: 'TERMINALS', align: 'right' }, { header: 'SERVICES', align: 'right' }, { header: 'TRUNKS', align: 'right' }],
    list.map((n) => [n.name, n.kind, String(n.terminals), String(n.services), n.trunks === undefined ? '-' : String(n.trunks)]),
  );
}

export function renderNetwork(n: NetworkJson): string {
  const pairs: [string, string][] = [
    ['network', n.name],
    ['kind', n.kind],
    ['terminals', `${n.terminals}${n.terminalNames?.length ? `: ${n.terminalNames.join(', ')}` : ''}`],
    ['services', String(n.services)],
  ];
  if (n.trunks !== undefined) pairs.push(['trunks', String(n.trunks)]);
  return renderPairs(pairs);
}

export function renderModel(m: ModelJson): string {
  const head = `network ${m.network}: ${m.terminals.length} terminals (${m.terminals.join(', ') || 'none'})`;
  if (m.chords.length === 0) return `${head}\nno terminal pairs can be connected`;
  return `${head}\n${renderTable(
    [
      { header: 'FROM' },
      { header: 'TO' },
      { header: 'COST', align: 'right' },
      { header: 'FROM->TO (Mbit/s)', align: 'right' },
      { header: 'TO->FROM (Mbit/s)', align: 'right' },
    ],
    m.chords.map((c: ChordJson) => [c.from, c.to, cost(c.cost), formatMbps(c.upstreamMbps), formatMbps(c.downstreamMbps)]),
  )}`;
}

// ---- terminals

function labelsOf(t: { labels: { min: number; max: number } }): string {
  return t.labels.min === t.labels.max ? String(t.labels.min) : `${t.labels.min}-${t.labels.max}`;
}

export function renderTerminals(network: string, list: readonly TerminalJson[]): string {
  if (list.length === 0) return `no terminals on network ${network}`;
  if (list.every(isSwitchTerminal)) {
    return renderTable(
      [
        { header: 'NAME' },
        { header: 'INTERFACE' },
        { header: 'LABELS' },
        { header: 'QUOTA IN (Mbit/s)', align: 'right' },
        { header: 'USED IN (Mbit/s)', align: 'right' },
        { header: 'QUOTA OUT (Mbit/s)', align: 'right' },
        { header: 'USED OUT (Mbit/s)', align: 'right' },
        { header: 'CIRCUITS', align: 'right' },
      ],
      list.map((t) => [
        t.name,
        t.interface,
        labelsOf(t),
        formatMbps(t.ingressQuotaMbps),
        formatMbps(t.ingressUsedMbps),
        formatMbps(t.egressQuotaMbps),
        formatMbps(t.egressUsedMbps),
        String(t.circuitsInUse),
      ]),
    );
  }
  if (list.every(isAggregatorTerminal)) {
    return renderTable([{ header: 'NAME' }, { header: 'INFERIOR' }], list.map((t) => [t.name, formatRef(t.inferior)]));
  }
  return renderTable([{ header: 'NAME' }], list.map((t) => [t.name]));
}

export function renderTerminal(network: string, t: TerminalJson): string {
  const pairs: [string, string][] = [['terminal', `${network}:${t.name}`]];
  if (isSwitchTerminal(t)) {
    pairs.push(
      ['interface', t.interface],
      ['labels', labelsOf(t)],
      ['ingress quota', formatMbpsUnit(t.ingressQuotaMbps)],
      ['ingress used', formatMbpsUnit(t.ingressUsedMbps)],
      ['egress quota', formatMbpsUnit(t.egressQuotaMbps)],
      ['egress used', formatMbpsUnit(t.egressUsedMbps)],
      ['circuits in use', String(t.circuitsInUse)],
    );
  } else if (isAggregatorTerminal(t)) {
    pairs.push(['inferior', formatRef(t.inferior)]);
  }
  return renderPairs(pairs);
}

// ---- trunks

function upDown(d: { upstreamMbps: number; downstreamMbps: number }): string {
  return `${formatMbps(d.upstreamMbps)}/${formatMbps(d.downstreamMbps)}`;
}

export function renderTrunks(network: string, list: readonly TrunkJson[]): string {
  if (list.length === 0) return `no trunks on network ${network}`;
  return renderTable(
    [
      { header: 'ID', align: 'right' },
      { header: 'START' },
      { header: 'END' },
      { header: 'COST', align: 'right' },
      { header: 'STATE' },
      { header: 'CAPACITY UP/DOWN (Mbit/s)', align: 'right' },
      { header: 'AVAILABLE UP/DOWN (Mbit/s)', align: 'right' },
      { header: 'LABELS' },
      { header: 'LABELS IN USE', align: 'right' },
    ],
    list.map((t) => [
      String(t.id),
      formatRef(t.start),
      formatRef(t.end),
      cost(t.cost),
      t.commissioned ? 'commissioned' : 'decommissioned',
      upDown(t.capacity),
      upDown(t.available),
      formatLabelRanges(t.labelRanges),
      `${t.labelsInUse}/${t.labelCount}`,
    ]),
  );
}

export function renderTrunk(network: string, t: TrunkJson): string {
  return renderPairs([
    ['trunk', `${t.id} on network ${network}`],
    ['start', formatRef(t.start)],
    ['end', formatRef(t.end)],
    ['cost', cost(t.cost)],
    ['state', t.commissioned ? 'commissioned' : 'decommissioned (no new services)'],
    ['capacity', `up ${formatMbpsUnit(t.capacity.upstreamMbps)}, down ${formatMbpsUnit(t.capacity.downstreamMbps)} (up = start->end)`],
    ['allocated', `up ${formatMbpsUnit(t.allocated.upstreamMbps)}, down ${formatMbpsUnit(t.allocated.downstreamMbps)}`],
    ['available', `up ${formatMbpsUnit(t.available.upstreamMbps)}, down ${formatMbpsUnit(t.available.downstreamMbps)}`],
    ['labels', `${formatLabelRanges(t.labelRanges)} (start[:end base]; ${t.labelCount} pairs, ${t.labelsInUse} in use)`],
  ]);
}

// ---- services

/** `service 3 (demo-1)`. */
export function serviceName(s: { id: number; handle: string | null }): string {
  return s.handle === null ? `service ${s.id}` : `service ${s.id} (${s.handle})`;
}

/** `service 3 (demo-1) on wan: ACTIVATING (intent ACTIVE)`. */
export function serviceLine(s: ServiceJson): string {
  return `${serviceName(s)} on ${s.network}: ${s.status} (intent ${s.intent})`;
}

function circuitsText(c: readonly CircuitFlow[] | undefined): string {
  return c && c.length ? c.map((x) => `${x.terminal}:${x.label}`).join(', ') : '-';
}

export function renderServices(network: string, list: readonly ServiceJson[]): string {
  if (list.length === 0) return `no services on network ${network}`;
  return renderTable(
    [{ header: 'ID', align: 'right' }, { header: 'HANDLE' }, { header: 'STATUS' }, { header: 'INTENT' }, { header: 'CIRCUITS' }],
    list.map((s) => [String(s.id), s.handle ?? '-', s.status, s.intent, circuitsText(s.request?.circuits)]),
  );
}

function errorLine(e: ErrorRecord): string {
  return `${formatTime(e.at)}  ${e.code}: ${e.message}${formatDetails(e.details)}`;
}

export function renderService(s: ServiceJson): string {
  const parts: string[] = [];
  parts.push(
    renderPairs([
      ['service', `${s.id}${s.handle === null ? '' : ` (handle ${s.handle})`} on network ${s.network}`],
      ['status', s.status],
      ['intent', s.intent],
      ['created', formatTime(s.createdAt)],
    ]),
  );
  if (s.request && s.request.circuits.length) {
    parts.push(
      renderTable(
        [{ header: 'CIRCUIT' }, { header: 'INGRESS (Mbit/s)', align: 'right' }, { header: 'EGRESS (Mbit/s)', align: 'right' }],
        s.request.circuits.map((c) => [`${c.terminal}:${c.label}`, formatMbps(c.ingressMbps), formatMbps(c.egressMbps)]),
      ),
    );
  } else parts.push('not defined: no circuits');
  const r = s.realisation;
  if (r && r.tunnels.length) {
    parts.push(
      `tunnels:\n${renderTable(
        [
          { header: 'TRUNK', align: 'right' },
          { header: 'START' },
          { header: 'LABEL', align: 'right' },
          { header: 'END' },
          { header: 'LABEL', align: 'right' },
          { header: 'UP (Mbit/s)', align: 'right' },
          { header: 'DOWN (Mbit/s)', align: 'right' },
        ],
        r.tunnels.map((t) => [
          String(t.trunk),
          formatRef(t.start),
          String(t.startLabel),
          formatRef(t.end),
          String(t.endLabel),
          formatMbps(t.upstreamMbps),
          formatMbps(t.downstreamMbps),
        ]),
      )}`,
    );
  }
  if (r && r.subservices.length) {
    parts.push(
      `subservices:\n${renderTable(
        [{ header: 'NETWORK' }, { header: 'ID', align: 'right' }, { header: 'STATUS' }, { header: 'CIRCUITS' }],
        r.subservices.map((x) => [x.network, x.id === null ? '-' : String(x.id), x.status, circuitsText(x.request?.circuits)]),
      )}`,
    );
  }
  if (s.errors.length) parts.push(`errors:\n${s.errors.map((e) => `  ${errorLine(e)}`).join('\n')}`);
  if (s.history.length) parts.push(`history:\n${s.history.map((h) => `  ${formatTime(h.at, true)}  ${h.status}`).join('\n')}`);
  return parts.join('\n\n');
}

/** One line per status event, for `services watch`. */
export function renderEvent(e: ServiceEventJson): string {
  const errs = e.status === 'FAILED' && e.errors?.length ? `: ${e.errors.map((x) => `${x.code}: ${x.message}${formatDetails(x.details)}`).join('; ')}` : '';
  return `${formatTime(e.at, true)}  service ${e.service} on ${e.network}: ${e.status} (intent ${e.intent})${errs}`;
}
