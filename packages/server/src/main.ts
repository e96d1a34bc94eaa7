#!/usr/bin/env node
import { isBrokerError } from '@dpb/model';
import { parseArgs } from 'node:util';
import { hashPassword } from './auth/authenticator';
import { loadConfig } from './config/load';
import type { AggregatorNetworkConfig, DpbConfig, SwitchNetworkConfig } from './config/schema';
import { JsonLogger } from './logger';
import { type Listeners, startListeners } from './serve';
import { wire } from './wiring';

const USAGE = `usage: dpb-server --config FILE [--check-config]
       dpb-server hash-password < password-file

  --config FILE    the YAML configuration (see docs/configuration.md)
  --check-config   validate the configuration, print the result, exit 0 (valid) or 1
  --help           this text
  hash-password    read a password (first line of stdin), print a users[].passwordHash value`;

/** Reads the first line of stdin (without echo when it is a terminal). */
async function readPasswordLine(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) process.stderr.write('password: ');
  if (stdin.isTTY) stdin.setRawMode(true);
  let text = '';
  try {
    for await (const chunk of stdin) {
      text += String(chunk);
      if (/[\r\n\x04]/.test(text)) break;
    }
  } finally {
    if (stdin.isTTY) {
      stdin.setRawMode(false);
      process.stderr.write('\n');
    }
    stdin.pause();
  }
  return text.split(/[\r\n\x04]/)[0] ?? '';
}

/** A ready-to-paste curl line creating a multi-site service on the first aggregator (or switch). */
export function demoCurl(config: DpbConfig, base: string): string[] {
  const local = config.networks.filter((n): n is SwitchNetworkConfig | AggregatorNetworkConfig => n.kind !== 'remote');
  const net = local.find((n) => n.kind === 'aggregator') ?? local[0];
  if (!net) return [];
  const terminals = Object.keys(net.terminals).slice(0, 3);
  if (terminals.length < 2) return [];
  const body = {
    handle: 'demo-1',
    circuits: terminals.map((terminal) => ({ terminal, label: 100, ingressMbps: 50, egressMbps: 100 })),
    activate: true,
  };
  const url = `${base}/api/v1/networks/${encodeURIComponent(net.name)}/services`;
  return [
    `curl -sS -X POST ${url} -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`,
    `curl -sS '${url}/demo-1?wait=ACTIVE,FAILED&timeoutMs=10000'`,
    `curl -sS -X DELETE ${url}/demo-1`,
  ];
}

function printConfigError(e: unknown): void {
  if (isBrokerError(e)) {
    const where = [e.details.file, e.details.line === undefined ? undefined : `line ${String(e.details.line)}`].filter(Boolean).join(', ');
    process.stderr.write(`dpb-server: ${e.code}${e.details.path ? ` at ${String(e.details.path)}` : ''}${where ? ` (${where})` : ''}: ${e.message}\n`);
  } else {
    process.stderr.write(`dpb-server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
}

/** Runs the server; resolves with the exit code for --check-config and startup failures. */
export async function main(argv: string[]): Promise<number | undefined> {
  if (argv[0] === 'hash-password') {
    const password = await readPasswordLine();
    if (password === '') {
      process.stderr.write('dpb-server hash-password: the password is empty\n');
      return 1;
    }
    process.stdout.write(`${hashPassword(password)}\n`);
    return 0;
  }
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, 'check-config': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    process.stderr.write(`dpb-server: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = args.values.config;
  if (!file) {
    process.stderr.write(`dpb-server: --config FILE is required\n${USAGE}\n`);
    return 2;
  }
  let config: DpbConfig;
  try {
    config = loadConfig(file);
  } catch (e) {
    printConfigError(e);
    return 1;
  }
  if (args.values['check-config']) {
    process.stdout.write(`${file}: valid (${config.networks.length} networks: ${config.networks.map((n) => `${n.name} (${n.kind})`).join(', ')})\n`);
    return 0;
  }

  const logger = new JsonLogger({ level: config.server.log.level });
  let wired;
  try {
    wired = await wire(config, { logger });
  } catch (e) {
    printConfigError(e);
    return 1;
  }
  let listeners: Listeners;
  try {
    listeners = await startListeners(config, wired.networks, logger);
  } catch (e) {
    process.stderr.write(`dpb-server: ${(e as Error).message}\n`);
    await wired.close();
    return 1;
  }
  const base = listeners.restUrl;
  logger.info('listening', { url: base, ssh: listeners.sshPort, networks: [...wired.networks.keys()] });
  const lines = [
    `dpb-server: REST API on ${base}/api/v1 (OpenAPI: ${base}/api/v1/openapi.json; DPB-compatible: ${base}/network/<name>/...); networks: ${[...wired.networks.keys()].join(', ')}`,
  ];
  if (listeners.sshPort !== undefined) {
    lines.push(
      `dpb-server: SSH on ${config.server.ssh.host}:${listeners.sshPort} (host key ${listeners.sshFingerprint ?? '?'}): 'ssh -p ${listeners.sshPort} ${config.server.ssh.host}' for the management shell, '... <network>' for the DPB JSON protocol`,
    );
  }
  if (config.server.rest.auth === 'required') lines.push('dpb-server: REST requires a credential (users in the config)');
  const curl = config.server.rest.auth === 'none' ? demoCurl(config, base) : [];
  if (curl.length > 0) {
    lines.push('Try a multi-site service, then read it back once ACTIVE, then release it:', ...curl.map((c) => `  ${c}`));
  }
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    void listeners
      .close()
      .then(() => wired.close())
      .then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error('error while stopping', { error: e });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return undefined;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (e: unknown) => {
      printConfigError(e);
      process.exit(1);
    },
  );
}
