import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  circuitFor,
  circuitsConflict,
  kbpsOf,
  normaliseDpid,
  OpenflowFabric,
  openflowFabricDriver,
  parseOpenflowInterface,
} from '@dpb/adaptor-openflow';

function errorOf(f: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    f();
  } catch (e) {
    const b = e as { code: string; details: Record<string, unknown> };
    return { code: b.code, details: b.details };
  }
  throw new Error('expected a failure');
}

describe('openflow interface descriptions', () => {
  it('parses a port: label = VLAN 1..4094', () => {
    expect(parseOpenflowInterface('3')).toEqual({ kind: 'vlan', port: 3, description: '3', labels: { min: 1, max: 4094 } });
  });

  it('parses port.outer: label = inner VLAN 1..4094', () => {
    expect(parseOpenflowInterface('3.100')).toEqual({
      kind: 'qinq',
      port: 3,
      outerVlan: 100,
      description: '3.100',
      labels: { min: 1, max: 4094 },
    });
  });

  it('parses phys: label = port number 1..ports', () => {
    expect(parseOpenflowInterface('phys')).toEqual({ kind: 'phys', description: 'phys', labels: { min: 1, max: 255 } });
    expect(parseOpenflowInterface('phys', 48).labels).toEqual({ min: 1, max: 48 });
  });

  it('[R13] canonicalises: blanks, leading zeros, case', () => {
    expect(parseOpenflowInterface(' 003 ').description).toBe('3');
    expect(parseOpenflowInterface('03.0100').description).toBe('3.100');
    expect(parseOpenflowInterface('PHYS').description).toBe('phys');
    expect(parseOpenflowInterface('4294967040').description).toBe('4294967040');
  });

  it('the fabric describes with its own port count', () => {
    const f = new OpenflowFabric({ controller: 'http://127.0.0.1:1', dpid: 1, ports: 24 });
    expect(f.describeInterface('phys')).toEqual({ description: 'phys', labels: { min: 1, max: 24 } });
    expect(f.describeInterface('7.9')).toEqual({ description: '7.9', labels: { min: 1, max: 4094 } });
    void f.close();
  });

  it.each(['', ' ', '0', '3.0', '3.4095', '3.100.5', '-3', '+3', '3.', '.3', 'p3', 'phys.3', '3x2', '4294967041', 'ph ys', '1e3'])(
    'rejects %j with INVALID_ARGUMENT naming the interface',
    (d) => {
      const e = errorOf(() => parseOpenflowInterface(d));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.details.field).toBe('interface');
      expect(e.details.value).toBe(d);
    },
  );

  it('[R13] maps labels to app circuits as explicit (port, outer, inner), refusing VLAN 0 and 4095', () => {
    expect(circuitFor(parseOpenflowInterface('3'), 100)).toEqual({ port: 3, vlan: 100 });
    expect(circuitFor(parseOpenflowInterface('3.100'), 30)).toEqual({ port: 3, vlan: 100, innerVlan: 30 });
    expect(circuitFor(parseOpenflowInterface('phys'), 7)).toEqual({ port: 7 });
    for (const [d, l] of [
      ['3', 0],
      ['3', 4095],
      ['3.100', 0],
      ['phys', 0],
      ['phys', 256],
    ] as const) {
      const r = circuitFor(parseOpenflowInterface(d), l);
      expect(r).toHaveProperty('refused');
      expect((r as { refused: string }).refused).toContain(String(l));
    }
  });

  it('knows which circuits claim the same frames', () => {
    expect(circuitsConflict({ port: 3 }, { port: 3, vlan: 5 })).toBe(true);
    expect(circuitsConflict({ port: 3, vlan: 5 }, { port: 3, vlan: 5, innerVlan: 1 })).toBe(true);
    expect(circuitsConflict({ port: 3, vlan: 5, innerVlan: 1 }, { port: 3, vlan: 5, innerVlan: 1 })).toBe(true);
    expect(circuitsConflict({ port: 3, vlan: 5, innerVlan: 1 }, { port: 3, vlan: 5, innerVlan: 2 })).toBe(false);
    expect(circuitsConflict({ port: 3, vlan: 5 }, { port: 3, vlan: 6 })).toBe(false);
    expect(circuitsConflict({ port: 3 }, { port: 4 })).toBe(false);
  });

  it('turns Mbit/s into kbit/s, at least 1', () => {
    expect(kbpsOf(10)).toBe(10000);
    expect(kbpsOf(0.0104)).toBe(10);
    expect(kbpsOf(0)).toBe(1);
    expect(kbpsOf(0.0001)).toBe(1);
  });
});

