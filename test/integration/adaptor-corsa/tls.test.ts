import { CorsaFabric, parseCorsaConfig } from '@dpb/adaptor-corsa';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type CorsaEmulator, startCorsaEmulator } from '../../support/corsa-emulator';

const FIXTURES = path.join(__dirname, 'fixtures');
const pem = (f: string) => readFileSync(path.join(FIXTURES, f), 'utf8');

let emu: CorsaEmulator | undefined;
let fabric: CorsaFabric | undefined;
afterEach(async () => {
  await fabric?.close();
  await emu?.close();
  fabric = undefined;
  emu = undefined;
});

async function fabricOn(keyPair: { key: string; cert: string }, trust: Record<string, string>, token = 'sekret'): Promise<CorsaFabric> {
  emu = await startCorsaEmulator({ tls: keyPair, token: 'Bearer sekret' });
  const config = parseCorsaConfig(
    { url: `${emu.url}/`, token, controller: { host: '10.0.0.1' }, pushIntervalMs: 0, retryMinMs: 20, retryMaxMs: 50, requestTimeoutMs: 2_000, ...trust },
    'networks[0].fabric.corsa',
    { configDir: FIXTURES },
  );
  fabric = new CorsaFabric({ ...config, network: 'lab' });
  return fabric;
}

describe('corsa fabric over HTTPS', () => {
  it('caFile: trusts a server certificate signed by that CA (hostname checked); the token gets the Bearer scheme', async () => {
    const f = await fabricOn({ key: pem('server.key'), cert: pem('server.pem') }, { caFile: 'ca.pem' });
    expect(await f.bridges()).toEqual([]);
    expect(emu?.requests.map((r) => [r.method, r.path, r.status, r.headers.authorization])).toEqual([['GET', '/api/v1/bridges?list=true', 200, 'Bearer sekret']]);
  });

  it('certFile: accepts exactly the pinned certificate, even though it names another host', async () => {
    const f = await fabricOn({ key: pem('pinned.key'), cert: pem('pinned.pem') }, { certFile: 'pinned.pem' }, 'Bearer sekret');
    expect(await f.bridges()).toEqual([]);
    expect(emu?.requests).toHaveLength(1);
  });

  it('certFile: another certificate is refused before any request is sent (bridges wait, with the reason)', async () => {
    const f = await fabricOn({ key: pem('pinned.key'), cert: pem('pinned.pem') }, { certFile: 'other.pem' });
    await f.reconcile([
      {
        id: 'lab/1',
        circuits: [
          { interface: 'phys.1', label: 10, ingressMbps: 1, egressMbps: 1 },
          { interface: 'phys.2', label: 10, ingressMbps: 1, egressMbps: 1 },
        ],
      },
    ]);
    expect(await f.bridges()).toEqual([{ id: 'lab/1', condition: 'pending', reason: expect.stringMatching(/certificate|self.signed|verify/i) }]);
    expect(emu?.requests).toEqual([]);
  });

  it('caFile: a server certificate from another issuer is refused', async () => {
    const f = await fabricOn({ key: pem('pinned.key'), cert: pem('pinned.pem') }, { caFile: 'ca.pem' });
    await f.reconcile([]);
    expect(emu?.requests).toEqual([]);
  });
});
