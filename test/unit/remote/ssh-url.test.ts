import { isBrokerError } from '@dpb/model';
import { DEFAULT_DPB_SSH_PORT, formatSshRemote, parseSshUrl, sshNetworkOptionsFromUrl, sshFingerprint } from '@dpb/remote';

function refusal(url: string): unknown {
  try {
    parseSshUrl(url);
  } catch (e) {
    return isBrokerError(e) ? { code: e.code, field: e.details.field } : e;
  }
  return 'accepted';
}

describe('ssh:// URLs', () => {
  it('reads user, host, port and network', () => {
    expect(parseSshUrl('ssh://noc@broker.example.net:2222/wan')).toEqual({ username: 'noc', host: 'broker.example.net', port: 2222, network: 'wan' });
    expect(parseSshUrl('ssh://noc@10.0.0.1/lab')).toEqual({ username: 'noc', host: '10.0.0.1', port: DEFAULT_DPB_SSH_PORT, network: 'lab' });
    expect(parseSshUrl('ssh://noc@[::1]:4754/lab')).toEqual({ username: 'noc', host: '::1', port: 4754, network: 'lab' });
    expect(parseSshUrl('ssh://n%40c@h:1/site%20a')).toEqual({ username: 'n@c', host: 'h', port: 1, network: 'site a' });
  });

  it('refuses anything else with INVALID_ARGUMENT naming the url', () => {
    for (const bad of ['http://noc@h/wan', 'ssh://h:22/wan', 'ssh://noc@h:22', 'ssh://noc@h:0/wan', 'ssh://noc@h:70000/wan', 'ssh://noc@h/a/b', 'ssh://%zz@h/wan']) {
      expect([bad, refusal(bad)]).toEqual([bad, { code: 'INVALID_ARGUMENT', field: 'url' }]);
    }
  });

  it('names the remote end without the user, and builds SshNetwork options', () => {
    expect(formatSshRemote('::1', 4754, 'wan')).toBe('ssh://[::1]:4754/wan');
    expect(sshNetworkOptionsFromUrl('ssh://noc@h:9/wan', { password: 'pw', name: 'site' })).toEqual({
      password: 'pw',
      name: 'site',
      host: 'h',
      port: 9,
      username: 'noc',
      network: 'wan',
    });
  });

  it('fingerprints a key blob as ssh-keygen does (SHA256, base64 without padding)', () => {
    expect(sshFingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});
