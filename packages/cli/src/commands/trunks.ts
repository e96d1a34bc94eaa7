import type { TerminalRef } from '@dpb/model';
import { apiPath } from '../api-client';
import { type Args, type CommandContext, type CommandSpec, flag, type NounSpec, optString, reqString, stringList } from '../context';
import { CliError, EXIT, UsageError } from '../errors';
import { formatRef, renderTrunk, renderTrunks } from '../output';
import { parseCost, parseLabelRangeArg, parseMbps, parseTerminalRefArg, type TrunkArg, parseTrunkArg } from '../parse';
import type { TrunkJson } from '../wire';

/** A trunk found by id or by one of its ends, and which end was named. */
export interface ResolvedTrunk {
  id: number;
  /** The side named, when the trunk was named by an end. */
  side?: 'start' | 'end';
  /** The trunk, when it had to be looked up. */
  trunk?: TrunkJson;
}

function sameRef(a: TerminalRef, b: TerminalRef): boolean {
  return a.network === b.network && a.terminal === b.terminal;
}

/** The trunk of `network` with this id (no request needed) or with this end (looked up). */
export async function resolveTrunk(ctx: CommandContext, network: string, arg: TrunkArg): Promise<ResolvedTrunk> {
  if ('id' in arg) return { id: arg.id };
  const list = await ctx.client.get<TrunkJson[]>(apiPath('networks', network, 'trunks'), `list the trunks of network ${network}`);
  for (const t of list) {
    if (sameRef(t.start, arg.end)) return { id: t.id, side: 'start', trunk: t };
    if (sameRef(t.end, arg.end)) return { id: t.id, side: 'end', trunk: t };
  }
  throw new CliError(`no trunk of network ${network} ends at ${formatRef(arg.end)} (see: dpb -n ${network} trunks list)`, EXIT.REFUSED);
}

function trunkPath(network: string, id: number, ...rest: string[]): string {
  return apiPath('networks', network, 'trunks', id, ...rest);
}

function printTrunk(ctx: CommandContext, network: string, what: string, body: unknown): void {
  if (ctx.json) ctx.printJson(body);
  else ctx.out(`${what}\n${renderTrunk(network, body as TrunkJson)}`);
}

/** `RATE` both ways, or --up/--down; at least one. */
function bandwidth(args: Args, verb: string): { upstreamMbps?: number; downstreamMbps?: number } {
  const rate = optString(args, 'rate');
  const up = optString(args, 'up');
  const down = optString(args, 'down');
  const out: { upstreamMbps?: number; downstreamMbps?: number } = {};
  if (rate !== undefined) {
    const r = parseMbps(rate, 'RATE');
    out.upstreamMbps = r;
    out.downstreamMbps = r;
  }
  if (up !== undefined) out.upstreamMbps = parseMbps(up, '--up');
  if (down !== undefined) out.downstreamMbps = parseMbps(down, '--down');
  if (out.upstreamMbps === undefined && out.downstreamMbps === undefined) {
    throw new UsageError(`say how much to ${verb}: RATE (both ways) or --up and/or --down, in Mbit/s`);
  }
  return out;
}

function side(args: Args): 'start' | 'end' {
  const s = optString(args, 'side') ?? 'start';
  if (s !== 'start' && s !== 'end') throw new UsageError(`--side must be start or end; got ${JSON.stringify(s)}`);
  return s;
}

const trunkPositional = { type: 'string', describe: 'trunk id, or one of its ends network:terminal' } as const;

function bandwidthVerb(verb: 'provide' | 'withdraw'): CommandSpec {
  const field = verb === 'provide' ? 'provideMbps' : 'withdrawMbps';
  return {
    command: `${verb} <trunk> [rate]`,
    describe:
      verb === 'provide'
        ? 'Add capacity to a trunk: RATE both ways, or --up (start->end) / --down (end->start), Mbit/s'
        : 'Take unallocated capacity away from a trunk: RATE both ways, or --up / --down, Mbit/s',
    builder: (y) =>
      y
        .positional('trunk', trunkPositional)
        .positional('rate', { type: 'string', describe: 'Mbit/s each way' })
        .option('up', { type: 'string', describe: 'Mbit/s from the trunk\'s start to its end' })
        .option('down', { type: 'string', describe: 'Mbit/s from the trunk\'s end to its start' }),
    examples:
      verb === 'provide'
        ? [
            ['dpb -n wan trunks provide 4 1000', 'one more Gbit/s each way on trunk 4'],
            ['dpb -n wan trunks provide core:frankfurt --up 500 --down 200', 'the trunk ending at core:frankfurt'],
          ]
        : [['dpb -n wan trunks withdraw 4 --down 500', 'take 500 Mbit/s end->start away from trunk 4']],
    run: async (ctx, args) => {
      const arg = parseTrunkArg(reqString(args, 'trunk', 'TRUNK'));
      const amount = bandwidth(args, verb);
      const net = ctx.network();
      const t = await resolveTrunk(ctx, net, arg);
      const res = await ctx.client.call('PATCH', trunkPath(net, t.id), { [field]: amount }, `${verb} bandwidth on trunk ${t.id} of network ${net}`);
      printTrunk(ctx, net, `${verb === 'provide' ? 'provided' : 'withdrew'} bandwidth on trunk ${t.id}`, res.body);
    },
  };
}

