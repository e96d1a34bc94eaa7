/**
 * The OSM RO DPB connector's SSH mode exactly as osm-wim.md §2.5 describes
 * it: exec the network name, read the hello, then one request per new
 * session number 1, 2, 3, … (never closed), `session` written before
 * `content`, and the next frame read as the reply whatever its session.
 */
import { generateHostKeyPair } from '@dpb/server';
import { FrameReader, type Json, sshConnect } from './reference-client';
import { type SshBroker, startSshBroker, WAN_YAML } from './ssh-broker';

const KEY = generateHostKeyPair();

/** The connector's transport, restated: paramiko exec + read one frame per write. */
class OsmSshInterface {
  private session = 0;
  private readonly reader = new FrameReader();
  private readonly frames: Json[] = [];
  private waiter: ((f: Json) => void) | undefined;
  hello!: Json;

  private constructor(private readonly channel: import('ssh2').ClientChannel) {
    channel.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk)) {
        const w = this.waiter;
        this.waiter = undefined;
        if (w) w(f as Json);
        else this.frames.push(f as Json);
      }
    });
  }

  static async connect(port: number, network: string, auth: { password: string } | { privateKey: string }): Promise<{ osm: OsmSshInterface; end(): void }> {
    const ssh = await sshConnect({ port, username: 'osm', ...auth });
    const osm = await new Promise<OsmSshInterface>((resolve, reject) =>
      ssh.exec(network, (err, ch) => (err ? reject(err) : resolve(new OsmSshInterface(ch)))),
    );
    osm.hello = await osm.readFrame();
    return { osm, end: () => ssh.end() };
  }

  private readFrame(): Promise<Json> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply within 15 s (the connector would hang forever)')), 15_000);
      this.waiter = (x) => {
        clearTimeout(timer);
        resolve(x);
      };
    });
  }

  /** `_send_request`: session first, then content; returns the next frame's content (or {}). */
  async request(content: Json): Promise<Json> {
    this.session += 1;
    const text = `{"session": ${this.session}, "content": ${JSON.stringify(content)}}`;
    const body = Buffer.from(text, 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    this.channel.write(Buffer.concat([head, body]));
    const reply = await this.readFrame();
    return (reply.content as Json | undefined) ?? {};
  }
}

const segment = (vlanA: number, vlanB: number): Json[] => [
  { 'terminal-name': 'london', label: vlanA, 'ingress-bw': 10.0, 'egress-bw': 10.0 },
  { 'terminal-name': 'paris', label: vlanB, 'ingress-bw': 10.0, 'egress-bw': 10.0 },
];

let broker: SshBroker;

beforeAll(async () => {
  broker = await startSshBroker(WAN_YAML, {
    auth: 'required',
    usersYaml: `users:\n  - { name: osm, password: "osm-secret", sshKeys: [${JSON.stringify(KEY.public)}], rights: { wan: [control] } }\n`,
  });
});

afterAll(async () => {
  await broker?.close();
});

describe.each([
  ['password', { password: 'osm-secret' }],
  ['key', { privateKey: KEY.private }],
] as const)('OSM connector sequence over SSH (%s auth)', (_how, auth) => {
  it('create, define, activate, status, edit (reset via NOT IMPLEMENTED, then reset-service), delete', async () => {
    const { osm, end } = await OsmSshInterface.connect(broker.port, 'wan', auth);
    try {
      expect(osm.hello.error).toBeUndefined();
      expect(osm.hello['network-name']).toBe('wan');

      // create_connectivity_service
      const created = await osm.request({ type: 'new-service' });
      const id = created['service-id'];
      expect(Number.isInteger(id)).toBe(true);
      expect(await osm.request({ segment: segment(120, 130), 'service-id': id, type: 'define-service' })).toEqual({});
      expect(await osm.request({ 'service-id': id, type: 'activate-service' })).toEqual({});

      // get_connectivity_service_status
      expect(await osm.request({ 'timeout-millis': 10000, acceptable: ['ACTIVE', 'FAILED'], 'service-id': id, type: 'await-service-status' })).toEqual({
        status: 'ACTIVE',
      });

      // edit_connectivity_service: RESET is sent literally as type "NOT IMPLEMENTED" — an error frame, not silence
      const notImplemented = await osm.request({ 'service-id': id, type: 'NOT IMPLEMENTED' });
      expect(notImplemented).toMatchObject({ error: 'bad-argument', code: 'INVALID_ARGUMENT', details: { reason: 'unknown-type' } });
      // …and the service is untouched
      expect(await osm.request({ 'timeout-millis': 0, acceptable: ['ACTIVE'], 'service-id': id, type: 'await-service-status' })).toEqual({ status: 'ACTIVE' });
      // a fixed connector resets for real, then redefines on the same id
      expect(await osm.request({ 'service-id': id, type: 'reset-service' })).toEqual({});
      expect(await osm.request({ 'timeout-millis': 10000, acceptable: ['DORMANT'], 'service-id': id, type: 'await-service-status' })).toEqual({ status: 'DORMANT' });
      expect(await osm.request({ segment: segment(121, 131), 'service-id': id, type: 'define-service' })).toEqual({});
      expect(await osm.request({ 'service-id': id, type: 'activate-service' })).toEqual({});
      expect(await osm.request({ 'timeout-millis': 10000, acceptable: ['ACTIVE', 'FAILED'], 'service-id': id, type: 'await-service-status' })).toEqual({
        status: 'ACTIVE',
      });
      const info = await (await broker.wired.networks.get('wan')!.control.service(id)).describe();
      expect(info.request?.circuits.map((c) => [c.terminal, c.label, c.ingressMbps, c.egressMbps])).toEqual([
        ['london', 121, 10, 10],
        ['paris', 131, 10, 10],
      ]);

      // delete_connectivity_service
      expect(await osm.request({ 'service-id': id, type: 'release-service' })).toEqual({});
      expect(await osm.request({ 'timeout-millis': 10000, acceptable: ['RELEASED'], 'service-id': id, type: 'await-service-status' })).toEqual({ status: 'RELEASED' });
    } finally {
      end();
    }
  });
});

it('a define the connector gets wrong still gets an error frame, and the service stays DORMANT for the next status poll', async () => {
  const { osm, end } = await OsmSshInterface.connect(broker.port, 'wan', { password: 'osm-secret' });
  try {
    const id = (await osm.request({ type: 'new-service' }))['service-id'];
    const bad = await osm.request({ segment: [{ 'terminal-name': 'london', label: 5, 'ingress-bw': 10.0, 'egress-bw': 10.0 }, { 'terminal-name': 'mars', label: 5, 'ingress-bw': 10.0, 'egress-bw': 10.0 }], 'service-id': id, type: 'define-service' });
    expect(bad).toMatchObject({ error: 'terminal-unknown', 'terminal-name': 'mars' });
    expect(await osm.request({ 'service-id': id, type: 'activate-service' })).toEqual({});
    expect(await osm.request({ 'timeout-millis': 100, acceptable: ['ACTIVE', 'FAILED'], 'service-id': id, type: 'await-service-status' })).toEqual({ status: 'DORMANT' });
    expect(await osm.request({ 'service-id': id, type: 'release-service' })).toEqual({});
  } finally {
    end();
  }
});

