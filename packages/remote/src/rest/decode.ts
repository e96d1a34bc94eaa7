import {
  type Chord,
  errors,
  isServiceStatus,
  type NetworkModel,
  type ServiceEvent,
  type ServiceInfo,
} from '@dpb/model';

/** A reply that does not have the shape REST v1 promises: INTERNAL naming the URL. */
function malformed(what: string, url: string, network: string): Error {
  return errors.internal(`network ${network} at ${url}: malformed ${what} in the reply`, undefined, { network, remote: url, field: what });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A ServiceInfo from the wire, with `network` renamed to the local name. */
export function decodeServiceInfo(body: unknown, network: string, url: string): ServiceInfo {
  if (!isObject(body) || typeof body.id !== 'number' || !isServiceStatus(body.status)) throw malformed('ServiceInfo', url, network);
  const info = body as unknown as ServiceInfo;
  return {
    ...info,
    network,
    handle: info.handle ?? null,
    request: info.request ?? null,
    errors: Array.isArray(info.errors) ? info.errors : [],
    history: Array.isArray(info.history) ? info.history : [],
  };
}

/** A list of ServiceInfo from the wire. */
export function decodeServiceInfos(body: unknown, network: string, url: string): ServiceInfo[] {
  if (!Array.isArray(body)) throw malformed('ServiceInfo list', url, network);
  return body.map((b) => decodeServiceInfo(b, network, url));
}

/** A capacity on the wire: a number, or null for unlimited. */
function capacity(v: unknown, what: string, url: string, network: string): number {
  if (v === null) return Infinity;
  if (typeof v !== 'number' || !(v >= 0)) throw malformed(what, url, network);
  return v;
}

/** A NetworkModel from the wire (null capacities become Infinity), named locally. */
export function decodeModel(body: unknown, network: string, url: string): NetworkModel {
  if (!isObject(body) || !Array.isArray(body.terminals) || !Array.isArray(body.chords)) throw malformed('NetworkModel', url, network);
  const terminals = body.terminals.map((t) => {
    if (typeof t !== 'string') throw malformed('NetworkModel.terminals', url, network);
    return t;
  });
  const chords: Chord[] = body.chords.map((c: unknown) => {
    if (!isObject(c) || typeof c.from !== 'string' || typeof c.to !== 'string' || typeof c.cost !== 'number') {
      throw malformed('NetworkModel.chords', url, network);
    }
    return {
      from: c.from,
      to: c.to,
      cost: c.cost,
      upstreamMbps: capacity(c.upstreamMbps, 'NetworkModel.chords.upstreamMbps', url, network),
      downstreamMbps: capacity(c.downstreamMbps, 'NetworkModel.chords.downstreamMbps', url, network),
    };
  });
  return { network, terminals, chords };
}

/** The terminal names of a `GET …/networks/NAME` reply, sorted. */
export function decodeTerminalNames(body: unknown, network: string, url: string): string[] {
  if (!isObject(body) || !Array.isArray(body.terminalNames) || !body.terminalNames.every((t) => typeof t === 'string')) {
    throw malformed('terminalNames', url, network);
  }
  return [...(body.terminalNames as string[])].sort();
}

/** A ServiceEvent from an SSE `status` event's data, named locally. */
export function decodeServiceEvent(data: string, network: string, url: string): ServiceEvent {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    throw malformed('ServiceEvent', url, network);
  }
  if (!isObject(v) || typeof v.service !== 'number' || !isServiceStatus(v.status)) throw malformed('ServiceEvent', url, network);
  return { ...(v as unknown as ServiceEvent), network };
}