describe('openflow fabric config', () => {
  const P = 'networks[0].fabric.openflow';
  const parse = (raw: unknown, configDir = '/nonexistent') => openflowFabricDriver.parseConfig(raw, P, { configDir });
  const configError = (raw: unknown, configDir?: string) => errorOf(() => parse(raw, configDir));

  it('[R18] fills in defaults; the controller URL works with or without a trailing slash', () => {
    expect(parse({ controller: 'http://127.0.0.1:8181/', dpid: '000000000000000A' })).toEqual({
      controller: 'http://127.0.0.1:8181',
      dpid: '000000000000000a',
      pushIntervalMs: 10000,
      requestTimeoutMs: 5000,
      ports: 255,
    });
    expect(parse({ controller: 'https://ctl.example:9/prefix//', dpid: 1 }).controller).toBe('https://ctl.example:9/prefix');
  });

  it('[R18] accepts 16 hex digits, 0x hex and decimal dpids', () => {
    expect(normaliseDpid('00000000000000ff')).toBe('00000000000000ff');
    expect(normaliseDpid('0000000000000010')).toBe('0000000000000010'); // 16 digits are hex
    expect(normaliseDpid('0xA')).toBe('000000000000000a');
    expect(normaliseDpid('0xffffffffffffffff')).toBe('ffffffffffffffff');
    expect(normaliseDpid(10)).toBe('000000000000000a');
    expect(normaliseDpid('18446744073709551615')).toBe('ffffffffffffffff');
    expect(normaliseDpid(0)).toBe('0000000000000000');
    for (const bad of ['', 'xyz', '0x', '0x10000000000000000', '18446744073709551616', -1, 1.5, 2 ** 60, '00000000000000fg', null, true, {}]) {
      expect(normaliseDpid(bad)).toBeUndefined();
    }
  });

  it('takes every key', () => {
    const c = parse({ controller: 'http://h:1', dpid: '0x1', token: 'abc', pushIntervalMs: 2000, requestTimeoutMs: 700, ports: 48 });
    expect(c).toEqual({
      controller: 'http://h:1',
      dpid: '0000000000000001',
      token: 'abc',
      pushIntervalMs: 2000,
      requestTimeoutMs: 700,
      ports: 48,
    });
  });

  it('reads tokenFile relative to the config directory, trimmed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpb-of-'));
    try {
      writeFileSync(join(dir, 'app.token'), 's3cret\n');
      expect(parse({ controller: 'http://h:1', dpid: 1, tokenFile: 'app.token' }, dir).token).toBe('s3cret');
      writeFileSync(join(dir, 'empty.token'), '\n');
      expect(configError({ controller: 'http://h:1', dpid: 1, tokenFile: 'empty.token' }, dir).details.path).toBe(`${P}.tokenFile`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [null, P],
    ['http://x', P],
    [[], P],
    [{ dpid: 1 }, `${P}.controller`],
    [{ controller: 'ftp://h', dpid: 1 }, `${P}.controller`],
    [{ controller: 'http://h:1?x=1', dpid: 1 }, `${P}.controller`],
    [{ controller: 'http://u:p@h:1', dpid: 1 }, `${P}.controller`],
    [{ controller: 'not a url', dpid: 1 }, `${P}.controller`],
    [{ controller: 42, dpid: 1 }, `${P}.controller`],
    [{ controller: 'http://h' }, `${P}.dpid`],
    [{ controller: 'http://h', dpid: 'sw1' }, `${P}.dpid`],
    [{ controller: 'http://h', dpid: 2 ** 60 }, `${P}.dpid`],
    [{ controller: 'http://h', dpid: -1 }, `${P}.dpid`],
    [{ controller: 'http://h', dpid: 1, token: '' }, `${P}.token`],
    [{ controller: 'http://h', dpid: 1, token: 'a b' }, `${P}.token`],
    [{ controller: 'http://h', dpid: 1, token: 5 }, `${P}.token`],
    [{ controller: 'http://h', dpid: 1, token: 'a', tokenFile: 'f' }, `${P}.tokenFile`],
    [{ controller: 'http://h', dpid: 1, tokenFile: 'missing.token' }, `${P}.tokenFile`],
    [{ controller: 'http://h', dpid: 1, tokenFile: 3 }, `${P}.tokenFile`],
    [{ controller: 'http://h', dpid: 1, pushIntervalMs: 0 }, `${P}.pushIntervalMs`],
    [{ controller: 'http://h', dpid: 1, pushIntervalMs: 1.5 }, `${P}.pushIntervalMs`],
    [{ controller: 'http://h', dpid: 1, pushIntervalMs: '10s' }, `${P}.pushIntervalMs`],
    [{ controller: 'http://h', dpid: 1, requestTimeoutMs: -5 }, `${P}.requestTimeoutMs`],
    [{ controller: 'http://h', dpid: 1, ports: 0 }, `${P}.ports`],
    [{ controller: 'http://h', dpid: 1, ports: 'many' }, `${P}.ports`],
    [{ controller: 'http://h', dpid: 1, dpidd: 1 }, `${P}.dpidd`],
    [{ controller: 'http://h', dpid: 1, url: 'http://h' }, `${P}.url`],
  ])('rejects %j with CONFIG_INVALID at %s', (raw, path) => {
    const e = configError(raw);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.details.path).toBe(path);
  });

  it('the driver builds an openflow fabric for the network without contacting the app', async () => {
    const config = parse({ controller: 'http://127.0.0.1:1', dpid: 5 });
    const { defaultRuntime } = await import('@dpb/model');
    const fabric = openflowFabricDriver.create(config, { network: 'sw1', configDir: '/', runtime: defaultRuntime });
    expect(openflowFabricDriver.kind).toBe('openflow');
    expect(fabric.kind).toBe('openflow');
    expect(fabric).toBeInstanceOf(OpenflowFabric);
    expect((fabric as OpenflowFabric).dpid).toBe('0000000000000005');
    expect(await fabric.bridges()).toEqual([]);
    await fabric.close();
  });
});