function commissionVerb(verb: 'decommission' | 'recommission'): CommandSpec {
  return {
    command: `${verb} <trunk>`,
    describe:
      verb === 'decommission'
        ? 'Stop using a trunk for new services (existing ones stay)'
        : 'Use a decommissioned trunk for new services again',
    builder: (y) => y.positional('trunk', trunkPositional),
    examples: [[`dpb -n wan trunks ${verb} 3`, `${verb} trunk 3`]],
    run: async (ctx, args) => {
      const arg = parseTrunkArg(reqString(args, 'trunk', 'TRUNK'));
      const net = ctx.network();
      const t = await resolveTrunk(ctx, net, arg);
      const res = await ctx.client.call('PATCH', trunkPath(net, t.id), { commissioned: verb === 'recommission' }, `${verb} trunk ${t.id} of network ${net}`);
      printTrunk(ctx, net, `${verb}ed trunk ${t.id}`, res.body);
    },
  };
}

/** `dpb trunks …`. */
export const trunksNoun: NounSpec = {
  name: 'trunks',
  describe: 'Manage the trunks of an aggregator: capacity, labels, cost, commissioning',
  verbs: [
    {
      command: 'list',
      aliases: ['ls'],
      describe: 'List trunks with capacity and availability each way (up = start->end), labels and cost',
      examples: [['dpb -n wan trunks list', 'the four trunks of the demo']],
      run: async (ctx) => {
        const net = ctx.network();
        const list = await ctx.client.get<TrunkJson[]>(apiPath('networks', net, 'trunks'), `list the trunks of network ${net}`);
        if (ctx.json) ctx.printJson(list);
        else ctx.out(renderTrunks(net, list));
      },
    },
    {
      command: 'show <trunk>',
      describe: 'Show one trunk',
      builder: (y) => y.positional('trunk', trunkPositional),
      examples: [
        ['dpb -n wan trunks show 4', 'trunk 4'],
        ['dpb -n wan trunks show frankfurt:uplink', 'the trunk with that end'],
      ],
      run: async (ctx, args) => {
        const arg = parseTrunkArg(reqString(args, 'trunk', 'TRUNK'));
        const net = ctx.network();
        const t = await resolveTrunk(ctx, net, arg);
        const body = t.trunk ?? (await ctx.client.get<TrunkJson>(trunkPath(net, t.id), `show trunk ${t.id} of network ${net}`));
        if (ctx.json) ctx.printJson(body);
        else ctx.out(renderTrunk(net, body));
      },
    },
    {
      command: 'add <start> <end>',
      describe: 'Add a trunk between two inferior terminals',
      builder: (y) =>
        y
          .positional('start', { type: 'string', describe: 'one end, network:terminal' })
          .positional('end', { type: 'string', describe: 'the other end, network:terminal' })
          .option('capacity', { type: 'string', describe: 'Mbit/s each way (default 0)' })
          .option('up', { type: 'string', describe: 'Mbit/s start->end (overrides --capacity)' })
          .option('down', { type: 'string', describe: 'Mbit/s end->start (overrides --capacity)' })
          .option('labels', { type: 'string', describe: 'label ranges, e.g. 100-199 or 100-199:1100 (repeat or separate with commas)' })
          .option('cost', { type: 'string', describe: 'cost of using the trunk (default 1)' })
          .option('decommissioned', { type: 'boolean', describe: 'add it decommissioned (no services until recommissioned)' }),
      examples: [
        ['dpb -n wan trunks add london:spare core:spare --capacity 1000 --labels 100-199 --cost 2', 'a 1 Gbit/s trunk with 100 VLANs'],
        ['dpb -n wan trunks add a:x b:y --up 1000 --down 200 --labels 100-199:1100', 'asymmetric, VLANs 100-199 at a:x are 1100-1199 at b:y'],
      ],
      run: async (ctx, args) => {
        const start = parseTerminalRefArg(reqString(args, 'start', 'START'), 'START');
        const end = parseTerminalRefArg(reqString(args, 'end', 'END'), 'END');
        const body: Record<string, unknown> = { start: formatRef(start), end: formatRef(end) };
        const cap = optString(args, 'capacity');
        if (cap !== undefined) body.upstreamMbps = body.downstreamMbps = parseMbps(cap, '--capacity');
        const up = optString(args, 'up');
        const down = optString(args, 'down');
        if (up !== undefined) body.upstreamMbps = parseMbps(up, '--up');
        if (down !== undefined) body.downstreamMbps = parseMbps(down, '--down');
        const labels = stringList(args, 'labels', true);
        if (labels.length) {
          for (const l of labels) parseLabelRangeArg(l, '--labels');
          body.labels = labels;
        }
        const cost = optString(args, 'cost');
        if (cost !== undefined) body.cost = parseCost(cost, '--cost');
        if (flag(args, 'decommissioned')) body.commissioned = false;
        const net = ctx.network();
        const res = await ctx.client.call('POST', apiPath('networks', net, 'trunks'), body, `add a trunk ${formatRef(start)} - ${formatRef(end)} to network ${net}`);
        printTrunk(ctx, net, `added trunk ${(res.body as TrunkJson).id}`, res.body);
      },
    },
    {
      command: 'remove <trunk>',
      aliases: ['rm'],
      describe: 'Remove a trunk (refused while it carries services)',
      builder: (y) => y.positional('trunk', trunkPositional),
      examples: [['dpb -n wan trunks remove 5', 'remove trunk 5']],
      run: async (ctx, args) => {
        const arg = parseTrunkArg(reqString(args, 'trunk', 'TRUNK'));
        const net = ctx.network();
        const t = await resolveTrunk(ctx, net, arg);
        await ctx.client.call('DELETE', trunkPath(net, t.id), undefined, `remove trunk ${t.id} of network ${net}`);
        if (!ctx.json) ctx.out(`removed trunk ${t.id}`);
      },
    },
    bandwidthVerb('provide'),
    bandwidthVerb('withdraw'),
    {
      command: 'open <trunk> <range>',
      describe: 'Make labels usable on a trunk: RANGE lo-hi[:base] pairs labels lo..hi at one side with base.. at the other',
      builder: (y) =>
        y
          .positional('trunk', trunkPositional)
          .positional('range', { type: 'string', describe: '100-199 (same labels both sides) or 100-199:1100' })
          .option('side', { type: 'string', choices: ['start', 'end'], describe: 'which side lo-hi names (default start)' }),
      examples: [
        ['dpb -n wan trunks open 1 2000-2099', 'labels 2000-2099 on trunk 1, the same at both ends'],
        ['dpb -n wan trunks open 4 1000-1009:2000', 'start labels 1000-1009 pair with end labels 2000-2009'],
      ],
      run: async (ctx, args) => {
        const arg = parseTrunkArg(reqString(args, 'trunk', 'TRUNK'));
        const r = parseLabelRangeArg(reqString(args, 'range', 'RANGE'), 'RANGE');
        const s = side(args);
        const body = s === 'start' ? { startBase: r.startBase, count: r.count, endBase: r.endBase } : { startBase: r.endBase, count: r.count, endBase: r.startBase };
        const net = ctx.network();
        const t = await resolveTrunk(ctx, net, arg);
        const res = await ctx.client.call('POST', trunkPath(net, t.id, 'labels'), body, `open labels on trunk ${t.id} of network ${net}`);
        printTrunk(ctx, net, `opened ${r.count} labels on trunk ${t.id}`, res.body);
      },
    },
    {
      command: 'close <trunk> <range>',
      describe: 'Withdraw labels from a trunk, selected by their labels at one side (refused if any is in use)',
      builder: (y) =>
        y
          .positional('trunk', trunkPositional)
          .positional('range', { type: 'string', describe: 'labels lo-hi at that side' })
          .option('side', { type: 'string', choices: ['start', 'end'], describe: 'which side the labels are at (default start)' }),
      examples: [
        ['dpb -n wan trunks close 1 2000-2099', 'remove the pairs whose start labels are 2000-2099'],
        ['dpb -n wan trunks close 4 1100-1199 --side end', 'remove the pairs whose end labels are 1100-1199'],
      ],
      run: async (ctx, args) => {
        const arg = parseTrunkArg(reqString(args, 'trunk', 'TRUNK'));
        const text = reqString(args, 'range', 'RANGE');
        if (text.includes(':')) throw new UsageError(`close takes labels at one side, lo-hi (use --side end for the end side); got ${JSON.stringify(text)}`);
        const r = parseLabelRangeArg(text, 'RANGE');
        const s = side(args);
        const net = ctx.network();
        const t = await resolveTrunk(ctx, net, arg);
        const res = await ctx.client.call('POST', trunkPath(net, t.id, 'labels', 'revoke'), { side: s, base: r.startBase, count: r.count }, `close labels on trunk ${t.id} of network ${net}`);
        printTrunk(ctx, net, `closed ${r.count} labels on trunk ${t.id}`, res.body);
      },
    },
    {
      command: 'delay <trunk> <cost>',
      aliases: ['cost'],
      describe: 'Set the cost of using a trunk (DPB called it delay); paths with lower total cost are preferred',
      builder: (y) => y.positional('trunk', trunkPositional).positional('cost', { type: 'string', describe: 'a positive number' }),
      examples: [['dpb -n wan trunks delay 4 10', 'make the Frankfurt trunk less attractive']],
      run: async (ctx, args) => {
        const arg = parseTrunkArg(reqString(args, 'trunk', 'TRUNK'));
        const cost = parseCost(reqString(args, 'cost', 'COST'), 'COST');
        const net = ctx.network();
        const t = await resolveTrunk(ctx, net, arg);
        const res = await ctx.client.call('PATCH', trunkPath(net, t.id), { cost }, `set the cost of trunk ${t.id} of network ${net}`);
        printTrunk(ctx, net, `set the cost of trunk ${t.id} to ${cost}`, res.body);
      },
    },
    commissionVerb('decommission'),
    commissionVerb('recommission'),
  ],
};
