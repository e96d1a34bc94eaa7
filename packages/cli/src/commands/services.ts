import type { ServiceStatus } from '@dpb/model';
import type { Argv } from 'yargs';
import type { CircuitBody } from '@dpb/protocol';
import { apiPath } from '../api-client';
import { type Args, type CommandContext, type CommandSpec, flag, type NounSpec, optString, reqString, stringList } from '../context';
import { CliError, EXIT, TransportError, UsageError } from '../errors';
import { renderEvent, renderService, renderServices, serviceLine } from '../output';
import { type CircuitDefaults, parseCircuit, parseDuration, parseHandle, parseMbps, parseServiceArg, parseStatusList } from '../parse';
import type { ServiceEventJson, ServiceJson } from '../wire';

/** Longest single `?wait=` the server accepts, ms. */
const MAX_SERVER_WAIT_MS = 60_000;
/** Extra time a waiting request is given beyond its wait, ms. */
const WAIT_GRACE_MS = 15_000;
/** Default of `await --timeout`. */
export const DEFAULT_AWAIT = '30s';

function servicePath(network: string, service: string, ...rest: string[]): string {
  return apiPath('networks', network, 'services', service, ...rest);
}

function circuitDefaults(args: Args): CircuitDefaults {
  const out: CircuitDefaults = {};
  const bw = optString(args, 'bw');
  if (bw !== undefined) out.ingressMbps = out.egressMbps = parseMbps(bw, '--bw');
  const i = optString(args, 'in');
  const o = optString(args, 'out');
  if (i !== undefined) out.ingressMbps = parseMbps(i, '--in');
  if (o !== undefined) out.egressMbps = parseMbps(o, '--out');
  return out;
}

/** Parses the circuit arguments; a service needs none (create) or at least two. */
export function circuitsFrom(args: Args, required: boolean): CircuitBody[] {
  const texts = stringList(args, 'circuits');
  if (texts.length === 0 && !required) return [];
  const defaults = circuitDefaults(args);
  const circuits = texts.map((t) => parseCircuit(t, defaults));
  if (circuits.length < 2) {
    throw new UsageError(`a service needs at least two circuits; got ${circuits.length}`, 'write each as terminal:label[:in[:out]], e.g. london:100:50 paris:100:50');
  }
  return circuits;
}

function circuitOptions(y: Argv): Argv {
  return y
    .positional('circuits', { type: 'string', array: true, describe: 'terminal:label[:in[:out]] (rates in Mbit/s)' })
    .option('bw', { type: 'string', describe: 'default ingress and egress of circuits that give none, Mbit/s' })
    .option('in', { type: 'string', describe: 'default ingress (what the customer sends in), Mbit/s' })
    .option('out', { type: 'string', describe: 'default egress (most the customer accepts), Mbit/s; default: whatever the others send' });
}

function printService(ctx: CommandContext, s: ServiceJson, prefix = ''): void {
  if (ctx.json) ctx.printJson(s);
  else ctx.out(prefix + serviceLine(s));
}

function lifecycle(verb: 'activate' | 'deactivate' | 'reset' | 'release', describe: string, example: string): CommandSpec {
  return {
    command: `${verb} <service>`,
    describe,
    builder: (y) => y.positional('service', { type: 'string', describe: 'service id or handle' }),
    examples: [[`dpb -n wan services ${verb} demo-1`, example]],
    run: async (ctx, args) => {
      const svc = parseServiceArg(reqString(args, 'service', 'SERVICE'));
      const net = ctx.network();
      const res =
        verb === 'release'
          ? await ctx.client.call('DELETE', servicePath(net, svc), undefined, `release service ${svc} on network ${net}`)
          : await ctx.client.call('POST', servicePath(net, svc, verb), undefined, `${verb} service ${svc} on network ${net}`);
      printService(ctx, res.body as ServiceJson);
    },
  };
}

