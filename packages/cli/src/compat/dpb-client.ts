import { HANDLE_PATTERN, type ServiceStatus, type TerminalRef } from '@dpb/model';
import type { CircuitBody } from '@dpb/protocol';
import { ApiClient, apiPath } from '../api-client';
import { awaitService } from '../commands/services';
import { resolveTrunk } from '../commands/trunks';
import { wrongKind } from '../commands/kind';
import type { CommandContext } from '../context';
import { CliError, EXIT, TransportError, UsageError } from '../errors';
import { formatRef, renderNetwork, renderServices } from '../output';
import { parseCost, parseLabel, parseLabelRangeArg, parseMbps, parseName, parseStatusList, parseTerminalRefArg } from '../parse';
import type { NetworkJson, ServiceEventJson, ServiceJson, TerminalJson, TrunkJson } from '../wire';

/**
 * `dpb dpb-client …`: the word sequence of the original Java `dpb-client`
 * (dpb-interfaces.md §3.3), run over REST v1.
 *
 * The whole sequence is checked before anything is sent, so a typo, a
 * missing argument or a command with no network or service selected is a
 * usage error (exit 2) with nothing done. Then the words run left to right;
 * the first failure stops the run with a message naming what failed and a
 * non-zero exit code (the original exited 0 after soft failures, stopped
 * silently when -s/-S found nothing, printed stack traces, said "Unknown
 * command" after decommission/recommission, and crashed on the wrong kind
 * of network).
 */

/** Help text of the compatibility mode. */
export const DPB_CLIENT_HELP = `Usage: dpb [--url URL] [--token TOKEN] [--json] dpb-client WORD...

Runs a command line of the original dpb-client over REST v1. Words run left
to right; the first failure stops the run with a non-zero exit code. The
whole line is checked first: a malformed line (exit 2) does nothing.

Selecting and building services:
  -n NETWORK             select the network (clears the selected service)
  -s ID | -S HANDLE      select a service by id or handle
  new | new:HANDLE       create a service (with a handle) and select it
  -b RATE | --in RATE | --out RATE
                         rates (Mbit/s) for the following -e; set an ingress
                         (-b or --in) before -e; egress defaults to whatever the
                         other circuits send; reset after initiate
  -e TERMINAL:LABEL      add a circuit to the pending set
  initiate               define the selected service with the pending circuits
  activate | deactivate | reset | release
  watch                  print "srv ID: STATUS" on stderr until RELEASED
  await SECONDS S1,S2    wait for a status (exit 5 on timeout, 6 if FAILED or
                         RELEASED instead); prints "Status is now S"
  wait                   accepted; does nothing
  dump                   the network and its services

Management (TERMINAL:… ends name a trunk; the named end counts as its start):
  list-terminals | add-terminal T DESC | remove-terminal T
  quota T IN[:OUT]       switch quotas; each part a number, "off" or "-"
  list-trunks | add-trunk N1:T1 N2:T2 | remove-trunk N:T
  set-delay N:T COST | provide N:T R1[:R2] | withdraw N:T R1[:R2]
  open N:T LO-HI[:PEER-LO] | close N:T LO-HI | decommission N:T | recommission N:T

Example:
  dpb dpb-client -n wan new:demo -b 100 -e london:100 -e paris:100 initiate activate await 30 ACTIVE`;

type Op =
  | { op: 'network'; name: string }
  | { op: 'select-id'; id: string }
  | { op: 'select-handle'; handle: string }
  | { op: 'new'; handle?: string }
  | { op: 'circuit'; circuit: CircuitBody }
  | { op: 'initiate' }
  | { op: 'lifecycle'; verb: 'activate' | 'deactivate' | 'reset' | 'release' }
  | { op: 'watch' }
  | { op: 'await'; timeoutMs: number; statuses: ServiceStatus[] }
  | { op: 'wait' }
  | { op: 'dump' }
  | { op: 'list-terminals' }
  | { op: 'add-terminal'; name: string; desc: string }
  | { op: 'remove-terminal'; name: string }
  | { op: 'quota'; name: string; ingress: QuotaPart; egress: QuotaPart }
  | { op: 'add-trunk'; start: TerminalRef; end: TerminalRef }
  | { op: 'remove-trunk'; end: TerminalRef }
  | { op: 'list-trunks' }
  | { op: 'set-delay'; end: TerminalRef; cost: number }
  | { op: 'provide' | 'withdraw'; end: TerminalRef; forwardMbps: number; reverseMbps: number }
  | { op: 'open'; end: TerminalRef; lo: number; count: number; peerLo: number }
  | { op: 'close'; end: TerminalRef; lo: number; count: number }
  | { op: 'decommission' | 'recommission'; end: TerminalRef };

