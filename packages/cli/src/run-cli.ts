import type { Argv } from 'yargs';
import Yargs from 'yargs/yargs';
import { ApiClient } from './api-client';
import { NOUNS } from './commands';
import { DPB_CLIENT_HELP, runDpbClient } from './compat/dpb-client';
import { resolveSettings, type Settings } from './config';
import { type Args, type CliIo, type CommandContext, type CommandSpec, stringList, verbOf } from './context';
import { CliError, EXIT, InterruptedError, UsageError } from './errors';
import { HttpTransport } from './http-transport';
import { parseName } from './parse';
import type { Transport } from './transport';

/** The version `dpb --version` prints. */
export const CLI_VERSION = '0.1.0';

const CONNECTION_OPTIONS = ['url', 'token', 'config'] as const;
/** Options that may come before `dpb-client`, and whether they take a value. */
const LEADING_OPTIONS: Record<string, boolean> = { '--url': true, '--token': true, '--config': true, '--network': true, '-n': true, '--json': false };

const CONNECTION_HELP = `Connection: --url, else DPB_URL, else "url:" in the config file, else http://127.0.0.1:4753; likewise --token / DPB_TOKEN / "token:" and --network / DPB_NETWORK / "network:". The config file is --config, else DPB_CONFIG, else $XDG_CONFIG_HOME/dpb/cli.yaml or ~/.config/dpb/cli.yaml.`;

const EXIT_HELP = `Exit codes: 0 ok; 1 the server refused (or no such thing); 2 bad command line; 3 cannot reach the server; 4 not authenticated or not allowed; 5 await timed out; 6 await ended in another status (FAILED, RELEASED); 130 interrupted.`;

type Selection =
  | { kind: 'command'; spec: CommandSpec; args: Args }
  | { kind: 'help'; words: string[] }
  | { kind: 'compat'; leading: Args; words: string[] };

interface ParseResult {
  selection?: Selection;
  output?: string;
  failure?: { message: string; help?: string };
}

/**
 * Runs one `dpb` command line and returns its exit code (see EXIT). Writes
 * only to `io.stdout`/`io.stderr`, never exits the process and never prints
 * a stack trace for an ordinary error, so the server's management shell can
 * run the same commands in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env ?? {};
  try {
    if (io.fixedConnection) refuseConnectionOptions(argv);
    const compat = findDpbClient(argv);
    const parsed = compat ? { selection: compat } : await parseArgs(argv, io);
    if (parsed.failure) {
      if (parsed.failure.help) io.stderr.write(`${parsed.failure.help}\n\n`);
      throw new UsageError(parsed.failure.message, `run "${helpCommand(argv)}" for usage`);
    }
    if (parsed.output !== undefined) {
      if (parsed.output !== '') io.stdout.write(parsed.output.endsWith('\n') ? parsed.output : `${parsed.output}\n`);
      return EXIT.OK;
    }
    const sel = parsed.selection;
    if (!sel) return EXIT.OK;
    if (sel.kind === 'help') {
      if (sel.words[0] === 'dpb-client') {
        io.stdout.write(`${DPB_CLIENT_HELP}\n`);
        return EXIT.OK;
      }
      if (!knownCommand(sel.words, io)) {
        throw new UsageError(`there is no command "dpb ${sel.words.join(' ')}"`, 'run "dpb --help" for the list of commands');
      }
      const help = await parseArgs([...sel.words, '--help'], io);
      io.stdout.write(`${help.output ?? ''}\n`);
      return EXIT.OK;
    }
    const args = sel.kind === 'compat' ? sel.leading : sel.args;
    const settings = settingsFor(args, io, env);
    const ctx = makeContext(io, args, settings, transportFor(settings, io));
    if (sel.kind === 'compat') return await runDpbClient(sel.words, ctx);
    return (await sel.spec.run(ctx, sel.args)) ?? EXIT.OK;
  } catch (e) {
    return report(e, io, env);
  }
}

function refuseConnectionOptions(argv: readonly string[]): void {
  for (const a of argv) {
    if (a === '--') return;
    for (const o of CONNECTION_OPTIONS) {
      if (a === `--${o}` || a.startsWith(`--${o}=`)) {
        throw new UsageError(`--${o} is not available here: this session is already connected to its server`);
      }
    }
  }
}

/** `[leading options] dpb-client WORD...`: the compatibility mode, whose words yargs must not parse. */
function findDpbClient(argv: readonly string[]): Selection | undefined {
  const leading: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === 'dpb-client') return { kind: 'compat', leading, words: argv.slice(i + 1) };
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const takesValue = LEADING_OPTIONS[name];
    if (takesValue === undefined) return undefined;
    const key = name === '-n' ? 'network' : name.replace(/^-+/, '');
    if (!takesValue) {
      if (eq > 0) return undefined;
      leading[key] = true;
    } else if (eq > 0) leading[key] = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) return undefined;
      leading[key] = argv[++i];
    }
  }
  return undefined;
}

