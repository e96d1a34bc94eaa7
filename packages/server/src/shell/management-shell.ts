import { commandNames, HttpTransport, runCli, splitWords } from '@dpb/cli';
import type { Logger } from '@dpb/model';
import type { Authenticator } from '../auth/authenticator';
import type { Principal } from '../auth/principal';
import { type EditorEvent, LineEditor } from './line-editor';

/** The byte stream of one SSH shell session (an ssh2 ServerChannel satisfies it). */
export interface ShellChannel {
  write(data: string): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'close' | 'end', listener: () => void): unknown;
  on(event: 'window-change', listener: (size: { cols: number; rows: number }) => void): unknown;
  exit?(code: number): unknown;
  end(): unknown;
}

export interface ShellOptions {
  principal: Principal;
  authenticator: Authenticator;
  /** REST v1 base URL the shell's commands go to, e.g. http://127.0.0.1:PORT (loopback). */
  restUrl: string;
  logger: Logger;
  /** Terminal size and type when the client asked for a pty; undefined for plain `ssh -T`. */
  pty?: { cols: number; rows: number; term: string };
}

const BUILTINS = ['help', 'whoami', 'exit', 'quit'];
const SESSION_TTL_MS = 12 * 60 * 60_000;

/** Splits "noun verb" command names into the words Tab can complete after `words`. */
function completions(line: string): string[] {
  const words = line.split(/\s+/);
  const partial = words.pop() ?? '';
  const names = commandNames({ fixedConnection: true });
  let pool: string[];
  if (words.filter((w) => w !== '').length === 0) {
    pool = [...new Set([...BUILTINS, ...names.map((n) => n.split(' ')[0] as string)])];
  } else {
    const noun = words.filter((w) => w !== '')[0];
    pool = words.filter((w) => w !== '').length === 1 ? names.filter((n) => n.startsWith(`${noun} `)).map((n) => n.split(' ')[1] as string) : [];
  }
  return pool.filter((c) => c.startsWith(partial)).sort();
}

/**
 * Runs the interactive management shell on an SSH channel: a prompt, the
 * `dpb` CLI's commands (run against REST v1 with the SSH user's rights, via
 * a per-session token that dies with the session), `help`, readable tables
 * and clear errors. Ctrl-C stops a running command (e.g. `services watch`);
 * `exit`, `quit` or Ctrl-D leave.
 */
export function runManagementShell(channel: ShellChannel, options: ShellOptions): void {
  const interactive = options.pty !== undefined;
  const nl = (s: string): string => (interactive ? s.replace(/\r?\n/g, '\r\n') : s);
  const out = (s: string): void => {
    if (!closed) channel.write(nl(s));
  };
  const session = options.authenticator.issueEphemeralToken(options.principal, SESSION_TTL_MS);
  const transport = new HttpTransport(options.restUrl, session.token);
  const prompt = `dpb(${options.principal.name})> `;
  const editor = new LineEditor({ interactive, write: (s) => out(s), complete: completions });
  const pending: EditorEvent[] = [];
  let running: AbortController | undefined;
  let closed = false;
  let columns = options.pty?.cols;

  const finish = (code: number): void => {
    if (closed) return;
    out('');
    closed = true;
    session.revoke();
    running?.abort();
    channel.exit?.(code);
    channel.end();
  };

  const runLine = async (line: string): Promise<void> => {
    let words: string[];
    try {
      words = splitWords(line);
    } catch (e) {
      out(`error: ${(e as Error).message}\n`);
      return;
    }
    if (words.length === 0) return;
    const [first] = words;
    if (first === 'exit' || first === 'quit') return finish(0);
    if (first === 'whoami') {
      out(`${options.principal.name}${options.principal.anonymous ? ' (no authentication: every right)' : ''}\n`);
      return;
    }
    if (first === 'help' || first === '?') {
      if (words.length === 1) {
        out('dpb management shell. Commands are those of the dpb CLI (docs/cli.md), without the "dpb":\n');
        out('  networks list            services list -n wan      trunks list -n wan\n');
        out('  help <noun>              whoami                    exit (or Ctrl-D)\n');
        out('Ctrl-C stops a running command (e.g. services watch). Tab completes command words.\n\n');
      }
      words = [...words.slice(1), '--help'];
    }
    running = new AbortController();
    try {
      const code = await runCli(words, {
        stdout: { write: out },
        stderr: { write: out },
        transport,
        fixedConnection: true,
        signal: running.signal,
        ...(columns !== undefined ? { columns } : {}),
        env: {},
      });
      if (code !== 0 && !interactive) out(`(exit ${code})\n`);
    } catch (e) {
      options.logger.error('shell command failed unexpectedly', { user: options.principal.name, error: e });
      out(`error: ${(e as Error).message}\n`);
    } finally {
      running = undefined;
    }
  };

  const pump = async (): Promise<void> => {
    while (!closed && running === undefined && pending.length > 0) {
      const ev = pending.shift() as EditorEvent;
      if (ev.kind === 'eof') return finish(0);
      if (ev.kind === 'interrupt') {
        editor.showPrompt(prompt);
        continue;
      }
      await runLine(ev.line);
      if (!closed) editor.showPrompt(prompt);
    }
  };

  channel.on('data', (data: Buffer) => {
    for (const ev of editor.feed(data.toString('utf8'))) {
      if (ev.kind === 'interrupt' && running) running.abort();
      else pending.push(ev);
    }
    void pump();
  });
  channel.on('window-change', (size) => {
    if (Number.isInteger(size?.cols) && size.cols > 0) columns = size.cols;
  });
  channel.on('end', () => {
    pending.push({ kind: 'eof' });
    void pump();
  });
  channel.on('close', () => {
    closed = true;
    session.revoke();
    running?.abort();
  });

  if (interactive) out(`dpb management shell: signed in as ${options.principal.name}. Type help for commands, exit to leave.\n`);
  editor.showPrompt(prompt);
}