/** A quota part: set (number), remove (null), or leave unchanged (undefined). */
type QuotaPart = number | null | undefined;

/** One parsed word (with its arguments) of a dpb-client command line. */
export type DpbClientStep = Op & { index: number; word: string };

const LIFECYCLE = ['activate', 'deactivate', 'reset', 'release'] as const;

/**
 * Checks a whole dpb-client word sequence and turns it into steps. Throws
 * {@link UsageError} naming the word at fault. `network` is the network
 * selected before the first word (from --network or the config), if any.
 */
export function parseDpbClientWords(words: readonly string[], network?: string): DpbClientStep[] {
  const steps: DpbClientStep[] = [];
  let haveNetwork = network !== undefined;
  let haveService = false;
  let ingress: number | undefined;
  let egress: number | undefined;
  let pending = 0;
  let i = 0;
  while (i < words.length) {
    const index = i;
    const word = words[i] as string;
    const at = (msg: string, hint?: string): UsageError => new UsageError(`dpb-client word ${index + 1} (${word}): ${msg}`, hint);
    const args = (n: number, usage: string): string[] => {
      if (i + n >= words.length) throw at(`missing argument`, `usage: ${usage}`);
      const out = words.slice(i + 1, i + 1 + n) as string[];
      i += n;
      return out;
    };
    const wrap = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof UsageError) throw at(e.message, e.hint);
        throw e;
      }
    };
    const needNetwork = (): void => {
      if (!haveNetwork) throw at('no network selected', 'select one first with -n NETWORK');
    };
    const needService = (): void => {
      needNetwork();
      if (!haveService) throw at('no service selected', 'select one first with -s ID, -S HANDLE, new or new:HANDLE');
    };
    const push = (op: Op): void => {
      steps.push({ ...op, index, word });
    };
    const rate = (text: string): number => wrap(() => parseMbps(text, 'rate'));
    const end = (text: string): TerminalRef => wrap(() => parseTerminalRefArg(text, 'trunk end'));

    if (word === '-n') {
      const [name] = args(1, '-n NETWORK') as [string];
      push({ op: 'network', name: wrap(() => parseName(name, 'NETWORK')) });
      haveNetwork = true;
      haveService = false;
    } else if (word === '-s') {
      const [id] = args(1, '-s ID') as [string];
      if (!/^[0-9]{1,15}$/.test(id)) throw at(`service id must be a number; got ${JSON.stringify(id)}`, 'use -S for a handle');
      needNetwork();
      push({ op: 'select-id', id });
      haveService = true;
    } else if (word === '-S') {
      const [handle] = args(1, '-S HANDLE') as [string];
      if (!HANDLE_PATTERN.test(handle)) throw at(`handle must be printable ASCII; got ${JSON.stringify(handle)}`);
      needNetwork();
      push({ op: 'select-handle', handle });
      haveService = true;
    } else if (word === 'new' || word.startsWith('new:')) {
      needNetwork();
      const handle = word.slice(4);
      if (word !== 'new' && (!HANDLE_PATTERN.test(handle) || /^[0-9]+$/.test(handle))) {
        throw at(`the handle must be printable ASCII and not all digits; got ${JSON.stringify(handle)}`);
      }
      push(word === 'new' ? { op: 'new' } : { op: 'new', handle });
      haveService = true;
    } else if (word === '-b' || word === '--in' || word === '--out') {
      const [text] = args(1, `${word} RATE`) as [string];
      const r = rate(text);
      if (word !== '--out') ingress = r;
      if (word !== '--in') egress = r;
    } else if (word === '-e') {
      const [text] = args(1, '-e TERMINAL:LABEL') as [string];
      needNetwork();
      const colon = text.lastIndexOf(':');
      if (colon <= 0) throw at(`a circuit must look like TERMINAL:LABEL; got ${JSON.stringify(text)}`);
      const terminal = wrap(() => parseName(text.slice(0, colon), 'the terminal'));
      const label = wrap(() => parseLabel(text.slice(colon + 1), 'the label'));
      if (ingress === undefined) throw at(`circuit ${text} has no rate`, 'give -b RATE or --in RATE (Mbit/s) before -e');
      push({ op: 'circuit', circuit: { terminal, label, ingressMbps: ingress, ...(egress === undefined ? {} : { egressMbps: egress }) } });
      pending++;
    } else if (word === 'initiate') {
      needService();
      if (pending < 2) throw at(`a service needs at least two circuits; ${pending} given with -e`);
      push({ op: 'initiate' });
      pending = 0;
      ingress = undefined;
      egress = undefined;
    } else if ((LIFECYCLE as readonly string[]).includes(word)) {
      needService();
      push({ op: 'lifecycle', verb: word as (typeof LIFECYCLE)[number] });
      if (word === 'release') haveService = false;
    } else if (word === 'watch') {
      needService();
      push({ op: 'watch' });
    } else if (word === 'await') {
      const [secs, statuses] = args(2, 'await SECONDS STATUS[,STATUS...]') as [string, string];
      needService();
      if (!/^[0-9]+(\.[0-9]+)?$/.test(secs) || Number(secs) > 7 * 24 * 3600) throw at(`the timeout must be a number of seconds; got ${JSON.stringify(secs)}`);
      push({ op: 'await', timeoutMs: Math.round(Number(secs) * 1000), statuses: wrap(() => parseStatusList(statuses, 'statuses')) });
    } else if (word === 'wait') {
      push({ op: 'wait' });
    } else if (word === 'dump' || word === 'list-terminals' || word === 'list-trunks') {
      needNetwork();
      push({ op: word });
    } else if (word === 'add-terminal') {
      const [name, desc] = args(2, 'add-terminal TERMINAL DESCRIPTION') as [string, string];
      needNetwork();
      push({ op: 'add-terminal', name: wrap(() => parseName(name, 'the terminal')), desc });
    } else if (word === 'remove-terminal') {
      const [name] = args(1, 'remove-terminal TERMINAL') as [string];
      needNetwork();
      push({ op: 'remove-terminal', name: wrap(() => parseName(name, 'the terminal')) });
    } else if (word === 'quota') {
      const [name, spec] = args(2, 'quota TERMINAL IN[:OUT]') as [string, string];
      needNetwork();
      const parts = spec.split(':');
      if (parts.length > 2) throw at(`the quota must look like IN[:OUT]; got ${JSON.stringify(spec)}`);
      const part = (p: string): QuotaPart => (p === '-' ? undefined : /^off$/i.test(p) ? null : rate(p));
      const inPart = part(parts[0] as string);
      const outPart = parts.length === 2 ? part(parts[1] as string) : inPart;
      if (inPart === undefined && outPart === undefined) throw at('the quota changes nothing (both parts are "-")');
      push({ op: 'quota', name: wrap(() => parseName(name, 'the terminal')), ingress: inPart, egress: outPart });
    } else if (word === 'add-trunk') {
      const [a, b] = args(2, 'add-trunk N1:T1 N2:T2') as [string, string];
      needNetwork();
      push({ op: 'add-trunk', start: end(a), end: end(b) });
    } else if (word === 'remove-trunk' || word === 'decommission' || word === 'recommission') {
      const [e] = args(1, `${word} N:T`) as [string];
      needNetwork();
      push({ op: word, end: end(e) });
    } else if (word === 'set-delay') {
      const [e, d] = args(2, 'set-delay N:T COST') as [string, string];
      needNetwork();
      push({ op: 'set-delay', end: end(e), cost: wrap(() => parseCost(d, 'the delay (cost)')) });
    } else if (word === 'provide' || word === 'withdraw') {
      const [e, r] = args(2, `${word} N:T RATE[:REVERSE-RATE]`) as [string, string];
      needNetwork();
      const parts = r.split(':');
      if (parts.length > 2) throw at(`rates must look like R1[:R2]; got ${JSON.stringify(r)}`);
      const forward = rate(parts[0] as string);
      push({ op: word, end: end(e), forwardMbps: forward, reverseMbps: parts.length === 2 ? rate(parts[1] as string) : forward });
    } else if (word === 'open') {
      const [e, r] = args(2, 'open N:T LO-HI[:PEER-LO]') as [string, string];
      needNetwork();
      const range = wrap(() => parseLabelRangeArg(r, 'the label range'));
      push({ op: 'open', end: end(e), lo: range.startBase, count: range.count, peerLo: range.endBase });
    } else if (word === 'close') {
      const [e, r] = args(2, 'close N:T LO-HI') as [string, string];
      needNetwork();
      if (r.includes(':')) throw at(`close takes the labels at the named end, LO-HI; got ${JSON.stringify(r)}`);
      const range = wrap(() => parseLabelRangeArg(r, 'the label range'));
      push({ op: 'close', end: end(e), lo: range.startBase, count: range.count });
    } else {
      throw at('unknown command', 'run "dpb dpb-client --help" for the words it understands');
    }
    i++;
  }
  if (steps.length === 0) throw new UsageError('dpb-client: no command words given', 'run "dpb dpb-client --help"');
  return steps;
}