/** Whether `words` name a command (or a noun, or nothing: the top level). */
function knownCommand(words: readonly string[], io: CliIo): boolean {
  if (words.length === 0) return true;
  if (words.length === 1 && (words[0] === 'help' || (words[0] === 'completion' && !io.fixedConnection))) return true;
  const noun = NOUNS.find((n) => n.name === words[0]);
  if (!noun || words.length > 2) return false;
  return words.length === 1 || noun.verbs.some((v) => verbOf(v) === words[1] || (v.aliases ?? []).includes(words[1] as string));
}

/** `dpb services define --help` for a command line that failed to parse. */
function helpCommand(argv: readonly string[]): string {
  const words = argv.filter((a) => !a.startsWith('-'));
  const noun = NOUNS.find((n) => n.name === words[0]);
  if (!noun) return 'dpb --help';
  const verb = noun.verbs.find((v) => verbOf(v) === words[1] || (v.aliases ?? []).includes(words[1] ?? ''));
  return verb ? `dpb ${noun.name} ${verbOf(verb)} --help` : `dpb ${noun.name} --help`;
}

const NEED_COMMAND = 'say what to do: dpb <noun> <verb>';

function buildParser(argv: readonly string[], io: CliIo, result: ParseResult): Argv {
  const fixed = io.fixedConnection === true;
  const select = (s: Selection): void => {
    result.selection ??= s;
  };
  let y = Yargs(argv as string[])
    .scriptName('dpb')
    .locale('en')
    .exitProcess(false)
    .wrap(Math.max(40, Math.min(io.columns ?? 80, 160)))
    .usage('$0 <noun> <verb> [arguments] [options]\n\nUse and manage a dpb broker over its REST API (v1).')
    .example('dpb -n wan services list', 'the live services of network wan')
    .example('dpb services --help', 'the verbs of a noun')
    .option('network', { alias: 'n', type: 'string', global: true, describe: 'network to act on (default: DPB_NETWORK or "network:" in the config file)' })
    .option('json', { type: 'boolean', global: true, describe: 'print the server\'s JSON (for scripts) instead of tables' });
  if (!fixed) {
    y = y
      .option('url', { type: 'string', global: true, describe: 'server URL (default: DPB_URL, config "url:", http://127.0.0.1:4753)' })
      .option('token', { type: 'string', global: true, describe: 'bearer token (default: DPB_TOKEN or config "token:")' })
      .option('config', { type: 'string', global: true, describe: 'config file (default: DPB_CONFIG, $XDG_CONFIG_HOME/dpb/cli.yaml, ~/.config/dpb/cli.yaml)' });
  }
  y = y
    .help('help')
    .alias('h', 'help')
    .version('version', 'Show the version of dpb', CLI_VERSION)
    .group(['network', 'json', ...(fixed ? [] : ['url', 'token', 'config']), 'help', 'version'], 'Global options:');
  for (const noun of NOUNS) {
    const verbs = noun.verbs.map(verbOf);
    y = y.command(
      noun.name,
      noun.describe,
      (ny) => {
        let b = ny;
        for (const spec of noun.verbs) {
          b = b.command(
            [spec.command, ...(spec.aliases ?? [])],
            spec.describe,
            (vy) => {
              let v = spec.builder ? spec.builder(vy) : vy;
              for (const [cmd, what] of spec.examples) v = v.example(cmd, what);
              return v;
            },
            (args) => select({ kind: 'command', spec, args: args as Args }),
          );
        }
        const first = noun.verbs[0]?.examples[0];
        if (first) b = b.example(first[0], first[1]);
        return b.demandCommand(1, `say what to do with ${noun.name}: ${verbs.join(', ')}`);
      },
      () => undefined,
    );
  }
  y = y.command(
    'help [command..]',
    'Show help for a command',
    (b) => b.positional('command', { type: 'string', array: true, describe: 'noun and verb' }).example('dpb help services define', 'how to define a service'),
    (args) => select({ kind: 'help', words: stringList(args as Args, 'command') }),
  );
  if (!fixed) y = y.completion('completion', 'Print a bash completion script (zsh when $SHELL is zsh): dpb completion >> ~/.bashrc');
  y = y.command(
    'dpb-client [words..]',
    'Run a command line of the original dpb-client over REST v1 (dpb dpb-client --help)',
    (b) => b.example('dpb dpb-client -n wan -s 1 activate', 'activate service 1 of wan').strict(false),
    (args) => {
      const raw = argv.indexOf('dpb-client');
      select({ kind: 'compat', leading: args as Args, words: argv.slice(raw + 1) });
    },
  );
  return y
    .demandCommand(1, NEED_COMMAND)
    .strict()
    .epilog(fixed ? EXIT_HELP : `${CONNECTION_HELP}\n\n${EXIT_HELP}`)
    .fail((msg, err, inst) => {
      if (result.failure) return;
      const message = msg ?? err?.message ?? 'bad command line';
      let help: string | undefined;
      if (message === NEED_COMMAND || message.startsWith('say what to do with ')) {
        inst.showHelp((s: string) => {
          help = s;
        });
      }
      result.failure = help === undefined ? { message } : { message, help };
    });
}

