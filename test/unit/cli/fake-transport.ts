import { type CliIo, runCli, type Transport, type TransportEvent, type TransportResponse } from '@dpb/cli';

/** One request the CLI made. */
export interface Call {
  method: string;
  path: string;
  body: unknown;
  timeoutMs?: number;
}

type Reply = TransportResponse | { status: number; body?: unknown; headers?: Record<string, string> };
export type Handler = (call: Call) => Reply | undefined;

/**
 * An in-memory Transport: answers from `handler` (404 NOT_FOUND route when
 * it returns undefined) and records every call, so tests can check what was
 * (or was not) sent.
 */
export class FakeTransport implements Transport {
  readonly calls: Call[] = [];
  /** Events served for any events() path, in order. */
  events_: TransportEvent[] = [];
  readonly eventPaths: string[] = [];

  constructor(private readonly handler: Handler = () => undefined) {}

  async request(method: string, path: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<TransportResponse> {
    const call: Call = { method, path, body, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
    this.calls.push(call);
    const r = this.handler(call) ?? { status: 404, body: { error: { code: 'NOT_FOUND', message: `no route ${method} ${path}`, details: { kind: 'route' } } } };
    return { status: r.status, body: r.body, headers: r.headers ?? {} };
  }

  async *events(path: string): AsyncIterable<TransportEvent> {
    this.eventPaths.push(path);
    for (const e of this.events_) yield e;
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process against `transport`. */
export async function run(argv: string[], transport: Transport, io: Partial<CliIo> = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s) => void (stdout += s) },
    stderr: { write: (s) => void (stderr += s) },
    env: {},
    transport,
    ...io,
  });
  return { code, stdout, stderr };
}

/** A REST error body. */
export function errorReply(status: number, code: string, details: Record<string, unknown> = {}): Reply {
  return { status, body: { error: { code, message: `${code.toLowerCase()} happened`, details } } };
}

export function service(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    network: 'wan',
    id: 1,
    handle: 'demo-1',
    status: 'ACTIVE',
    intent: 'ACTIVE',
    request: { circuits: [{ terminal: 'london', label: 100, ingressMbps: 50, egressMbps: 50 }, { terminal: 'paris', label: 100, ingressMbps: 50, egressMbps: 50 }] },
    errors: [],
    history: [],
    createdAt: 0,
    ...over,
  };
}

export function trunk(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 4,
    start: { network: 'frankfurt', terminal: 'uplink' },
    end: { network: 'core', terminal: 'frankfurt' },
    cost: 3,
    commissioned: true,
    capacity: { upstreamMbps: 1000, downstreamMbps: 1000 },
    allocated: { upstreamMbps: 0, downstreamMbps: 0 },
    available: { upstreamMbps: 1000, downstreamMbps: 1000 },
    labelRanges: [{ startBase: 100, count: 900, endBase: 1100 }],
    labelCount: 900,
    labelsInUse: 0,
    ...over,
  };
}
