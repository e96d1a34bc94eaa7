import { roundMbps } from '@dpb/model';
import type { CorsaTunnelInfo, PatchOp, TunnelAttachBody } from './corsa-rest';
import { endpointKey, type TunnelEndpoint } from './corsa-interface';

/** One circuit of a bridge as the fabric will realise it: where it lands and its QoS. */
export interface PlannedCircuit {
  interface: string;
  label: number;
  endpoint: TunnelEndpoint;
  /** {@link endpointKey} of the endpoint. */
  key: string;
  ingressMbps: number;
  egressMbps: number;
  /** Egress shaping, Mbit/s; undefined when shaping is off. */
  shapedRateMbps?: number;
  /** Ingress meter; undefined when metering is off. */
  meter?: { cirKbps: number; cbsKB: number };
}

/** A bridge as the fabric will realise it: circuits sorted by endpoint key. */
export interface PlannedBridge {
  id: string;
  circuits: PlannedCircuit[];
  /** Equal for equal plans (circuits and QoS). */
  signature: string;
}

/** Committed burst: 20 ms at the CIR, at least 3 KB (two full-size frames). */
export const BURST_MS = 20;
export const MIN_CBS_KB = 3;

/**
 * The tunnel meter for an ingress rate: CIR in kbit/s (Mbit/s x 1000, at
 * least 1) and CBS in KB (the bytes sent in {@link BURST_MS} at the CIR).
 */
export function meterFor(ingressMbps: number): { cirKbps: number; cbsKB: number } {
  const cirKbps = Math.max(1, Math.round(ingressMbps * 1000));
  const cbsKB = Math.max(MIN_CBS_KB, Math.ceil((cirKbps * BURST_MS) / 8 / 1000));
  return { cirKbps, cbsKB };
}

/** The shaped rate for an egress rate, Mbit/s to 1 kbit/s. */
export function shapedRateFor(egressMbps: number): number {
  return roundMbps(Math.max(0, egressMbps));
}

/** Orders endpoints naturally: physical ports before LAGs, by number, then outer and inner VLAN. */
export function compareEndpoints(a: TunnelEndpoint, b: TunnelEndpoint): number {
  const rank = (e: TunnelEndpoint): [number, number] => {
    const m = /^(lag)?(\d+)$/.exec(e.port);
    return m ? [m[1] ? 1 : 0, Number(m[2])] : [2, 0];
  };
  const [ra, na] = rank(a);
  const [rb, nb] = rank(b);
  return ra - rb || na - nb || (a.vlanId ?? 0) - (b.vlanId ?? 0) || (a.innerVlanId ?? 0) - (b.innerVlanId ?? 0) || (a.port < b.port ? -1 : a.port > b.port ? 1 : 0);
}

export function signatureOf(circuits: readonly PlannedCircuit[]): string {
  return JSON.stringify(circuits.map((c) => [c.key, c.shapedRateMbps ?? null, c.meter?.cirKbps ?? null, c.meter?.cbsKB ?? null]));
}

/** The body that attaches circuit `c` at `ofport`, tagged `ifdescr`. */
export function attachBody(c: PlannedCircuit, ofport: number, ifdescr: string): TunnelAttachBody {
  const body: TunnelAttachBody = { ofport, port: c.endpoint.port };
  if (c.endpoint.vlanId !== undefined) body['vlan-id'] = c.endpoint.vlanId;
  if (c.endpoint.innerVlanId !== undefined) body['inner-vlan-id'] = c.endpoint.innerVlanId;
  if (c.shapedRateMbps !== undefined) body['shaped-rate'] = c.shapedRateMbps;
  body.ifdescr = ifdescr;
  return body;
}

/** The JSON-Patch that sets circuit `c`'s meter. */
export function meterOps(meter: { cirKbps: number; cbsKB: number }): PatchOp[] {
  return [
    { op: 'replace', path: '/meter/cir', value: meter.cirKbps },
    { op: 'replace', path: '/meter/cbs', value: meter.cbsKB },
  ];
}

/** The endpoint a reported tunnel is attached to. */
export function endpointOfTunnel(t: CorsaTunnelInfo): TunnelEndpoint {
  const e: TunnelEndpoint = { port: t.port };
  if (t.vlanId !== undefined) e.vlanId = t.vlanId;
  if (t.innerVlanId !== undefined) e.innerVlanId = t.innerVlanId;
  return e;
}

export function tunnelKey(t: CorsaTunnelInfo): string {
  return endpointKey(endpointOfTunnel(t));
}

/** What must change on an attached tunnel to carry circuit `c`: nothing, its meter, or (shaping is fixed at attach) re-attachment. */
export function tunnelChange(t: CorsaTunnelInfo, c: PlannedCircuit): 'none' | 'meter' | 'reattach' {
  if (c.shapedRateMbps !== undefined && (t.shapedRate === undefined || Math.abs(t.shapedRate - c.shapedRateMbps) > 0.0005)) {
    return 'reattach';
  }
  if (c.meter !== undefined && (Math.abs(t.cir - c.meter.cirKbps) > 0.5 || Math.abs(t.cbs - c.meter.cbsKB) > 0.5)) return 'meter';
  return 'none';
}
