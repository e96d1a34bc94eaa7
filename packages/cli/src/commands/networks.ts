import { apiPath } from '../api-client';
import { type Args, type CommandContext, type NounSpec, optString } from '../context';
import { renderModel, renderNetwork, renderNetworks } from '../output';
import { parseMbps, parseName } from '../parse';
import type { ModelJson, NetworkJson } from '../wire';

function networkArg(ctx: CommandContext, args: Args): string {
  const given = optString(args, 'name');
  return given === undefined ? ctx.network() : parseName(given, 'NETWORK');
}

/** `dpb networks list|show|model`. */
export const networksNoun: NounSpec = {
  name: 'networks',
  describe: 'List networks, show one, show its model (which terminal pairs connect, at what cost and capacity)',
  verbs: [
    {
      command: 'list',
      aliases: ['ls'],
      describe: 'List the networks you may see, with counts',
      examples: [['dpb networks list', 'every network: name, kind, terminals, services, trunks']],
      run: async (ctx) => {
        const list = await ctx.client.get<NetworkJson[]>(apiPath('networks'), 'list networks');
        if (ctx.json) ctx.printJson(list);
        else ctx.out(renderNetworks(list));
      },
    },
    {
      command: 'show [name]',
      describe: 'Show one network (default: --network)',
      builder: (y) => y.positional('name', { type: 'string', describe: 'network name (default: --network)' }),
      examples: [
        ['dpb networks show wan', 'the aggregator: kind, terminal names, service and trunk counts'],
        ['dpb -n london networks show', 'the network chosen with -n'],
      ],
      run: async (ctx, args) => {
        const net = networkArg(ctx, args);
        const n = await ctx.client.get<NetworkJson>(apiPath('networks', net), `show network ${net}`);
        if (ctx.json) ctx.printJson(n);
        else ctx.out(renderNetwork(n));
      },
    },
    {
      command: 'model [name]',
      describe: 'Show which terminal pairs can be connected, at what cost, with how much capacity each way',
      builder: (y) =>
        y
          .positional('name', { type: 'string', describe: 'network name (default: --network)' })
          .option('min-mbps', { type: 'string', describe: 'only pairs with at least this capacity one way (Mbit/s)' }),
      examples: [
        ['dpb networks model wan', 'every connectable pair of wan\'s terminals'],
        ['dpb networks model wan --min-mbps 2000', 'only pairs that can carry 2 Gbit/s one way'],
      ],
      run: async (ctx, args) => {
        const min = optString(args, 'min-mbps');
        const minMbps = min === undefined ? undefined : parseMbps(min, '--min-mbps');
        const net = networkArg(ctx, args);
        const path = apiPath('networks', net, 'model') + (minMbps === undefined ? '' : `?minMbps=${minMbps}`);
        const m = await ctx.client.get<ModelJson>(path, `get the model of network ${net}`);
        if (ctx.json) ctx.printJson(m);
        else ctx.out(renderModel(m));
      },
    },
  ],
};
