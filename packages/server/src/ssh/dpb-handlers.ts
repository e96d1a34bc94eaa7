import {
  type AggregatorManagement,
  BrokerError,
  checkHandle,
  checkMbps,
  errors,
  isBrokerError,
  type LabelRange,
  type QuotaChanges,
  type Service,
  type ServiceStatus,
  type SwitchManagement,
  type TerminalRef,
  type TrunkInfo,
} from '@dpb/model';
import {
  type DpbErrorContext,
  type DpbMessageType,
  type DpbRequest,
  type DpbRequestOf,
  DPB_MESSAGES,
  modelToEdges,
  quotaChangeFromDpb,
  segmentToRequest,
} from '@dpb/protocol';
import { type Principal, requireRight } from '../auth/principal';
import type { NetworkEntry } from '../networks';
import type { KeyedLock } from './keyed-lock';

/** Everything a message handler needs. */
export interface HandlerContext {
  entry: NetworkEntry;
  principal: Principal;
  /** Aborted when the connection goes away: ends waits early. */
  signal: AbortSignal;
  /** Server-wide locks (new-service by handle, quota read-modify-write). */
  locks: KeyedLock;
  /** Longest `await-service-status` wait, ms; longer `timeout-millis` are clamped. */
  maxAwaitMs: number;
}

/** The DPB error context (for DPB's error members) of a request. */
export function errorContextOf(network: string, req: DpbRequest | undefined, content: unknown): DpbErrorContext {
  const ctx: DpbErrorContext = { network };
  const raw = typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {};
  const type = req?.type ?? (typeof raw.type === 'string' ? raw.type : undefined);
  if (type !== undefined) ctx.type = type;
  const id = raw['service-id'];
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) ctx.serviceId = id;
  if (req) {
    const r = req as Record<string, unknown>;
    if (typeof r['start-network-name'] === 'string' && typeof r['end-network-name'] === 'string') {
      ctx.trunk = {
        start: { network: r['start-network-name'], terminal: r['start-terminal-name'] as string },
        end: { network: r['end-network-name'], terminal: r['end-terminal-name'] as string },
      };
    }
    if (typeof r['subnetwork-name'] === 'string') ctx.subterminal = { network: r['subnetwork-name'], terminal: r['subterminal-name'] as string };
    if (typeof r['start-subnetwork-name'] === 'string') {
      ctx.subterminal = { network: r['start-subnetwork-name'], terminal: r['start-subterminal-name'] as string };
    }
  }
  return ctx;
}

/**
 * Checks that the caller holds the right the message needs (`see` = any
 * right; PERMISSION_DENIED otherwise) and that the network is of a kind that
 * accepts it (FAILED_PRECONDITION with `details.reason` `wrong-network-kind`).
 */
export function checkAllowed(req: DpbRequest, ctx: HandlerContext): void {
  const spec = DPB_MESSAGES[req.type];
  const network = ctx.entry.control.name;
  if (spec.access === 'see') {
    if (!ctx.principal.canSee(network)) requireRight(ctx.principal, network, 'control');
  } else {
    requireRight(ctx.principal, network, spec.access);
  }
  if (spec.scope === 'switch' && !ctx.entry.switch) wrongKind(ctx, req.type, 'switches');
  if (spec.scope === 'aggregator' && !ctx.entry.aggregator) wrongKind(ctx, req.type, 'aggregators');
}

function wrongKind(ctx: HandlerContext, type: string, what: string): never {
  if (ctx.entry.managementError !== undefined && !ctx.entry.switch && !ctx.entry.aggregator) throw ctx.entry.managementError;
  const c = ctx.entry.control;
  throw errors.precondition(`${type} is for ${what}; network ${c.name} is ${c.kind === 'aggregator' ? 'an' : 'a'} ${c.kind}`, {
    network: c.name,
    networkKind: c.kind,
    type,
    reason: 'wrong-network-kind',
  });
}

