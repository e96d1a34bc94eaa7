import { BrokerError } from '@dpb/model';
import { dependencyOrder, parseConfig, trunkLabelRanges } from '@dpb/server';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';

const baseDir = '/etc/dpb';

function parse(text: string) {
  return parseConfig(text, { baseDir });
}

/** Parses and returns the CONFIG_INVALID error's details. */
function configError(text: string): BrokerError['details'] {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).code).toBe('CONFIG_INVALID');
    return (e as BrokerError).details;
  }
  throw new Error('config was accepted');
}

const SWITCHES = `
networks:
  - name: a
    kind: switch
    fabric: { memory: {} }
    terminals: { vms: eth1, up: eth0 }
  - name: b
    kind: switch
    fabric: { memory: { maxBridges: 10, delayMs: 2 } }
    terminals: { vms: eth1, up: eth0 }
`;

const WAN = `${SWITCHES}
  - name: wan
    kind: aggregator
    inferiors: [a, b]
    terminals: { a-vms: "a:vms", b-vms: "b:vms" }
    trunks:
      - { ends: ["a:up", "b:up"], capacityMbps: 1000, labels: "100-199", cost: 2 }
`;

describe('config: valid files', () => {
  it('fills defaults: REST on 127.0.0.1:4753, SQLite beside the config', () => {
    const c = parse(SWITCHES);
    expect(c.server.rest).toEqual({ host: '127.0.0.1', port: 4753, maxBodyBytes: 1024 * 1024, auth: 'none' });
    expect(c.server.ssh).toMatchObject({ enabled: true, host: '127.0.0.1', port: 4754, auth: 'none' });
    expect(c.users).toEqual([]);
    expect(c.store).toEqual({ sqlite: path.join(baseDir, 'dpb.sqlite') });
    expect(c.networks.map((n) => n.name)).toEqual(['a', 'b']);
  });

  it('hands the fabric key to its driver: memory with its options', () => {
    const c = parse(SWITCHES);
    expect(c.networks[1]).toMatchObject({ kind: 'switch', fabric: { kind: 'memory', config: { maxBridges: 10, delayMs: 2 }, configDir: baseDir } });
    expect(c.networks[0]).toMatchObject({ fabric: { kind: 'memory', config: {} } });
  });

  it('reads an openflow fabric; a datapath id stays as written, not as a YAML number', () => {
    const c = parse(`
networks:
  - name: s1
    kind: switch
    fabric: { openflow: { controller: "http://127.0.0.1:8181", dpid: 0000000000000010 } }
    terminals: { h1: "1", trunk: "2.100", whole: phys }
`);
    expect(c.networks[0]).toMatchObject({ fabric: { kind: 'openflow', config: { dpid: '0000000000000010', controller: 'http://127.0.0.1:8181' } } });
  });

  it('checks terminals with the network\'s own fabric: an openflow port that is not a number is refused at load', () => {
    expect(configError(`
networks:
  - name: s1
    kind: switch
    fabric: { openflow: { controller: "http://127.0.0.1:8181", dpid: 1 } }
    terminals: { h1: "eth1" }
`)).toMatchObject({ path: 'networks[0].terminals.h1', terminal: 'h1' });
    expect(configError(`
networks:
  - name: s1
    kind: switch
    fabric: { openflow: { controller: "http://127.0.0.1:8181", dpid: 1 } }
    terminals: { h1: "3", h2: "03" }
`)).toMatchObject({ path: 'networks[0].terminals.h2' });
  });

  it('resolves a relative SQLite path against the config directory', () => {
    expect(parse(`store: { sqlite: ../data/x.sqlite }\n${SWITCHES}`).store).toEqual({ sqlite: '/etc/data/x.sqlite' });
    expect(parse(`store: { memory: {} }\n${SWITCHES}`).store).toEqual({ memory: {} });
  });

  it('reads an aggregator with trunks, translated labels and directional capacity', () => {
    const c = parse(`${WAN}      - { ends: ["a:vms", "b:vms"], capacityMbps: { upstream: 10, downstream: 20 }, labels: ["5-9:105", "20"] }\n`
      .replace('terminals: { a-vms: "a:vms", b-vms: "b:vms" }', 'terminals: {}'));
    const wan = c.networks[2];
    expect(wan?.kind).toBe('aggregator');
    if (wan?.kind !== 'aggregator') return;
    expect(wan.trunks[1]?.capacityMbps).toEqual({ upstream: 10, downstream: 20 });
    expect(trunkLabelRanges(wan.trunks[1]?.labels ?? [])).toEqual([
      { startBase: 5, count: 5, endBase: 105 },
      { startBase: 20, count: 1, endBase: 20 },
    ]);
  });

  it('orders networks so inferiors come first, wherever they are declared', () => {
    const c = parse(`
networks:
  - { name: top, kind: aggregator, inferiors: [wan] }
  - { name: wan, kind: aggregator, inferiors: [a] }
  - { name: a, kind: switch, fabric: { memory: {} }, terminals: { x: p1 } }
`);
    expect(dependencyOrder(c.networks).map((n) => n.name)).toEqual(['a', 'wan', 'top']);
  });

  it('accepts the shipped demo and example configs', () => {
    for (const f of ['config/default.yaml', 'config/examples/memory-single-switch.yaml']) {
      const file = path.join(__dirname, '../../..', f);
      const c = parseConfig(readFileSync(file, 'utf8'), { baseDir: path.dirname(file) });
      expect(c.networks.length).toBeGreaterThan(0);
    }
  });
});

