import type { Argv } from 'yargs';
import type { ApiClient } from './api-client';
import { UsageError } from './errors';
import type { Transport } from './transport';

/** Where a run of the CLI writes, and what it runs against. See {@link runCli}. */
export interface CliIo {
  stdout: { write(s: string): void };
  stderr: { write(s: string): void };
  /** Environment (DPB_URL, DPB_TOKEN, DPB_NETWORK, DPB_CONFIG, HOME, XDG_CONFIG_HOME); none when omitted. */
  env?: Record<string, string | undefined>;
  /** Used instead of an HttpTransport built from --url/--token/config. */
  transport?: Transport;
  /**
   * The connection is fixed by the caller (the server's management shell):
   * --url, --token and --config are refused, no config file is read, and
   * `completion` is not offered.
   */
  fixedConnection?: boolean;
  /** Aborting it interrupts the run (Ctrl-C); the run then ends with exit code 130. */
  signal?: AbortSignal;
  /** Terminal width, for wrapping help text; default 80. */
  columns?: number;
}

/** Everything a command's action needs. */
export interface CommandContext {
  readonly io: CliIo;
  /** --json was given: print raw JSON for scripts. */
  readonly json: boolean;
  readonly client: ApiClient;
  readonly signal: AbortSignal | undefined;
  /** Writes text and a newline to stdout. */
  out(text: string): void;
  /** Writes text and a newline to stderr. */
  err(text: string): void;
  /** Prints a reply body as indented JSON on stdout. */
  printJson(value: unknown): void;
  /** The network to act on (--network/-n, DPB_NETWORK or the config file); UsageError if there is none. */
  network(): string;
  /** The network if one was given, else undefined. */
  networkIfGiven(): string | undefined;
}

/** Parsed arguments as yargs returns them. */
export type Args = Record<string, unknown>;

/** One `dpb <noun> <verb>` command. The table of these drives yargs, help, completion and {@link commandNames}. */
export interface CommandSpec {
  /** yargs command string without the noun, e.g. `define <service> [circuits..]`. */
  command: string;
  aliases?: readonly string[];
  describe: string;
  /** Options and positionals (all strings; the action parses them). */
  builder?: (y: Argv) => Argv;
  /** At least one example, shown by --help. */
  examples: readonly (readonly [string, string])[];
  /** Runs the command; returns the exit code (0 when it returns nothing). */
  run(ctx: CommandContext, args: Args): Promise<number | void>;
}

/** A noun and its verbs. */
export interface NounSpec {
  name: string;
  describe: string;
  verbs: readonly CommandSpec[];
}

/** The verb of a spec (`define` of `define <service> [circuits..]`). */
export function verbOf(spec: CommandSpec): string {
  return spec.command.split(/\s+/)[0] as string;
}

// ---- reading parsed arguments

function flagName(key: string): string {
  return key.length === 1 ? `-${key}` : `--${key}`;
}

/** An optional single string argument; UsageError if it was given twice. */
export function optString(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    if (v.length > 1) throw new UsageError(`${flagName(key)} was given ${v.length} times; give it once`);
    return String(v[0]);
  }
  if (typeof v === 'boolean') throw new UsageError(`${flagName(key)} needs a value`);
  return String(v);
}

/** A required single string argument (yargs already checks positionals are present). */
export function reqString(args: Args, key: string, what = key.toUpperCase()): string {
  const v = optString(args, key);
  if (v === undefined || v === '') throw new UsageError(`${what} is missing`);
  return v;
}

/** A possibly repeated string argument, as a list (comma-separated values are split when `splitCommas`). */
export function stringList(args: Args, key: string, splitCommas = false): string[] {
  const v = args[key];
  if (v === undefined || v === null) return [];
  const list = (Array.isArray(v) ? v : [v]).map((x) => {
    if (typeof x === 'boolean') throw new UsageError(`${flagName(key)} needs a value`);
    return String(x);
  });
  return splitCommas ? list.flatMap((s) => s.split(',')).filter((s) => s !== '') : list;
}

/** A boolean flag. */
export function flag(args: Args, key: string): boolean {
  return args[key] === true;
}