function terminalManagement(ctx: HandlerContext, type: string): SwitchManagement | AggregatorManagement {
  const m = ctx.entry.switch ?? ctx.entry.aggregator;
  if (!m) wrongKind(ctx, type, 'switches and aggregators');
  return m;
}

function switchOf(ctx: HandlerContext): SwitchManagement {
  return ctx.entry.switch as SwitchManagement;
}

function aggregatorOf(ctx: HandlerContext): AggregatorManagement {
  return ctx.entry.aggregator as AggregatorManagement;
}

function sameRef(a: TerminalRef, b: TerminalRef): boolean {
  return a.network === b.network && a.terminal === b.terminal;
}

/** The trunk a per-trunk request names, and whether the request's start is the stored end. */
async function orientTrunk(
  r: { 'start-network-name': string; 'start-terminal-name': string; 'end-network-name': string; 'end-terminal-name': string },
  ctx: HandlerContext,
): Promise<{ trunk: TrunkInfo; swapped: boolean }> {
  const start = { network: r['start-network-name'], terminal: r['start-terminal-name'] };
  const end = { network: r['end-network-name'], terminal: r['end-terminal-name'] };
  const network = ctx.entry.control.name;
  const t = await aggregatorOf(ctx).findTrunk(start);
  const expired = (why: string, trunk?: number): never => {
    throw new BrokerError('NOT_FOUND', `no trunk of ${network} joins ${start.network}:${start.terminal} and ${end.network}:${end.terminal}: ${why}`, {
      details: { kind: 'trunk', reason: 'trunk-expired', network, ...(trunk === undefined ? {} : { trunk }), start, end },
    });
  };
  if (!t) return expired(`no trunk ends at ${start.network}:${start.terminal}`);
  const swapped = !sameRef(t.start, start);
  const other = swapped ? t.start : t.end;
  if (!sameRef(other, end)) return expired(`trunk ${t.id} at ${start.network}:${start.terminal} leads to ${other.network}:${other.terminal}`, t.id);
  return { trunk: t, swapped };
}

/** Rewrites a trunk error's direction when the request named the trunk the other way round. */
function reorient(e: unknown, swapped: boolean): unknown {
  if (!swapped || !isBrokerError(e)) return e;
  const d = e.details.direction;
  if (d !== 'upstream' && d !== 'downstream') return e;
  return new BrokerError(e.code, e.message, { details: { ...e.details, direction: d === 'upstream' ? 'downstream' : 'upstream', storedDirection: d }, cause: e });
}

async function withOrientation<T>(swapped: boolean, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw reorient(e, swapped);
  }
}

async function service(ctx: HandlerContext, id: number): Promise<Service> {
  return ctx.entry.control.service(id);
}

/**
 * Waits (like `Service.awaitStatus`) through a watch, so that the wait ends
 * at once — leaving nothing behind — when the connection goes away.
 */
export async function awaitStatusAbortably(svc: Service, acceptable: readonly ServiceStatus[], timeoutMs: number, signal: AbortSignal): Promise<ServiceStatus> {
  const wanted = new Set(acceptable);
  let last = await svc.status();
  if (wanted.has(last) || last === 'RELEASED' || timeoutMs <= 0 || signal.aborted) return last;
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, timeoutMs);
  try {
    for await (const ev of svc.watch({ signal: ac.signal })) {
      last = ev.status;
      if (wanted.has(last) || last === 'RELEASED') break;
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
    ac.abort();
  }
  return last;
}

type Handler<T extends DpbMessageType> = (r: DpbRequestOf<T>, ctx: HandlerContext) => Promise<Record<string, unknown>>;
/** Request types that stream replies and are served by the connection, not by {@link handleRequest}. */
export type StreamingType = 'watch-service' | 'watch-model';
type HandlerTable = { [T in Exclude<DpbMessageType, StreamingType>]: Handler<T> };

