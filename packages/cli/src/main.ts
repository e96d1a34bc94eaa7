#!/usr/bin/env node
import { runCli } from './run-cli';

/** `dpb` entry point: runs the command line, maps Ctrl-C to an abort, exits with the code. */
async function main(): Promise<void> {
  // `dpb … | head` closes stdout early: that is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? 0 : 1));
  }
  const abort = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    abort.abort();
  });
  const code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: abort.signal,
    columns: process.stdout.columns ?? 80,
  });
  process.exitCode = code;
  // Let stdout drain; exit even if something (an idle keep-alive socket) lingers.
  process.stdout.write('', () => process.exit(code));
}

void main();