describe('config: every error names its key path', () => {
  const cases: [string, string, string][] = [
    ['unknown top-level key', `bogus: 1\n${SWITCHES}`, 'bogus'],
    ['unknown key in server.rest', `server: { rest: { prot: 1 } }\n${SWITCHES}`, 'server.rest.prot'],
    ['port out of range', `server: { rest: { port: 70000 } }\n${SWITCHES}`, 'server.rest.port'],
    ['port not a number', `server: { rest: { port: "http" } }\n${SWITCHES}`, 'server.rest.port'],
    ['bad log level', `server: { log: { level: loud } }\n${SWITCHES}`, 'server.log.level'],
    ['two stores', `store: { sqlite: x, memory: {} }\n${SWITCHES}`, 'store'],
    ['unknown store', `store: { postgres: x }\n${SWITCHES}`, 'store.postgres'],
    ['networks missing', `server: {}\n`, 'networks'],
    ['networks not a list', `networks: { a: 1 }\n`, 'networks'],
    ['bad network name', `networks: [{ name: "a b", kind: switch, fabric: { memory: {} } }]`, 'networks[0].name'],
    ['duplicate network', `${SWITCHES}  - { name: a, kind: switch, fabric: { memory: {} } }\n`, 'networks[2].name'],
    ['unknown kind', `networks: [{ name: a, kind: router }]`, 'networks[0].kind'],
    ['unknown network key', `networks: [{ name: a, kind: switch, fabric: { memory: {} }, colour: red }]`, 'networks[0].colour'],
    ['no fabric', `networks: [{ name: a, kind: switch, fabric: {} }]`, 'networks[0].fabric'],
    ['unknown fabric', `networks: [{ name: a, kind: switch, fabric: { quantum: {} } }]`, 'networks[0].fabric.quantum'],
    ['two fabrics', `networks: [{ name: a, kind: switch, fabric: { memory: {}, other: {} } }]`, 'networks[0].fabric'],
    ['fabric not a mapping', `networks: [{ name: a, kind: switch, fabric: memory }]`, 'networks[0].fabric'],
    ['unknown fabric option', `networks: [{ name: a, kind: switch, fabric: { memory: { speed: 1 } } }]`, 'networks[0].fabric.memory.speed'],
    ['negative delay', `networks: [{ name: a, kind: switch, fabric: { memory: { delayMs: -1 } } }]`, 'networks[0].fabric.memory.delayMs'],
    ['bad terminal name', `networks: [{ name: a, kind: switch, fabric: { memory: {} }, terminals: { "x:y": p1 } }]`, 'networks[0].terminals.x:y'],
    ['bad interface description', `networks: [{ name: a, kind: switch, fabric: { memory: {} }, terminals: { x: "p 1" } }]`, 'networks[0].terminals.x'],
    ['interface used twice', `networks: [{ name: a, kind: switch, fabric: { memory: {} }, terminals: { x: p1, y: p1 } }]`, 'networks[0].terminals.y'],
    ['quota on unknown terminal', `networks: [{ name: a, kind: switch, fabric: { memory: {} }, terminals: { x: p1 }, quotas: { y: { ingressMbps: 1 } } }]`, 'networks[0].quotas.y'],
    ['negative quota', `networks: [{ name: a, kind: switch, fabric: { memory: {} }, terminals: { x: p1 }, quotas: { x: { egressMbps: -5 } } }]`, 'networks[0].quotas.x.egressMbps'],
    ['unknown inferior', WAN.replace('inferiors: [a, b]', 'inferiors: [a, c]'), 'networks[2].inferiors[1]'],
    ['self inferior', WAN.replace('inferiors: [a, b]', 'inferiors: [a, wan]'), 'networks[2].inferiors[1]'],
    ['terminal on a non-inferior', WAN.replace('inferiors: [a, b]', 'inferiors: [a]').replace(', b-vms: "b:vms"', '').replace('"b:up"', '"a:vms"'), 'networks[2].trunks[0].ends[1]'],
    ['unknown inferior terminal', WAN.replace('b-vms: "b:vms"', 'b-vms: "b:nope"'), 'networks[2].terminals.b-vms'],
    ['malformed terminal reference', WAN.replace('b-vms: "b:vms"', 'b-vms: "bvms"'), 'networks[2].terminals.b-vms'],
    ['inferior terminal used twice', WAN.replace('b-vms: "b:vms"', 'b-vms: "b:up"'), 'networks[2].trunks[0].ends[1]'],
    ['bad label syntax', WAN.replace('"100-199"', '"100-"'), 'networks[2].trunks[0].labels'],
    ['label range backwards', WAN.replace('"100-199"', '"199-100"'), 'networks[2].trunks[0].labels'],
    ['overlapping label ranges', WAN.replace('"100-199"', '["100-199", "150-160:1000"]'), 'networks[2].trunks[0].labels[1]'],
    ['labels missing', WAN.replace(', labels: "100-199"', ''), 'networks[2].trunks[0].labels'],
    ['capacity missing', WAN.replace('capacityMbps: 1000, ', ''), 'networks[2].trunks[0].capacityMbps'],
    ['negative capacity', WAN.replace('capacityMbps: 1000', 'capacityMbps: -1'), 'networks[2].trunks[0].capacityMbps'],
    ['absurd capacity', WAN.replace('capacityMbps: 1000', 'capacityMbps: 1e12'), 'networks[2].trunks[0].capacityMbps'],
    ['capacity direction missing', WAN.replace('capacityMbps: 1000', 'capacityMbps: { upstream: 5 }'), 'networks[2].trunks[0].capacityMbps.downstream'],
    ['zero cost', WAN.replace('cost: 2', 'cost: 0'), 'networks[2].trunks[0].cost'],
    ['one trunk end', WAN.replace('ends: ["a:up", "b:up"]', 'ends: ["a:up"]'), 'networks[2].trunks[0].ends'],
    ['unknown trunk key', WAN.replace('cost: 2', 'delay: 2'), 'networks[2].trunks[0].delay'],
  ];
  it.each(cases)('%s', (_what, text, keyPath) => {
    expect(configError(text).path).toBe(keyPath);
  });

  it('rejects a cycle of aggregators, naming the inferiors', () => {
    const d = configError(`
networks:
  - { name: x, kind: aggregator, inferiors: [y] }
  - { name: y, kind: aggregator, inferiors: [x] }
`);
    expect(d.path).toMatch(/^networks\[[01]\]\.inferiors$/);
  });

  it('reports YAML syntax errors with a line', () => {
    const d = configError('networks: [\n  { name: a\n');
    expect(d.path).toBe('');
    expect(typeof d.line).toBe('number');
  });

  it('rejects duplicate YAML keys', () => {
    expect(configError('networks: []\nnetworks: []\n').path).toBe('');
  });

  it('gives the line of the offending key', () => {
    const d = configError(WAN.replace('cost: 2', 'cost: -2'));
    expect(d.line).toBe(WAN.split('\n').findIndex((l) => l.includes('cost: 2')) + 1);
  });
});
