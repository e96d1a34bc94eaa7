import { corsaFabricDriver, DEFAULT_MAX_VFCS, parseCorsaConfig } from '@dpb/adaptor-corsa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

const P = 'networks[0].fabric.corsa';
const FIXTURES = path.join(__dirname, '..', '..', 'integration', 'adaptor-corsa', 'fixtures');
const BASE = { url: 'https://10.11.12.13', token: 'abc', controller: { host: '172.17.1.1' } };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dpb-corsa-config-'));
  writeFileSync(path.join(dir, 'token'), 'Bearer abc\n');
  writeFileSync(path.join(dir, 'split-token'), 'Bearer ab\ncd\n');
  writeFileSync(path.join(dir, 'bare-token'), '  xyz  \n');
  writeFileSync(path.join(dir, 'empty'), '\n');
  writeFileSync(path.join(dir, 'ca.pem'), readFileSync(path.join(FIXTURES, 'ca.pem')));
  writeFileSync(path.join(dir, 'not-a-cert.pem'), 'hello');
});

const parse = (raw: unknown) => parseCorsaConfig(raw, P, { configDir: dir });

function configError(raw: unknown): { code: string; path: unknown } {
  try {
    parse(raw);
  } catch (e) {
    const b = e as { name?: string; code?: string; details?: { path?: unknown } };
    if (b.name !== 'BrokerError') throw e;
    return { code: b.code as string, path: b.details?.path };
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('Corsa fabric config', () => {
  it('fills in the defaults', () => {
    expect(parse(BASE)).toEqual({
      api: { url: 'https://10.11.12.13', authorization: 'Bearer abc' },
      mode: 'vfc-per-service',
      ports: 64,
      lags: 0,
      subtype: 'openflow',
      resources: 3,
      netns: 'default',
      controller: { host: '172.17.1.1', port: 6653 },
      shaping: true,
      metering: true,
      maxBridges: DEFAULT_MAX_VFCS,
      requestTimeoutMs: 10_000,
      pushIntervalMs: 30_000,
      retryMinMs: 500,
      retryMaxMs: 30_000,
    });
  });

  it('takes every key, normalises the URL and reads the token and CA files relative to the config', () => {
    const c = parse({
      url: 'https://corsa.example:8443/prefix///',
      tokenFile: 'token',
      caFile: 'ca.pem',
      mode: 'shared-vfc',
      prefix: 'dpb:vc:london:',
      ports: 32,
      lags: 4,
      subtype: 'ls-vpn',
      resources: 5,
      netns: 'dpb-netns',
      controller: { host: '10.0.0.1', port: 6556 },
      app: { url: 'http://127.0.0.1:8182/', token: 'app-token' },
      shaping: false,
      metering: false,
      maxBridges: 500,
      requestTimeoutMs: 2_000,
      pushIntervalMs: 0,
      retryMinMs: 10,
      retryMaxMs: 100,
    });
    expect(c).toMatchObject({
      api: { url: 'https://corsa.example:8443/prefix', authorization: 'Bearer abc', tls: { ca: expect.stringContaining('BEGIN CERTIFICATE') } },
      mode: 'shared-vfc',
      prefix: 'dpb:vc:london:',
      app: { url: 'http://127.0.0.1:8182', authorization: 'Bearer app-token' },
      maxBridges: 500,
      pushIntervalMs: 0,
    });
  });

  it('joins the lines of a token file (as DPB did) and adds the Bearer scheme when there is none', () => {
    expect(parse({ ...BASE, token: undefined, tokenFile: 'split-token' }).api.authorization).toBe('Bearer abcd');
    expect(parse({ ...BASE, token: undefined, tokenFile: 'bare-token' }).api.authorization).toBe('Bearer xyz');
    expect(parse({ ...BASE, token: 'Token t1' }).api.authorization).toBe('Token t1');
  });

  it('vfc-per-service mode takes the port-group app as an option (static E-Lines); without it there is none', () => {
    const c = parse({ ...BASE, app: { url: 'http://127.0.0.1:8171/', token: 'app-token' } });
    expect(c).toMatchObject({ mode: 'vfc-per-service', app: { url: 'http://127.0.0.1:8171', authorization: 'Bearer app-token' }, maxBridges: 63 });
    expect(parse(BASE).app).toBeUndefined();
  });

  it('shared-vfc mode has no VFC limit unless given', () => {
    const c = parse({ ...BASE, mode: 'shared-vfc', app: { url: 'http://127.0.0.1:8182' } });
    expect(c.maxBridges).toBeUndefined();
  });

  it.each([
    [{ ...BASE, bogus: 1 }, `${P}.bogus`],
    [{ ...BASE, url: undefined }, `${P}.url`],
    [{ ...BASE, url: 'ftp://x' }, `${P}.url`],
    [{ ...BASE, url: 'https://x/?q=1' }, `${P}.url`],
    [{ ...BASE, url: 'https://user:pw@x' }, `${P}.url`],
    [{ ...BASE, token: undefined }, `${P}.token`],
    [{ ...BASE, tokenFile: 'token' }, `${P}.tokenFile`],
    [{ ...BASE, token: undefined, tokenFile: 'missing' }, `${P}.tokenFile`],
    [{ ...BASE, token: undefined, tokenFile: 'empty' }, `${P}.tokenFile`],
    [{ ...BASE, caFile: 'missing.pem' }, `${P}.caFile`],
    [{ ...BASE, caFile: 'not-a-cert.pem' }, `${P}.caFile`],
    [{ ...BASE, caFile: 'ca.pem', certFile: 'ca.pem' }, `${P}.certFile`],
    [{ ...BASE, url: 'http://10.1.1.1', certFile: 'ca.pem' }, `${P}.certFile`],
    [{ ...BASE, mode: 'per-service' }, `${P}.mode`],
    [{ ...BASE, controller: undefined }, `${P}.controller`],
    [{ ...BASE, controller: { host: 'ctl.example' } }, `${P}.controller.host`],
    [{ ...BASE, controller: { host: '10.0.0.1', port: 70000 } }, `${P}.controller.port`],
    [{ ...BASE, controller: { host: '10.0.0.1', tls: true } }, `${P}.controller.tls`],
    [{ ...BASE, mode: 'shared-vfc' }, `${P}.app`],
    [{ ...BASE, mode: 'shared-vfc', app: { url: 'http://x', extra: 1 } }, `${P}.app.extra`],
    [{ ...BASE, mode: 'shared-vfc', app: {} }, `${P}.app.url`],
    [{ ...BASE, app: { url: 'ftp://x' } }, `${P}.app.url`],
    [{ ...BASE, app: 'http://x' }, `${P}.app`],
    [{ ...BASE, prefix: '' }, `${P}.prefix`],
    [{ ...BASE, prefix: 'x'.repeat(49) }, `${P}.prefix`],
    [{ ...BASE, ports: 0 }, `${P}.ports`],
    [{ ...BASE, lags: -1 }, `${P}.lags`],
    [{ ...BASE, resources: 101 }, `${P}.resources`],
    [{ ...BASE, subtype: 'open flow' }, `${P}.subtype`],
    [{ ...BASE, netns: 7 }, `${P}.netns`],
    [{ ...BASE, shaping: 'true' }, `${P}.shaping`],
    [{ ...BASE, metering: 1 }, `${P}.metering`],
    [{ ...BASE, maxBridges: 0 }, `${P}.maxBridges`],
    [{ ...BASE, requestTimeoutMs: 0 }, `${P}.requestTimeoutMs`],
    [{ ...BASE, pushIntervalMs: -1 }, `${P}.pushIntervalMs`],
    [{ ...BASE, retryMinMs: 100, retryMaxMs: 10 }, `${P}.retryMaxMs`],
    ['corsa', P],
  ])('%j is CONFIG_INVALID naming %s', (raw, at) => {
    expect(configError(raw)).toEqual({ code: 'CONFIG_INVALID', path: at });
  });

  it('the driver parses and creates without touching the switch', async () => {
    expect(corsaFabricDriver.kind).toBe('corsa');
    const config = corsaFabricDriver.parseConfig({ ...BASE, url: 'http://127.0.0.1:1' }, P, { configDir: dir });
    const fabric = corsaFabricDriver.create(config, {
      network: 'london',
      configDir: dir,
      runtime: { clock: { now: () => Date.now() }, logger: { debug() {}, info() {}, warn() {}, error() {} } },
    });
    expect(fabric.kind).toBe('corsa');
    expect(fabric.maxBridges()).toBe(DEFAULT_MAX_VFCS);
    expect(fabric.describeInterface('3.100')).toEqual({ description: 'phys.3.100', labels: { min: 1, max: 4094 } });
    expect((fabric as unknown as { prefix: string }).prefix).toBe('dpb:london:');
    await fabric.close();
  });
});

describe('the config examples', () => {
  it.each(['corsa-per-service.yaml', 'corsa-shared.yaml'])('%s has a valid corsa fabric', async (file) => {
    const { parse: parseYaml } = await import('yaml');
    const doc = parseYaml(readFileSync(path.join(__dirname, '..', '..', '..', 'config', 'examples', file), 'utf8')) as {
      networks: { fabric: { corsa?: unknown } }[];
    };
    for (const name of ['corsa.token', 'app.token']) writeFileSync(path.join(dir, name), 'sekret\n');
    writeFileSync(path.join(dir, 'corsa.pem'), readFileSync(path.join(FIXTURES, 'pinned.pem')));
    writeFileSync(path.join(dir, 'corsa-ca.pem'), readFileSync(path.join(FIXTURES, 'ca.pem')));
    const fabrics = doc.networks.filter((n) => n.fabric.corsa !== undefined);
    expect(fabrics.length).toBeGreaterThan(0);
    for (const [i, n] of fabrics.entries()) {
      const c = parseCorsaConfig(n.fabric.corsa, `networks[${i}].fabric.corsa`, { configDir: dir });
      expect(c.api.authorization).toBe('Bearer sekret');
    }
  });
});

describe('the Corsa config examples', () => {
  it.each(['corsa-per-service.yaml', 'corsa-shared.yaml'])('config/examples/%s: every corsa fabric parses (its key files stubbed)', (file) => {
    const doc = parseYaml(readFileSync(path.join(__dirname, '../../../config/examples', file), 'utf8')) as { networks: { fabric?: { corsa?: Record<string, unknown> } }[] };
    const fabrics = doc.networks.map((n) => n.fabric?.corsa).filter((c): c is Record<string, unknown> => c !== undefined);
    expect(fabrics.length).toBeGreaterThan(0);
    for (const raw of fabrics) {
      // the files it names are the operator's; keep the shape, drop the files
      const { tokenFile: _t, certFile: _c, caFile: _a, ...rest } = raw;
      const app = rest.app as Record<string, unknown> | undefined;
      const stubbed = { ...rest, token: 'x', ...(app ? { app: { url: app.url } } : {}) };
      expect(() => parseCorsaConfig(stubbed, 'corsa', { configDir: '/tmp' })).not.toThrow();
    }
  });
});
