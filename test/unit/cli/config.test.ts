import { DEFAULT_URL, defaultConfigPath, EXIT, parseConfigText, resolveSettings, UsageError } from '@dpb/cli';

const files = (map: Record<string, string>) => (path: string): string | undefined => map[path];

describe('connection settings', () => {
  test('flags win over the environment, which wins over the config file, which wins over the default', () => {
    const read = files({ '/home/u/.config/dpb/cli.yaml': 'url: http://file:1\ntoken: f\nnetwork: wan\n' });
    const env = { HOME: '/home/u' };
    expect(resolveSettings({}, env, read)).toEqual({ url: 'http://file:1', token: 'f', network: 'wan', configFile: '/home/u/.config/dpb/cli.yaml' });
    expect(resolveSettings({}, { ...env, DPB_URL: 'http://env:2', DPB_TOKEN: 'e', DPB_NETWORK: 'core' }, read)).toMatchObject({ url: 'http://env:2', token: 'e', network: 'core' });
    expect(resolveSettings({ url: 'http://flag:3', token: 't', network: 'paris' }, { ...env, DPB_URL: 'http://env:2' }, read)).toMatchObject({
      url: 'http://flag:3',
      token: 't',
      network: 'paris',
    });
    expect(resolveSettings({}, {}, files({}))).toEqual({ url: DEFAULT_URL, token: undefined, network: undefined, configFile: undefined });
  });

  test('XDG_CONFIG_HOME is preferred to HOME', () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/dpb/cli.yaml');
    expect(defaultConfigPath({ HOME: '/h' })).toBe('/h/.config/dpb/cli.yaml');
    expect(defaultConfigPath({})).toBeUndefined();
  });

  test('a missing default file is fine; a missing --config file is a usage error', () => {
    expect(resolveSettings({}, { HOME: '/h' }, files({})).configFile).toBeUndefined();
    expect(() => resolveSettings({ config: '/nope.yaml' }, {}, files({}))).toThrow(UsageError);
  });

  test('JSON is accepted (it is YAML); unknown keys and non-strings are usage errors', () => {
    expect(parseConfigText('{"url": "http://h:1"}', 'f')).toEqual({ url: 'http://h:1' });
    expect(parseConfigText('', 'f')).toEqual({});
    for (const bad of ['uri: http://h', 'url: 5', '- a', 'url: [', 'url: ""']) {
      try {
        parseConfigText(bad, 'f');
        throw new Error(`accepted ${bad}`);
      } catch (e) {
        expect((e as UsageError).exitCode).toBe(EXIT.USAGE);
      }
    }
  });
});