const HANDLERS: HandlerTable = {
  // ------------------------------------------------------------ any network
  'get-terminals': async (_r, ctx) => ({ 'terminal-names': await ctx.entry.control.terminals() }),
  'check-terminal': async (r, ctx) => ({ exists: (await ctx.entry.control.terminals()).includes(r['terminal-name']) }),
  'remove-terminal': async (r, ctx) => {
    await terminalManagement(ctx, r.type).removeTerminal(r['terminal-name']);
    return {};
  },
  'dump-status': async (_r, ctx) => ({ output: await dumpStatus(ctx.entry) }),
  'get-services': async (_r, ctx) => ({ 'service-ids': (await ctx.entry.control.services()).map((s) => s.id) }),
  'check-service': async (r, ctx) => {
    const s = await ctx.entry.control.findService(r['service-id']);
    return { exists: s !== undefined && (await s.status()) !== 'RELEASED' };
  },
  'find-service': async (r, ctx) => {
    const s = await ctx.entry.control.findService({ handle: r.handle });
    return s ? { 'service-id': s.id } : {};
  },
  'new-service': async (r, ctx) => {
    const control = ctx.entry.control;
    if (r.handle === undefined) return { 'service-id': (await control.createService()).id };
    const handle = checkHandle(r.handle, 'handle');
    // DPB answers {} when the handle is taken; our createService would return that service instead.
    return ctx.locks.run(`new-service\u0000${control.name}\u0000${handle}`, async () => {
      if (await control.findService({ handle })) return {};
      return { 'service-id': (await control.createService({ handle })).id };
    });
  },
  'define-service': async (r, ctx) => {
    const svc = await service(ctx, r['service-id']);
    await svc.define(segmentToRequest(r.segment));
    return {};
  },
  'activate-service': async (r, ctx) => {
    await (await service(ctx, r['service-id'])).activate();
    return {};
  },
  'deactivate-service': async (r, ctx) => {
    await (await service(ctx, r['service-id'])).deactivate();
    return {};
  },
  'reset-service': async (r, ctx) => {
    await (await service(ctx, r['service-id'])).reset();
    return {};
  },
  'release-service': async (r, ctx) => {
    await (await service(ctx, r['service-id'])).release();
    return {};
  },
  'await-service-status': async (r, ctx) => {
    const svc = await service(ctx, r['service-id']);
    const timeoutMs = Math.min(r['timeout-millis'], ctx.maxAwaitMs);
    return { status: await awaitStatusAbortably(svc, r.acceptable, timeoutMs, ctx.signal) };
  },
  'get-model': async (r, ctx) => {
    const min = checkMbps(r['min-bw'], 'min-bw');
    return { edges: modelToEdges(await ctx.entry.control.model(min)) };
  },

  // ------------------------------------------------------ dpb extensions
  'describe-service': async (r, ctx) => ({ service: await (await service(ctx, r['service-id'])).describe() }),

  // ----------------------------------------------------------------- switches
  'add-terminal': async (r, ctx) => {
    await switchOf(ctx).addTerminal(r['terminal-name'], r['terminal-config']);
    return {};
  },
  'get-switch-terminals': async (_r, ctx) => {
    const terminals: Record<string, string> = {};
    for (const t of await switchOf(ctx).terminalDetails()) terminals[t.name] = t.interface;
    return { terminals };
  },
  'modify-terminal-bandwidth': async (r, ctx) => {
    const sw = switchOf(ctx);
    const name = r['terminal-name'];
    return ctx.locks.run(`quota\u0000${sw.name}\u0000${name}`, async () => {
      const t = await sw.terminal(name);
      const changes: QuotaChanges = {};
      const ingress = quotaChangeFromDpb(r.ingress, t.ingressQuotaMbps, 'ingress');
      const egress = quotaChangeFromDpb(r.egress, t.egressQuotaMbps, 'egress');
      if (ingress) changes.ingress = ingress;
      if (egress) changes.egress = egress;
      if (ingress || egress) await sw.modifyQuota(name, changes);
      return {};
    });
  },

  // -------------------------------------------------------------- aggregators
  'map-terminal': async (r, ctx) => {
    await aggregatorOf(ctx).addTerminal(r['terminal-name'], { network: r['subnetwork-name'], terminal: r['subterminal-name'] });
    return {};
  },
  'get-aggregator-terminals': async (_r, ctx) => {
    const terminals: Record<string, { 'subnetwork-name': string; 'subterminal-name': string }> = {};
    for (const t of await aggregatorOf(ctx).terminalDetails()) {
      terminals[t.name] = { 'subnetwork-name': t.inferior.network, 'subterminal-name': t.inferior.terminal };
    }
    return { terminals };
  },
  'add-trunk': async (r, ctx) => {
    await aggregatorOf(ctx).addTrunk({
      start: { network: r['start-network-name'], terminal: r['start-terminal-name'] },
      end: { network: r['end-network-name'], terminal: r['end-terminal-name'] },
    });
    return {};
  },
  'remove-trunk': async (r, ctx) => {
    const ag = aggregatorOf(ctx);
    const at = { network: r['subnetwork-name'], terminal: r['subterminal-name'] };
    const t = await ag.findTrunk(at);
    if (!t) {
      throw errors.notFound('trunk', `at ${at.network}:${at.terminal} in network ${ag.name}`, { network: ag.name, inferior: at.network, terminal: at.terminal });
    }
    await ag.removeTrunk(t.id);
    return {};
  },
  'check-trunk': async (r, ctx) => {
    const at = { network: r['start-subnetwork-name'], terminal: r['start-subterminal-name'] };
    const t = await aggregatorOf(ctx).findTrunk(at);
    if (!t) return {};
    const other = sameRef(t.start, at) ? t.end : t.start;
    return { 'end-subnetwork-name': other.network, 'end-subterminal-name': other.terminal };
  },
  'get-trunks': async (_r, ctx) => ({
    trunks: (await aggregatorOf(ctx).trunks()).map((t) => ({
      'start-network-name': t.start.network,
      'start-terminal-name': t.start.terminal,
      'end-network-name': t.end.network,
      'end-terminal-name': t.end.terminal,
    })),
  }),
  'get-trunk-delay': async (r, ctx) => ({ delay: (await orientTrunk(r, ctx)).trunk.cost }),
  'set-trunk-delay': async (r, ctx) => {
    const { trunk } = await orientTrunk(r, ctx);
    await aggregatorOf(ctx).setCost(trunk.id, r.delay);
    return {};
  },
  'increase-trunk-bw': async (r, ctx) => {
    const { trunk, swapped } = await orientTrunk(r, ctx);
    const up = checkMbps(r['upstream-bw'], 'upstream-bw');
    const down = checkMbps(r['downstream-bw'], 'downstream-bw');
    await withOrientation(swapped, () =>
      aggregatorOf(ctx).provideBandwidth(trunk.id, swapped ? { upstreamMbps: down, downstreamMbps: up } : { upstreamMbps: up, downstreamMbps: down }),
    );
    return {};
  },
  'decrease-trunk-bw': async (r, ctx) => {
    const { trunk, swapped } = await orientTrunk(r, ctx);
    const up = checkMbps(r['upstream-bw'], 'upstream-bw');
    const down = checkMbps(r['downstream-bw'], 'downstream-bw');
    await withOrientation(swapped, () =>
      aggregatorOf(ctx).withdrawBandwidth(trunk.id, swapped ? { upstreamMbps: down, downstreamMbps: up } : { upstreamMbps: up, downstreamMbps: down }),
    );
    return {};
  },
  'define-trunk-label-range': async (r, ctx) => {
    const { trunk, swapped } = await orientTrunk(r, ctx);
    const count = r['label-count'];
    const range: LabelRange = swapped
      ? { startBase: r['end-label'], count, endBase: r['start-label'] }
      : { startBase: r['start-label'], count, endBase: r['end-label'] };
    await aggregatorOf(ctx).defineLabels(trunk.id, range);
    return {};
  },
  'revoke-trunk-start-label-range': async (r, ctx) => {
    const { trunk, swapped } = await orientTrunk(r, ctx);
    await aggregatorOf(ctx).revokeLabels(trunk.id, { side: swapped ? 'end' : 'start', base: r['start-label'], count: r['label-count'] });
    return {};
  },
  'revoke-trunk-end-label-range': async (r, ctx) => {
    const { trunk, swapped } = await orientTrunk(r, ctx);
    await aggregatorOf(ctx).revokeLabels(trunk.id, { side: swapped ? 'start' : 'end', base: r['end-label'], count: r['label-count'] });
    return {};
  },
  'decommission-trunk': async (r, ctx) => {
    const { trunk } = await orientTrunk(r, ctx);
    await aggregatorOf(ctx).decommission(trunk.id);
    return {};
  },
  'recommission-trunk': async (r, ctx) => {
    const { trunk } = await orientTrunk(r, ctx);
    await aggregatorOf(ctx).recommission(trunk.id);
    return {};
  },
  'is-trunk-commissioned': async (r, ctx) => ({ commissioned: (await orientTrunk(r, ctx)).trunk.commissioned }),
};