/** True when the words ask for the compatibility mode's help. */
export function wantsDpbClientHelp(words: readonly string[]): boolean {
  return words.length === 0 || words.some((w) => w === '-h' || w === '--help');
}

/** Runs a dpb-client word sequence; returns the exit code (errors are thrown as CliErrors). */
export async function runDpbClient(words: readonly string[], ctx: CommandContext): Promise<number> {
  if (wantsDpbClientHelp(words)) {
    ctx.out(DPB_CLIENT_HELP);
    return EXIT.OK;
  }
  const steps = parseDpbClientWords(words, ctx.networkIfGiven());
  const stop = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal;
  const client = new ApiClient(ctx.client.transport, signal);
  const run = new Runner(ctx, client, ctx.networkIfGiven());
  try {
    for (const step of steps) await run.step(step);
    await Promise.all(run.watches);
    return EXIT.OK;
  } catch (e) {
    stop.abort();
    await Promise.allSettled(run.watches);
    throw e;
  }
}

class Runner {
  private service: string | undefined;
  private circuits: CircuitBody[] = [];
  private readonly kinds = new Map<string, string>();
  readonly watches: Promise<void>[] = [];

  constructor(
    private readonly ctx: CommandContext,
    private readonly client: ApiClient,
    private network: string | undefined,
  ) {}

