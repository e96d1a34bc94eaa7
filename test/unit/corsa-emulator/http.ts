import type { CorsaEmulator, RecordedRequest } from '../../support/corsa-emulator';

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

export interface CallOptions {
  /** Authorization value; `null` sends none. Default: the emulator's token. */
  token?: string | null;
  /** Content-Type for bodies. Default application/json. */
  contentType?: string;
  /** Send this text as the body instead of JSON.stringify(body). */
  raw?: string;
  signal?: AbortSignal;
}

/** One HTTP call to the emulator; `path` is relative to `/api/v1/`. */
export async function call(emu: CorsaEmulator, method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? emu.token : options.token;
  if (token !== null) headers['Authorization'] = token;
  let text: string | undefined = options.raw;
  if (text === undefined && body !== undefined) text = JSON.stringify(body);
  if (text !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${emu.url}/api/v1/${path}`, {
    method,
    headers,
    ...(text === undefined ? {} : { body: text }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const t = await res.text();
  let parsed: unknown = undefined;
  if (t !== '') {
    try {
      parsed = JSON.parse(t);
    } catch {
      parsed = t;
    }
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Resolves with the first recorded request matching `pred` (past or future), or rejects after `timeoutMs`. */
export function nextRequest(emu: CorsaEmulator, pred: (r: RecordedRequest) => boolean, timeoutMs = 2000): Promise<RecordedRequest> {
  const seen = emu.requests.find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no matching request recorded in time'));
    }, timeoutMs);
    const off = emu.on('request', (r) => {
      if (pred(r)) {
        clearTimeout(timer);
        off();
        resolve(r);
      }
    });
  });
}

/** A valid bridge-create body. */
export const bridgeBody = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  bridge: name,
  subtype: 'openflow',
  resources: 3,
  netns: 'default',
  'bridge-descr': 'dpb:vc:partial',
  ...extra,
});