/** Parses with yargs; help, version and completion output is captured, never printed. */
function parseArgs(argv: readonly string[], io: CliIo): Promise<ParseResult> {
  const result: ParseResult = {};
  const y = buildParser(argv, io, result);
  return new Promise<ParseResult>((resolve) => {
    try {
      void y.parse(argv as string[], {}, (err, _args, output) => {
        if (err && !result.failure) result.failure = { message: err.message };
        if (!result.failure && !result.selection) result.output = output;
        else if (!result.failure && output) result.output = output;
        resolve(result);
      });
    } catch (e) {
      if (!result.failure) result.failure = { message: e instanceof Error ? e.message : String(e) };
      resolve(result);
    }
  });
}

function str(args: Args, key: string): string | undefined {
  const v = args[key];
  if (Array.isArray(v)) {
    if (v.length > 1) throw new UsageError(`--${key} was given ${v.length} times; give it once`);
    return v.length ? String(v[0]) : undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

function settingsFor(args: Args, io: CliIo, env: Record<string, string | undefined>): Settings {
  const network = str(args, 'network');
  if (io.fixedConnection) {
    return { url: '', token: undefined, network: network ?? (env.DPB_NETWORK || undefined), configFile: undefined };
  }
  return resolveSettings({ url: str(args, 'url'), token: str(args, 'token'), config: str(args, 'config'), network }, env);
}

function transportFor(settings: Settings, io: CliIo): Transport {
  if (io.transport) return io.transport;
  if (io.fixedConnection) throw new CliError('no connection: fixedConnection needs a transport', EXIT.UNREACHABLE);
  return new HttpTransport(settings.url, settings.token);
}

function makeContext(io: CliIo, args: Args, settings: Settings, transport: Transport): CommandContext {
  const network = settings.network;
  const check = (): string | undefined => (network === undefined ? undefined : parseName(network, '--network'));
  return {
    io,
    json: args.json === true,
    client: new ApiClient(transport, io.signal),
    signal: io.signal,
    out: (text) => io.stdout.write(`${text}\n`),
    err: (text) => io.stderr.write(`${text}\n`),
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    network: () => {
      const n = check();
      if (n === undefined) {
        throw new UsageError('this command needs a network', 'give --network NET (or -n NET), set DPB_NETWORK, or put "network: NET" in the config file');
      }
      return n;
    },
    networkIfGiven: check,
  };
}

function report(e: unknown, io: CliIo, env: Record<string, string | undefined>): number {
  if (e instanceof InterruptedError) return e.exitCode;
  if (e instanceof CliError) {
    io.stderr.write(`dpb: ${e.message}\n`);
    if (e.hint) io.stderr.write(`hint: ${e.hint}\n`);
    return e.exitCode;
  }
  io.stderr.write(`dpb: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (env.DPB_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return EXIT.REFUSED;
}
