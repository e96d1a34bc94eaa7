import type { HttpMethod } from './route';

/** One path of the table and the methods registered on it, in registration order. */
interface PathEntry<H> {
  /** Lower-case literal segments, or null where the segment is a `{param}`. */
  literals: (string | null)[];
  /** Parameter names, by segment index. */
  names: (string | undefined)[];
  methods: Map<string, H>;
}

/** What {@link RouteTable.match} found: the handler and its decoded path parameters. */
export interface RouteMatch<H> {
  handler: H;
  params: Record<string, string>;
}

const ASCII = /^[\x20-\x7e]*$/;

/**
 * A precompiled table of the REST v1 paths (OpenAPI style,
 * `/api/v1/networks/{net}/services/{service}`), matched by splitting the
 * request path into segments instead of trying each route's pattern in turn.
 *
 * It answers only where the answer is certainly the one Express's router
 * gives for the same routes registered in the same order (case-insensitive
 * literals, one optional trailing slash, `{param}` = one non-empty segment,
 * percent-decoded): the first path that matches decides, and its handler for
 * the method is returned. Everything else (no path matches, the first path
 * has no handler for the method, HEAD, OPTIONS, non-ASCII paths, a parameter
 * that does not decode) returns undefined, and the caller leaves the request
 * to Express, which then answers it exactly as before (404, 405, 400 ...).
 */
export class RouteTable<H> {
  /** Paths by segment count, in registration order. */
  private readonly bySegments = new Map<number, PathEntry<H>[]>();
  private readonly entries = new Map<string, PathEntry<H>>();

  /** Adds `handler` for `method` on `path`; paths are tried in the order they were first added. */
  add(method: HttpMethod, path: string, handler: H): void {
    let entry = this.entries.get(path);
    if (!entry) {
      const segments = path.split('/').slice(1);
      entry = {
        literals: segments.map((s) => (/^\{[A-Za-z]+\}$/.test(s) ? null : s.toLowerCase())),
        names: segments.map((s) => (/^\{[A-Za-z]+\}$/.test(s) ? s.slice(1, -1) : undefined)),
        methods: new Map(),
      };
      this.entries.set(path, entry);
      const list = this.bySegments.get(segments.length) ?? [];
      list.push(entry);
      this.bySegments.set(segments.length, list);
    }
    if (!entry.methods.has(method.toUpperCase())) entry.methods.set(method.toUpperCase(), handler);
  }

  /** The handler and parameters for `method` on `pathname`, or undefined to leave the request to Express. */
  match(method: string, pathname: string): RouteMatch<H> | undefined {
    if (method === 'HEAD' || method === 'OPTIONS' || pathname.charCodeAt(0) !== 47 /* / */ || !ASCII.test(pathname)) return undefined;
    const segments = pathname.split('/');
    segments.shift();
    if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop(); // one trailing slash
    const candidates = this.bySegments.get(segments.length);
    if (!candidates) return undefined;
    const lower = segments.map((s) => s.toLowerCase());
    for (const entry of candidates) {
      if (!matches(entry, lower)) continue;
      // the first matching path decides, as in Express's router
      const handler = entry.methods.get(method);
      if (handler === undefined) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const name = entry.names[i];
        if (name === undefined) continue;
        const raw = segments[i] as string;
        if (raw.indexOf('%') === -1) params[name] = raw;
        else {
          try {
            params[name] = decodeURIComponent(raw);
          } catch {
            return undefined;
          }
        }
      }
      return { handler, params };
    }
    return undefined;
  }
}

function matches(entry: PathEntry<unknown>, lower: string[]): boolean {
  for (let i = 0; i < lower.length; i++) {
    const lit = entry.literals[i];
    const seg = lower[i] as string;
    if (lit === null) {
      if (seg === '') return false;
    } else if (lit !== seg) return false;
  }
  return true;
}
