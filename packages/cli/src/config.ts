import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './errors';

/** Where `dpb` connects to when nothing says otherwise. */
export const DEFAULT_URL = 'http://127.0.0.1:4753';

/** The keys of the CLI config file (`cli.yaml`). */
export interface CliConfigFile {
  /** Server base URL, e.g. http://broker.example:4753. */
  url?: string;
  /** Bearer token. */
  token?: string;
  /** Network used when a command needs one and --network is not given. */
  network?: string;
}

const KEYS = ['url', 'token', 'network'] as const;

/** `$XDG_CONFIG_HOME/dpb/cli.yaml`, else `$HOME/.config/dpb/cli.yaml`; undefined without either variable. */
export function defaultConfigPath(env: Record<string, string | undefined>): string | undefined {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'dpb', 'cli.yaml');
  if (env.HOME) return join(env.HOME, '.config', 'dpb', 'cli.yaml');
  return undefined;
}

/** Parses the config file's text (YAML, so JSON works too); UsageError naming the file and key otherwise. */
export function parseConfigText(text: string, file: string): CliConfigFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new UsageError(`config file ${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`config file ${file} must be a mapping with keys ${KEYS.join(', ')}`);
  const out: CliConfigFile = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!(KEYS as readonly string[]).includes(k)) {
      throw new UsageError(`config file ${file}: unknown key ${JSON.stringify(k)}; the keys are ${KEYS.join(', ')}`);
    }
    if (typeof v !== 'string' || v === '') throw new UsageError(`config file ${file}: ${k} must be a non-empty string`);
    out[k as keyof CliConfigFile] = v;
  }
  return out;
}

/** Reads a file's text, or undefined if it does not exist. */
export type ReadConfigFile = (path: string) => string | undefined;

export const readConfigFile: ReadConfigFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
};

/** Where to connect and which network to use by default, with where each came from. */
export interface Settings {
  url: string;
  token: string | undefined;
  network: string | undefined;
  /** The config file that was read, if any. */
  configFile: string | undefined;
}

export interface SettingFlags {
  url?: string | undefined;
  token?: string | undefined;
  config?: string | undefined;
  network?: string | undefined;
}

/**
 * Resolves the connection: each setting from its flag, else the environment
 * (`DPB_URL`, `DPB_TOKEN`, `DPB_NETWORK`), else the config file (`--config`,
 * `DPB_CONFIG`, or the default path), else the default. A missing default
 * config file is fine; a missing `--config` file is a usage error.
 */
export function resolveSettings(
  flags: SettingFlags,
  env: Record<string, string | undefined>,
  read: ReadConfigFile = readConfigFile,
): Settings {
  const explicit = flags.config ?? (env.DPB_CONFIG || undefined);
  const path = explicit ?? defaultConfigPath(env);
  let file: CliConfigFile = {};
  let configFile: string | undefined;
  if (path !== undefined) {
    const text = read(path);
    if (text === undefined && explicit !== undefined) throw new UsageError(`config file ${path} does not exist`);
    if (text !== undefined) {
      file = parseConfigText(text, path);
      configFile = path;
    }
  }
  return {
    url: flags.url ?? (env.DPB_URL || undefined) ?? file.url ?? DEFAULT_URL,
    token: flags.token ?? (env.DPB_TOKEN || undefined) ?? file.token,
    network: flags.network ?? (env.DPB_NETWORK || undefined) ?? file.network,
    configFile,
  };
}
