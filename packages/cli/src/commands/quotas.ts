import { apiPath } from '../api-client';
import { type NounSpec, optString, reqString } from '../context';
import { UsageError } from '../errors';
import { renderTerminal } from '../output';
import { parseName, parseQuota, parseSignedMbps } from '../parse';
import type { TerminalJson } from '../wire';

/** `dpb quotas set`. */
export const quotasNoun: NounSpec = {
  name: 'quotas',
  describe: 'Set, remove or adjust the bandwidth quotas of switch terminals',
  verbs: [
    {
      command: 'set <terminal>',
      describe: 'Set (N), remove ("off") or adjust (by ±N) a switch terminal\'s ingress and egress quotas, in Mbit/s',
      builder: (y) =>
        y
          .positional('terminal', { type: 'string', describe: 'terminal name' })
          .option('ingress', { type: 'string', describe: 'new ingress quota, Mbit/s, or "off" for none' })
          .option('egress', { type: 'string', describe: 'new egress quota, Mbit/s, or "off" for none' })
          .option('both', { type: 'string', describe: 'new quota both ways, Mbit/s, or "off"' })
          .option('adjust-ingress', { type: 'string', describe: 'change the ingress quota by a signed amount, e.g. -100 or +250' })
          .option('adjust-egress', { type: 'string', describe: 'change the egress quota by a signed amount' }),
      examples: [
        ['dpb -n london quotas set vms --ingress 1000 --egress 500', 'set both quotas'],
        ['dpb -n london quotas set vms --both off', 'remove both limits'],
        ['dpb -n london quotas set vms --adjust-ingress=-100', 'lower the ingress quota by 100 Mbit/s'],
      ],
      run: async (ctx, args) => {
        const name = parseName(reqString(args, 'terminal', 'TERMINAL'), 'TERMINAL');
        const both = optString(args, 'both');
        const body: Record<string, number | null> = {};
        for (const dir of ['ingress', 'egress'] as const) {
          const set = optString(args, dir);
          const adjust = optString(args, `adjust-${dir}`);
          const given = [set !== undefined && `--${dir}`, adjust !== undefined && `--adjust-${dir}`, both !== undefined && '--both'].filter(Boolean);
          if (given.length > 1) throw new UsageError(`give only one of ${given.join(', ')}: they all change the ${dir} quota`);
          const value = set ?? both;
          if (value !== undefined) body[`${dir}QuotaMbps`] = parseQuota(value, set !== undefined ? `--${dir}` : '--both');
          if (adjust !== undefined) body[`${dir}QuotaAdjustMbps`] = parseSignedMbps(adjust, `--adjust-${dir}`);
        }
        if (Object.keys(body).length === 0) {
          throw new UsageError('say what to change: --ingress, --egress, --both, --adjust-ingress or --adjust-egress');
        }
        const net = ctx.network();
        const res = await ctx.client.call('PATCH', apiPath('networks', net, 'terminals', name), body, `change the quotas of terminal ${net}:${name}`);
        if (ctx.json) ctx.printJson(res.body);
        else ctx.out(renderTerminal(net, res.body as TerminalJson));
      },
    },
  ],
};