/**
 * Runs one (validated, allowed) request and returns its reply. Throws a
 * BrokerError for the error reply. `watch-service` streams and is not
 * handled here.
 */
export async function handleRequest(req: Exclude<DpbRequest, { type: StreamingType }>, ctx: HandlerContext): Promise<Record<string, unknown>> {
  const h = HANDLERS[req.type] as (r: DpbRequest, c: HandlerContext) => Promise<Record<string, unknown>>;
  return h(req, ctx);
}

/**
 * Serves `watch-model` (a dpb extension): emits `{"event":"ready"}` once
 * subscribed to the network's model changes, then `{"event":"model"}` on
 * each (coalesced) change, until `signal` is aborted (close frame, channel
 * end). Leaves no listener behind.
 */
export async function streamModelChanges(ctx: HandlerContext, signal: AbortSignal, emit: (frame: Record<string, unknown>) => void): Promise<void> {
  if (signal.aborted) return;
  const off = ctx.entry.control.onModelChange(() => {
    if (!signal.aborted) emit({ event: 'model' });
  });
  try {
    emit({ event: 'ready' });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    off();
  }
}

function mbps(x: number): string {
  return Number.isFinite(x) ? String(x) : 'unlimited';
}

/** DPB's `dump-status` text: a header line, the services with their circuits, and terminals or trunks. */
export async function dumpStatus(entry: NetworkEntry): Promise<string> {
  const c = entry.control;
  const lines: string[] = [entry.aggregator ? `aggregate ${c.name}:` : entry.switch ? `Switch ${c.name}:` : `network ${c.name}:`];
  const infos = await Promise.all((await c.services()).map((s) => s.describe()));
  for (const s of infos) {
    lines.push(`  ${s.id} ${s.status} (intent=${s.intent})${s.handle === null ? '' : ` ${s.handle}`}`);
    for (const k of s.request?.circuits ?? []) lines.push(`    ${k.terminal}:${k.label} ${k.ingressMbps} ${k.egressMbps}`);
    for (const e of s.errors) lines.push(`    error ${e.code}: ${e.message}`);
  }
  if (entry.switch) {
    for (const t of await entry.switch.terminalDetails()) {
      lines.push(
        `  terminal ${t.name} on ${t.interface}: ingress ${t.ingressUsedMbps}/${mbps(t.ingressQuotaMbps ?? Infinity)}Mbps, egress ${t.egressUsedMbps}/${mbps(t.egressQuotaMbps ?? Infinity)}Mbps, ${t.circuitsInUse} circuit(s)`,
      );
    }
  }
  if (entry.aggregator) {
    for (const t of await entry.aggregator.terminalDetails()) lines.push(`  terminal ${t.name} = ${t.inferior.network}:${t.inferior.terminal}`);
    for (const t of await entry.aggregator.trunks()) {
      lines.push(
        `  [${t.start.network}:${t.start.terminal}, ${t.end.network}:${t.end.terminal}]${t.commissioned ? ' ' : '!'}=(${t.available.upstreamMbps}Mbps, ${t.available.downstreamMbps}Mbps, ${t.cost}) [${t.labelCount - t.labelsInUse}]`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