/** Waits (in server-side slices of at most 60 s) until the service reaches one of `wanted`, FAILED or RELEASED, or the deadline. */
export async function awaitService(
  ctx: CommandContext,
  network: string,
  service: string,
  wanted: readonly ServiceStatus[],
  timeoutMs: number,
): Promise<{ info: ServiceJson; outcome: 'reached' | 'timeout' | 'other' }> {
  const waitFor = [...new Set<ServiceStatus>([...wanted, 'FAILED'])];
  const deadline = Date.now() + timeoutMs;
  for (let first = true; ; first = false) {
    // the first slice asks for exactly what was given; later ones for what is left of it
    const remaining = first ? timeoutMs : Math.max(0, deadline - Date.now());
    const slice = Math.min(remaining, MAX_SERVER_WAIT_MS);
    const path = `${servicePath(network, service)}?wait=${waitFor.join(',')}&timeoutMs=${slice}`;
    const res = await ctx.client.call('GET', path, undefined, `wait for service ${service} on network ${network}`, slice + WAIT_GRACE_MS);
    const info = res.body as ServiceJson;
    if (wanted.includes(info.status)) return { info, outcome: 'reached' };
    if (info.status === 'FAILED' || info.status === 'RELEASED') return { info, outcome: 'other' };
    if (remaining - slice <= 0) return { info, outcome: 'timeout' };
  }
}

