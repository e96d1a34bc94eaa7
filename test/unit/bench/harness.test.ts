/**
 * The benchmark harness's own logic (statistics, binning, generators, file
 * formats, the generated documentation sections). The benchmarks themselves
 * run with `npm run bench`, never under jest.
 */
import { replaceSections } from '../../bench/src/docs';
import { binByKey, coarseBins, percentile, seededRandom, summarize } from '../../bench/src/stats';
import { ticks } from '../../bench/src/svg';
import {
  barabasiAlbert,
  bridgeBound,
  degrees,
  formatRequests,
  formatTopology,
  hierarchy,
  parseRequests,
  parseTopology,
  requestStream,
} from '../../bench/src/topology';

describe('stats', () => {
  it('percentiles are nearest-rank: always a measured sample', () => {
    const xs = Float64Array.from([5, 1, 4, 2, 3].sort((a, b) => a - b));
    expect(percentile(xs, 50)).toBe(3);
    expect(percentile(xs, 100)).toBe(5);
    expect(percentile(xs, 1)).toBe(1);
    const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });

  it('summarize reports n, median, p95, p99, mean, min and max in any input order', () => {
    const s = summarize([10, 1, 7, 3, 5, 9, 2, 8, 4, 6]);
    expect(s).toEqual({ n: 10, median: 5, p95: 10, p99: 10, mean: 5.5, min: 1, max: 10 });
    expect(summarize([]).n).toBe(0);
  });

  it('bins samples by key into [0, w), [w, 2w), ... and leaves empty bins out', () => {
    const bins = binByKey([0, 49, 50, 120, 130], [1, 3, 5, 7, 9], 50);
    expect(bins.map((b) => [b.from, b.to, b.summary.n, b.summary.median])).toEqual([
      [0, 50, 2, 1],
      [50, 100, 1, 5],
      [100, 150, 2, 7],
    ]);
    expect(() => binByKey([1], [1, 2], 50)).toThrow();
    expect(coarseBins([0, 10, 600], [1, 2, 3], [0, 100, 500, 1000]).map((b) => [b.from, b.summary.n])).toEqual([
      [0, 2],
      [500, 1],
    ]);
  });

  it('seeded random numbers repeat for a seed and stay in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe('generators', () => {
  it('Barabási–Albert: m(m+1)/2 + (n-m-1)m distinct trunks, connected, every new switch of degree >= m, repeatable', () => {
    const t = barabasiAlbert({ n: 300, m: 3, seed: 9 });
    expect(t.vertices).toHaveLength(300);
    expect(t.edges).toHaveLength(6 + (300 - 4) * 3);
    const pairs = new Set(t.edges.map((e) => `${Math.min(e.u, e.v)}-${Math.max(e.u, e.v)}`));
    expect(pairs.size).toBe(t.edges.length);
    for (const d of degrees(t).values()) expect(d).toBeGreaterThanOrEqual(3);
    const reached = new Set([0]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const e of t.edges) {
        if (reached.has(e.u) !== reached.has(e.v)) {
          reached.add(e.u).add(e.v);
          grew = true;
        }
      }
    }
    expect(reached.size).toBe(300);
    expect(barabasiAlbert({ n: 300, m: 3, seed: 9 })).toEqual(t);
    expect(() => barabasiAlbert({ n: 3, m: 3, seed: 1 })).toThrow();
  });

  it('Barabási–Albert at the largest size: 5,000 switches and about 20,000 trunks', () => {
    const t = barabasiAlbert({ n: 5000, m: 4, seed: 42 });
    expect(t.edges.length).toBe(19_990);
    const d = degrees(t);
    // capacity 1000 · min(degree) as the original experiment
    for (const e of t.edges.slice(0, 50)) expect(e.capacityMbps).toBe(1000 * Math.min(d.get(e.u)!, d.get(e.v)!));
  });

  it('request streams: 2..k distinct switches each, labels counting up, weighted picks favour heavy switches', () => {
    const stream = requestStream({ vertices: [1, 2, 3, 4, 5, 6], count: 2000, minCircuits: 2, maxCircuits: 4, seed: 3, firstLabel: 10 });
    expect(stream).toHaveLength(2000);
    stream.forEach((r, i) => {
      expect(r.label).toBe(10 + i);
      expect(r.switches.length).toBeGreaterThanOrEqual(2);
      expect(r.switches.length).toBeLessThanOrEqual(4);
      expect(new Set(r.switches).size).toBe(r.switches.length);
    });
    expect(new Set(stream.map((r) => r.switches.length))).toEqual(new Set([2, 3, 4]));
    const weighted = requestStream({ vertices: [1, 2, 3], count: 3000, minCircuits: 1, maxCircuits: 1, seed: 4, weights: [8, 1, 1] });
    const ones = weighted.filter((r) => r.switches[0] === 1).length;
    expect(ones / 3000).toBeGreaterThan(0.7);
    expect(() => requestStream({ vertices: [1, 2], count: 1, maxCircuits: 3, seed: 1 })).toThrow();
  });

  it('two-level hierarchy: regions of equal size, national trunks between border switches of different regions, a ring at least', () => {
    const h = hierarchy({ regions: 5, switchesPerRegion: 20, m: 2, bordersPerRegion: 2, extraTrunks: 3, capacityMbps: 1000, seed: 1 });
    expect(h.regions).toHaveLength(5);
    for (const r of h.regions) expect(r.topology.vertices).toHaveLength(20);
    expect(h.trunks.length).toBe(5 + 3);
    for (const t of h.trunks) {
      expect(t.a.region).not.toBe(t.b.region);
      expect(h.regions[t.a.region]!.borders).toContain(t.a.switch);
      expect(h.regions[t.b.region]!.borders).toContain(t.b.switch);
    }
    for (let r = 0; r < 5; r++) expect(h.trunks.some((t) => t.a.region === r || t.b.region === r)).toBe(true);
  });
});

