import { apiPath } from '../api-client';
import { type NounSpec, optString, reqString } from '../context';
import { UsageError } from '../errors';
import { renderTerminal, renderTerminals } from '../output';
import { parseName, parseQuota, parseTerminalRefArg } from '../parse';
import type { TerminalJson } from '../wire';
import { networkKind, wrongKind } from './kind';

/** `dpb terminals list|show|add|remove`. */
export const terminalsNoun: NounSpec = {
  name: 'terminals',
  describe: 'List, show, add and remove the terminals of a network',
  verbs: [
    {
      command: 'list',
      aliases: ['ls'],
      describe: 'List terminals: a switch shows interfaces, labels, quotas and use; an aggregator the inferior terminals',
      examples: [
        ['dpb -n london terminals list', 'the switch london\'s terminals with quotas and use'],
        ['dpb -n wan terminals list', 'the aggregator wan\'s terminals and the inferior terminal each stands for'],
      ],
      run: async (ctx) => {
        const net = ctx.network();
        const list = await ctx.client.get<TerminalJson[]>(apiPath('networks', net, 'terminals'), `list the terminals of network ${net}`);
        if (ctx.json) ctx.printJson(list);
        else ctx.out(renderTerminals(net, list));
      },
    },
    {
      command: 'show <name>',
      describe: 'Show one terminal',
      builder: (y) => y.positional('name', { type: 'string', describe: 'terminal name' }),
      examples: [['dpb -n london terminals show vms', 'interface, labels, quotas and use of london:vms']],
      run: async (ctx, args) => {
        const name = parseName(reqString(args, 'name', 'NAME'), 'NAME');
        const net = ctx.network();
        const t = await ctx.client.get<TerminalJson>(apiPath('networks', net, 'terminals', name), `show terminal ${net}:${name}`);
        if (ctx.json) ctx.printJson(t);
        else ctx.out(renderTerminal(net, t));
      },
    },
    {
      command: 'add <name> <target>',
      describe: 'Add a terminal: on a switch, TARGET is a fabric interface; on an aggregator, an inferior terminal network:terminal',
      builder: (y) =>
        y
          .positional('name', { type: 'string', describe: 'new terminal name' })
          .positional('target', { type: 'string', describe: 'switch: interface description (e.g. eth7); aggregator: network:terminal' })
          .option('ingress-quota', { type: 'string', describe: 'switch only: most ingress of all services here, Mbit/s or "off"' })
          .option('egress-quota', { type: 'string', describe: 'switch only: most egress of all services here, Mbit/s or "off"' }),
      examples: [
        ['dpb -n london terminals add lab eth7 --ingress-quota 200', 'a switch terminal on interface eth7, 200 Mbit/s ingress quota'],
        ['dpb -n wan terminals add london-lab london:lab', 'an aggregator terminal standing for london:lab'],
      ],
      run: async (ctx, args) => {
        const name = parseName(reqString(args, 'name', 'NAME'), 'NAME');
        const target = reqString(args, 'target', 'TARGET');
        const iq = optString(args, 'ingress-quota');
        const eq = optString(args, 'egress-quota');
        const quotas: { ingressQuotaMbps?: number | null; egressQuotaMbps?: number | null } = {};
        if (iq !== undefined) quotas.ingressQuotaMbps = parseQuota(iq, '--ingress-quota');
        if (eq !== undefined) quotas.egressQuotaMbps = parseQuota(eq, '--egress-quota');
        const net = ctx.network();
        const kind = await networkKind(ctx, net);
        let body: Record<string, unknown>;
        if (kind === 'switch') body = { name, interface: target, ...quotas };
        else if (kind === 'aggregator') {
          if (iq !== undefined || eq !== undefined) {
            throw new UsageError(`--ingress-quota and --egress-quota apply to switch terminals; network ${net} is an aggregator`);
          }
          body = { name, inferior: parseTerminalRefArg(target, 'TARGET') };
        } else throw wrongKind(net, kind, `add terminal ${name}`, 'switches and aggregators have terminals you can add');
        const res = await ctx.client.call('POST', apiPath('networks', net, 'terminals'), body, `add terminal ${net}:${name}`);
        if (ctx.json) ctx.printJson(res.body);
        else ctx.out(`added terminal ${net}:${name}\n${renderTerminal(net, res.body as TerminalJson)}`);
      },
    },
    {
      command: 'remove <name>',
      aliases: ['rm'],
      describe: 'Remove a terminal (refused while a defined service uses it)',
      builder: (y) => y.positional('name', { type: 'string', describe: 'terminal name' }),
      examples: [['dpb -n london terminals remove lab', 'remove london:lab']],
      run: async (ctx, args) => {
        const name = parseName(reqString(args, 'name', 'NAME'), 'NAME');
        const net = ctx.network();
        await ctx.client.call('DELETE', apiPath('networks', net, 'terminals', name), undefined, `remove terminal ${net}:${name}`);
        if (!ctx.json) ctx.out(`removed terminal ${net}:${name}`);
      },
    },
  ],
};