/** `dpb services …`. */
export const servicesNoun: NounSpec = {
  name: 'services',
  describe: 'Create, define, activate, watch, await and release services',
  verbs: [
    {
      command: 'list',
      aliases: ['ls'],
      describe: 'List services not yet released',
      builder: (y) =>
        y
          .option('status', { type: 'string', describe: 'only these statuses, e.g. ACTIVE,FAILED' })
          .option('handle', { type: 'string', describe: 'only the service with this handle' }),
      examples: [
        ['dpb -n wan services list', 'every live service of wan'],
        ['dpb -n wan services list --status FAILED', 'only failed ones'],
      ],
      run: async (ctx, args) => {
        const query: string[] = [];
        const status = optString(args, 'status');
        if (status !== undefined) query.push(`status=${parseStatusList(status, '--status').join(',')}`);
        const handle = optString(args, 'handle');
        if (handle !== undefined) query.push(`handle=${encodeURIComponent(handle)}`);
        const net = ctx.network();
        const path = apiPath('networks', net, 'services') + (query.length ? `?${query.join('&')}` : '');
        const list = await ctx.client.get<ServiceJson[]>(path, `list the services of network ${net}`);
        if (ctx.json) ctx.printJson(list);
        else ctx.out(renderServices(net, list));
      },
    },
    {
      command: 'show <service>',
      describe: 'Show a service: status, intent, circuits, errors, history (and tunnels on an aggregator)',
      builder: (y) => y.positional('service', { type: 'string', describe: 'service id or handle' }),
      examples: [['dpb -n wan services show demo-1', 'everything about service demo-1']],
      run: async (ctx, args) => {
        const svc = parseServiceArg(reqString(args, 'service', 'SERVICE'));
        const net = ctx.network();
        const info = await ctx.client.get<ServiceJson>(servicePath(net, svc), `show service ${svc} on network ${net}`);
        if (ctx.json) ctx.printJson(info);
        else ctx.out(renderService(info));
      },
    },
    {
      command: 'create [circuits..]',
      describe: 'Create a service; with circuits, also define it; with --activate, also activate it',
      builder: (y) =>
        circuitOptions(y)
          .option('handle', { type: 'string', describe: 'your name for it; creating again with the same handle returns the same service' })
          .option('activate', { type: 'boolean', describe: 'activate it at once (or as soon as it is defined)' }),
      examples: [
        ['dpb -n wan services create --handle demo-1 london:100 paris:100 amsterdam:100 --bw 50 --activate', 'a three-site service at 50 Mbit/s, activated'],
        ['dpb -n wan services create --handle later', 'an empty (DORMANT) service to define later'],
      ],
      run: async (ctx, args) => {
        const circuits = circuitsFrom(args, false);
        const h = optString(args, 'handle');
        const body: Record<string, unknown> = {};
        if (h !== undefined) body.handle = parseHandle(h);
        if (circuits.length) body.circuits = circuits;
        if (flag(args, 'activate')) body.activate = true;
        const net = ctx.network();
        const res = await ctx.client.call('POST', apiPath('networks', net, 'services'), body, `create a service on network ${net}`);
        printService(ctx, res.body as ServiceJson, res.status === 201 ? 'created ' : 'already exists: ');
      },
    },
    {
      command: 'define <service> <circuits..>',
      describe: 'Define a service\'s circuits (reserves bandwidth and labels; nothing is reserved if it fails)',
      builder: (y) => circuitOptions(y.positional('service', { type: 'string', describe: 'service id or handle' })),
      examples: [
        ['dpb -n wan services define 3 london:100 frankfurt:200 --bw 100', 'two sites at 100 Mbit/s each way'],
        ['dpb -n wan services define demo-2 london:101:50:100 paris:101:50', 'per-circuit ingress[:egress]'],
      ],
      run: async (ctx, args) => {
        const svc = parseServiceArg(reqString(args, 'service', 'SERVICE'));
        const circuits = circuitsFrom(args, true);
        const net = ctx.network();
        const res = await ctx.client.call('PUT', servicePath(net, svc, 'circuits'), { circuits }, `define service ${svc} on network ${net}`);
        printService(ctx, res.body as ServiceJson, 'defined ');
      },
    },
    lifecycle('activate', 'Ask for traffic to flow (remembered if the service is not yet defined)', 'start carrying traffic'),
    lifecycle('deactivate', 'Ask for traffic to stop, keeping the reservation', 'stop traffic, keep the bandwidth'),
    lifecycle('reset', 'Give everything back and return to DORMANT, keeping id and handle', 'start over with the same service'),
    lifecycle('release', 'Give everything back and end the service', 'end the service'),
    {
      command: 'watch <service>',
      describe: 'Print a line for each status change until the service is RELEASED (or Ctrl-C)',
      builder: (y) => y.positional('service', { type: 'string', describe: 'service id or handle' }),
      examples: [
        ['dpb -n wan services watch demo-1', 'follow demo-1 until it is released'],
        ['dpb -n wan --json services watch 1', 'one JSON event per line'],
      ],
      run: async (ctx, args) => {
        const svc = parseServiceArg(reqString(args, 'service', 'SERVICE'));
        const net = ctx.network();
        let last: string | undefined;
        for await (const ev of ctx.client.events(servicePath(net, svc, 'events'), `watch service ${svc} on network ${net}`)) {
          if (ev.event !== 'status') continue;
          let data: ServiceEventJson;
          try {
            data = JSON.parse(ev.data) as ServiceEventJson;
          } catch {
            throw new TransportError(`the server sent an event that is not JSON: ${ev.data.slice(0, 80)}`, 'STREAM');
          }
          last = data.status;
          ctx.out(ctx.json ? JSON.stringify(data) : renderEvent(data));
          if (data.status === 'RELEASED') break;
        }
        if (last !== 'RELEASED') {
          throw new TransportError(`the event stream of service ${svc} on network ${net} ended before the service was released`, 'STREAM');
        }
      },
    },
    {
      command: 'await <service> <statuses>',
      describe: 'Wait until a service reaches one of STATUSES; exit 5 on timeout, 6 if it is FAILED or RELEASED instead',
      builder: (y) =>
        y
          .positional('service', { type: 'string', describe: 'service id or handle' })
          .positional('statuses', { type: 'string', describe: 'e.g. ACTIVE or ACTIVE,FAILED' })
          .option('timeout', { type: 'string', describe: `longest wait, e.g. 30s, 2m (default ${DEFAULT_AWAIT})` }),
      examples: [
        ['dpb -n wan services await demo-1 ACTIVE --timeout 30s', 'exit 0 once ACTIVE; 6 if it fails; 5 after 30 s'],
        ['dpb -n wan services await 3 INACTIVE,FAILED', 'exit 0 on either'],
      ],
      run: async (ctx, args) => {
        const svc = parseServiceArg(reqString(args, 'service', 'SERVICE'));
        const wanted = parseStatusList(reqString(args, 'statuses', 'STATUSES'), 'STATUSES');
        const timeoutMs = parseDuration(optString(args, 'timeout') ?? DEFAULT_AWAIT, '--timeout');
        const net = ctx.network();
        const { info, outcome } = await awaitService(ctx, net, svc, wanted, timeoutMs);
        printService(ctx, info);
        if (outcome === 'timeout') {
          throw new CliError(`service ${svc} on network ${net} is still ${info.status} after ${optString(args, 'timeout') ?? DEFAULT_AWAIT} (waited for ${wanted.join(', ')})`, EXIT.WAIT_TIMEOUT);
        }
        if (outcome === 'other') {
          const why = info.errors.length ? `: ${info.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}` : '';
          throw new CliError(`service ${svc} on network ${net} is ${info.status}, not ${wanted.join(' or ')}${why}`, EXIT.WRONG_STATUS);
        }
      },
    },
  ],
};