describe('admission bound', () => {
  // a triangle 0-1-2 with a pendant switch 3 hanging off 2 by a bridge of 30 Mbit/s
  const t = parseTopology('u,v,capacity_mbps,delay\n0,1,1000,1\n1,2,1000,1\n0,2,1000,1\n2,3,30,1\n');

  it('finds the first request a bridge cannot carry, whatever the routing', () => {
    const requests = parseRequests('index,label,switches\n0,1,0 3\n1,2,0 1\n2,3,1 3\n3,4,2 3\n4,5,3 0\n');
    // requests 0, 2, 3 cross the bridge with 10 Mbit/s each; request 4 would need 40
    expect(bridgeBound(t, requests, 300)).toMatchObject({ admitted: 4, reason: 'capacity', bridge: { u: 2, v: 3 } });
    // with 2 labels per trunk, the third crossing (request 3) is the first that cannot pass
    expect(bridgeBound(t, requests, 2)).toMatchObject({ admitted: 3, reason: 'labels' });
  });

  it('is the whole stream when no bridge runs out (the triangle has no bridge)', () => {
    const requests = parseRequests('index,label,switches\n0,1,0 1\n1,2,1 2\n');
    expect(bridgeBound(t, requests, 1)).toEqual({ admitted: 2 });
  });
});

describe('scenario files', () => {
  it('topology and request CSVs round-trip in the original format', () => {
    const t = parseTopology('u,v,capacity_mbps,delay\n0,1,10000.0,3.27\n1,2,8000,1.5\n');
    expect(t).toEqual({
      vertices: [0, 1, 2],
      edges: [
        { u: 0, v: 1, capacityMbps: 10000, cost: 3.27 },
        { u: 1, v: 2, capacityMbps: 8000, cost: 1.5 },
      ],
    });
    expect(parseTopology(formatTopology(t))).toEqual(t);
    const r = parseRequests('index,label,switches\n0,1,33 14 13\n1,2,45 35\n');
    expect(r).toEqual([
      { index: 0, label: 1, switches: [33, 14, 13] },
      { index: 1, label: 2, switches: [45, 35] },
    ]);
    expect(parseRequests(formatRequests(r))).toEqual(r);
  });

  it('malformed files are refused with the row at fault', () => {
    expect(() => parseTopology('u,v,capacity_mbps\n0,1,5\n')).toThrow(/delay/);
    expect(() => parseTopology('u,v,capacity_mbps,delay\n0,0,5,1\n')).toThrow(/row 1/);
    expect(() => parseTopology('u,v,capacity_mbps,delay\n0,1,x,1\n')).toThrow(/capacity_mbps/);
    expect(() => parseRequests('index,label,switches\n0,1,3 3\n')).toThrow(/twice/);
  });
});

describe('generated documentation', () => {
  it('rewrites only the marked sections it has, keeping everything else', () => {
    const doc = 'intro\n<!-- bench:a:begin -->\nold a\n<!-- bench:a:end -->\nmiddle\n<!-- bench:b:begin -->\nold b\n<!-- bench:b:end -->\nend\n';
    const out = replaceSections(doc, new Map([['a', 'new a'], ['c', 'nowhere']]));
    expect(out).toBe('intro\n<!-- bench:a:begin -->\nnew a\n<!-- bench:a:end -->\nmiddle\n<!-- bench:b:begin -->\nold b\n<!-- bench:b:end -->\nend\n');
    expect(replaceSections(out, new Map([['a', 'new a']]))).toBe(out);
  });

  it('plot ticks are round numbers covering the range', () => {
    expect(ticks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(0, 4.2)).toEqual([0, 1, 2, 3, 4]);
    const t = ticks(0, 5000, 6);
    expect(t[0]).toBe(0);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(4000);
  });
});

describe('the launcher (run.js)', () => {
  it('does not load the TypeScript compiler when its transpile cache is warm (the memory child would count it)', () => {
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const path = require('node:path') as typeof import('node:path');
    const os = require('node:os') as typeof import('node:os');
    const fs = require('node:fs') as typeof import('node:fs');
    const runJs = path.join(__dirname, '../../bench/run.js');
    const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpb-bench-')), 'probe.js');
    // reports at exit whether the compiler module was ever required in the process
    fs.writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('\\nTS-LOADED=' + Object.keys(require.cache).some((k) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(k)) + '\\n'));\n",
    );
    const run = (): string => {
      const { stderr } = spawnSync(process.execPath, ['--require', probe, runJs, 'list'], { encoding: 'utf8' });
      return /TS-LOADED=(true|false)/.exec(stderr)?.[1] ?? `no report: ${stderr}`;
    };
    run(); // warms the cache (may load the compiler)
    expect(run()).toBe('false');
  });
});