  private net(): string {
    return this.network as string; // the parse phase made sure one is selected
  }

  private svc(): string {
    return this.service as string;
  }

  private servicePath(...rest: string[]): string {
    return apiPath('networks', this.net(), 'services', this.svc(), ...rest);
  }

  private async kind(): Promise<string> {
    const net = this.net();
    let k = this.kinds.get(net);
    if (k === undefined) {
      k = (await this.client.get<NetworkJson>(apiPath('networks', net), `look up network ${net}`)).kind;
      this.kinds.set(net, k);
    }
    return k;
  }

  private async needKind(kind: 'switch' | 'aggregator', word: string): Promise<void> {
    const k = await this.kind();
    if (k !== kind) throw wrongKind(this.net(), k, word, kind === 'switch' ? 'switches have quotas' : 'aggregators have trunks');
  }

  private async trunk(end: TerminalRef, word: string): Promise<{ id: number; side: 'start' | 'end' }> {
    await this.needKind('aggregator', word);
    const t = await resolveTrunk({ ...this.ctx, client: this.client }, this.net(), { end });
    return { id: t.id, side: t.side ?? 'start' };
  }

  async step(s: DpbClientStep): Promise<void> {
    const { ctx, client } = this;
    switch (s.op) {
      case 'network': {
        const n = await client.get<NetworkJson>(apiPath('networks', s.name), `select network ${s.name}`);
        this.network = s.name;
        this.kinds.set(s.name, n.kind);
        this.service = undefined;
        return;
      }
      case 'select-id': {
        const info = await client.get<ServiceJson>(apiPath('networks', this.net(), 'services', s.id), `select service ${s.id} on network ${this.net()}`);
        this.service = String(info.id);
        return;
      }
      case 'select-handle': {
        const list = await client.get<ServiceJson[]>(
          `${apiPath('networks', this.net(), 'services')}?handle=${encodeURIComponent(s.handle)}`,
          `select service ${s.handle} on network ${this.net()}`,
        );
        const found = list[0];
        if (!found) throw new CliError(`cannot select service ${s.handle}: network ${this.net()} has no live service with that handle`, EXIT.REFUSED);
        this.service = String(found.id);
        return;
      }
      case 'new': {
        const res = await client.call('POST', apiPath('networks', this.net(), 'services'), s.handle === undefined ? {} : { handle: s.handle }, `create a service on network ${this.net()}`);
        const info = res.body as ServiceJson;
        this.service = String(info.id);
        const name = info.handle === null ? `${info.id}` : `${info.id} (${info.handle})`;
        ctx.out(`${res.status === 201 ? 'Created new service' : 'Found existing service'}: ${name} on ${info.network}`);
        return;
      }
      case 'circuit':
        this.circuits.push(s.circuit);
        return;
      case 'initiate': {
        const circuits = this.circuits;
        this.circuits = [];
        await client.call('PUT', this.servicePath('circuits'), { circuits }, `define service ${this.svc()} on network ${this.net()}`);
        return;
      }
      case 'lifecycle': {
        if (s.verb === 'release') {
          await client.call('DELETE', this.servicePath(), undefined, `release service ${this.svc()} on network ${this.net()}`);
          this.service = undefined;
        } else {
          await client.call('POST', this.servicePath(s.verb), undefined, `${s.verb} service ${this.svc()} on network ${this.net()}`);
        }
        return;
      }
      case 'watch':
        await this.watch();
        return;
      case 'await': {
        const { info, outcome } = await awaitService({ ...ctx, client }, this.net(), this.svc(), s.statuses, s.timeoutMs);
        ctx.out(`Status is now ${info.status}`);
        if (outcome === 'timeout') {
          throw new CliError(`service ${this.svc()} on network ${this.net()} is still ${info.status} after ${s.timeoutMs / 1000} s (waited for ${s.statuses.join(', ')})`, EXIT.WAIT_TIMEOUT);
        }
        if (outcome === 'other') {
          throw new CliError(`service ${this.svc()} on network ${this.net()} is ${info.status}, not ${s.statuses.join(' or ')}`, EXIT.WRONG_STATUS);
        }
        return;
      }
      case 'wait':
        return;
      case 'dump': {
        const net = this.net();
        const n = await client.get<NetworkJson>(apiPath('networks', net), `show network ${net}`);
        const list = await client.get<ServiceJson[]>(apiPath('networks', net, 'services'), `list the services of network ${net}`);
        if (ctx.json) ctx.printJson({ network: n, services: list });
        else ctx.out(`${renderNetwork(n)}\n\n${renderServices(net, list)}`);
        return;
      }
      case 'list-terminals': {
        const net = this.net();
        const list = await client.get<TerminalJson[]>(apiPath('networks', net, 'terminals'), `list the terminals of network ${net}`);
        if (ctx.json) ctx.printJson(list);
        else {
          for (const t of list) {
            if (t.inferior) ctx.out(`${t.name} -> [${t.inferior.network}, ${t.inferior.terminal}]`);
            else if (t.interface !== undefined) ctx.out(`${t.name} -> ${t.interface}`);
            else ctx.out(t.name);
          }
        }
        return;
      }
      case 'add-terminal': {
        const net = this.net();
        const kind = await this.kind();
        let body: Record<string, unknown>;
        if (kind === 'switch') body = { name: s.name, interface: s.desc };
        else if (kind === 'aggregator') {
          let inferior: TerminalRef;
          try {
            inferior = parseTerminalRefArg(s.desc, 'the inferior terminal');
          } catch (e) {
            throw new UsageError(`dpb-client word ${s.index + 1} (add-terminal): on an aggregator, ${(e as Error).message}`);
          }
          body = { name: s.name, inferior: formatRef(inferior) };
        } else throw wrongKind(net, kind, `add terminal ${s.name}`, 'switches and aggregators have terminals you can add');
        await client.call('POST', apiPath('networks', net, 'terminals'), body, `add terminal ${net}:${s.name}`);
        return;
      }
      case 'remove-terminal':
        await client.call('DELETE', apiPath('networks', this.net(), 'terminals', s.name), undefined, `remove terminal ${this.net()}:${s.name}`);
        return;
      case 'quota': {
        await this.needKind('switch', 'quota');
        const body: Record<string, number | null> = {};
        if (s.ingress !== undefined) body.ingressQuotaMbps = s.ingress;
        if (s.egress !== undefined) body.egressQuotaMbps = s.egress;
        await client.call('PATCH', apiPath('networks', this.net(), 'terminals', s.name), body, `set the quotas of terminal ${this.net()}:${s.name}`);
        return;
      }
      case 'add-trunk':
        await this.needKind('aggregator', 'add-trunk');
        await client.call('POST', apiPath('networks', this.net(), 'trunks'), { start: formatRef(s.start), end: formatRef(s.end) }, `add a trunk ${formatRef(s.start)} - ${formatRef(s.end)} to network ${this.net()}`);
        return;
      case 'list-trunks': {
        await this.needKind('aggregator', 'list-trunks');
        const list = await client.get<TrunkJson[]>(apiPath('networks', this.net(), 'trunks'), `list the trunks of network ${this.net()}`);
        if (ctx.json) ctx.printJson(list);
        else for (const t of list) ctx.out(`[${t.start.network}, ${t.start.terminal}] + [${t.end.network}, ${t.end.terminal}]`);
        return;
      }
      case 'remove-trunk': {
        const t = await this.trunk(s.end, 'remove-trunk');
        await client.call('DELETE', apiPath('networks', this.net(), 'trunks', t.id), undefined, `remove trunk ${t.id} of network ${this.net()}`);
        return;
      }
      case 'set-delay': {
        const t = await this.trunk(s.end, 'set-delay');
        await client.call('PATCH', apiPath('networks', this.net(), 'trunks', t.id), { cost: s.cost }, `set the cost of trunk ${t.id} of network ${this.net()}`);
        return;
      }
      case 'provide':
      case 'withdraw': {
        const t = await this.trunk(s.end, s.op);
        const fromStart = t.side === 'start';
        const amount = {
          upstreamMbps: fromStart ? s.forwardMbps : s.reverseMbps,
          downstreamMbps: fromStart ? s.reverseMbps : s.forwardMbps,
        };
        const field = s.op === 'provide' ? 'provideMbps' : 'withdrawMbps';
        await client.call('PATCH', apiPath('networks', this.net(), 'trunks', t.id), { [field]: amount }, `${s.op} bandwidth on trunk ${t.id} of network ${this.net()}`);
        return;
      }
      case 'open': {
        const t = await this.trunk(s.end, 'open');
        const body = t.side === 'start' ? { startBase: s.lo, count: s.count, endBase: s.peerLo } : { startBase: s.peerLo, count: s.count, endBase: s.lo };
        await client.call('POST', apiPath('networks', this.net(), 'trunks', t.id, 'labels'), body, `open labels on trunk ${t.id} of network ${this.net()}`);
        return;
      }
      case 'close': {
        const t = await this.trunk(s.end, 'close');
        await client.call('POST', apiPath('networks', this.net(), 'trunks', t.id, 'labels', 'revoke'), { side: t.side, base: s.lo, count: s.count }, `close labels on trunk ${t.id} of network ${this.net()}`);
        return;
      }
      case 'decommission':
      case 'recommission': {
        const t = await this.trunk(s.end, s.op);
        await client.call('PATCH', apiPath('networks', this.net(), 'trunks', t.id), { commissioned: s.op === 'recommission' }, `${s.op} trunk ${t.id} of network ${this.net()}`);
        return;
      }
    }
  }

  /** Starts following the selected service in the background; returns once its current status is printed. */
  private async watch(): Promise<void> {
    const { ctx, client } = this;
    const net = this.net();
    const svc = this.svc();
    let attached!: () => void;
    const first = new Promise<void>((resolve) => {
      attached = resolve;
    });
    ctx.err('Listener attached...');
    const done = (async () => {
      let last: string | undefined;
      for await (const ev of client.events(apiPath('networks', net, 'services', svc, 'events'), `watch service ${svc} on network ${net}`)) {
        if (ev.event !== 'status') continue;
        let data: ServiceEventJson;
        try {
          data = JSON.parse(ev.data) as ServiceEventJson;
        } catch {
          throw new TransportError(`the server sent an event that is not JSON: ${ev.data.slice(0, 80)}`, 'STREAM');
        }
        last = data.status;
        ctx.err(`srv ${data.service}: ${data.status}`);
        attached();
        if (data.status === 'RELEASED') return;
      }
      throw new TransportError(`the event stream of service ${svc} on network ${net} ended at ${last ?? 'no status'} before the service was released`, 'STREAM');
    })();
    done.catch(() => undefined); // observed below and when the run ends
    this.watches.push(done);
    await Promise.race([first, done]);
  }
}
