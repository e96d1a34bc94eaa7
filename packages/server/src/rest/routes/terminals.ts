import { checkName, errors, parseTerminalRef, type QuotaChanges, type TerminalRef } from '@dpb/model';
import type { TerminalCreateBody, TerminalPatchBody, TerminalRefBody } from '@dpb/protocol';
import { type RouteDef, unsupported } from '../route';

/** Either body form of a terminal reference. */
export function terminalRefFromBody(r: TerminalRefBody, field: string): TerminalRef {
  return typeof r === 'string' ? parseTerminalRef(r, field) : { network: r.network, terminal: r.terminal };
}

const base = '/api/v1/networks/{net}/terminals';

/** Terminals of switches and aggregators. */
export const terminalRoutes: RouteDef[] = [
  {
    method: 'get',
    path: base,
    operationId: 'listTerminals',
    summary: 'Terminals: a switch shows interface, labels, quotas and use; an aggregator the inferior terminal',
    responses: { 200: { description: 'terminals, by name', schema: 'Terminal[]' } },
    handler: async ({ net }) => {
      if (net.switch) return { status: 200, body: await net.switch.terminalDetails() };
      if (net.aggregator) return { status: 200, body: await net.aggregator.terminalDetails() };
      return { status: 200, body: (await net.control.terminals()).map((name) => ({ name })) };
    },
  },
  {
    method: 'post',
    path: base,
    operationId: 'addTerminal',
    summary: 'Adds a terminal (switch: on a fabric interface, with optional quotas; aggregator: on an inferior terminal)',
    body: 'terminalCreate',
    responses: { 201: { description: 'the new terminal', schema: 'Terminal' } },
    handler: async ({ net, body }) => {
      const b = body as TerminalCreateBody;
      if (net.switch) {
        if (b.inferior !== undefined) throw errors.invalid('a switch terminal takes interface, not inferior', { field: 'inferior' });
        if (b.interface === undefined) throw errors.invalid('interface is required for a switch terminal', { field: 'interface' });
        const quotas: QuotaChanges = {};
        if (b.ingressQuotaMbps !== undefined) quotas.ingress = { set: b.ingressQuotaMbps };
        if (b.egressQuotaMbps !== undefined) quotas.egress = { set: b.egressQuotaMbps };
        let info = await net.switch.addTerminal(b.name, b.interface);
        if (quotas.ingress || quotas.egress) {
          try {
            info = await net.switch.modifyQuota(b.name, quotas);
          } catch (e) {
            await net.switch.removeTerminal(b.name).catch(() => undefined);
            throw e;
          }
        }
        return { status: 201, body: info, headers: { Location: `/api/v1/networks/${encodeURIComponent(net.control.name)}/terminals/${encodeURIComponent(b.name)}` } };
      }
      if (net.aggregator) {
        for (const f of ['interface', 'ingressQuotaMbps', 'egressQuotaMbps'] as const) {
          if (b[f] !== undefined) throw errors.invalid(`an aggregator terminal takes inferior, not ${f}`, { field: f });
        }
        if (b.inferior === undefined) throw errors.invalid('inferior is required for an aggregator terminal', { field: 'inferior' });
        const info = await net.aggregator.addTerminal(b.name, terminalRefFromBody(b.inferior, 'inferior'));
        return { status: 201, body: info, headers: { Location: `/api/v1/networks/${encodeURIComponent(net.control.name)}/terminals/${encodeURIComponent(b.name)}` } };
      }
      return unsupported(net, 'terminal management');
    },
  },
  {
    method: 'get',
    path: `${base}/{terminal}`,
    operationId: 'getTerminal',
    summary: 'One terminal',
    responses: { 200: { description: 'the terminal', schema: 'Terminal' } },
    handler: async ({ net, params }) => {
      const name = checkName(params.terminal, 'terminal');
      if (net.switch) return { status: 200, body: await net.switch.terminal(name) };
      const found = net.aggregator
        ? (await net.aggregator.terminalDetails()).find((t) => t.name === name)
        : (await net.control.terminals()).includes(name)
          ? { name }
          : undefined;
      if (!found) throw errors.notFound('terminal', `${net.control.name}:${name}`, { network: net.control.name, terminal: name });
      return { status: 200, body: found };
    },
  },
  {
    method: 'patch',
    path: `${base}/{terminal}`,
    operationId: 'modifyTerminalQuota',
    summary: 'Sets (number, or null for no limit) or adjusts (by a signed delta) a switch terminal\'s quotas',
    body: 'terminalPatch',
    responses: { 200: { description: 'the terminal', schema: 'Terminal' } },
    handler: async ({ net, params, body }) => {
      const name = checkName(params.terminal, 'terminal');
      if (!net.switch) return unsupported(net, 'terminal quotas');
      const b = body as TerminalPatchBody;
      const changes: QuotaChanges = {};
      for (const dir of ['ingress', 'egress'] as const) {
        const set = b[`${dir}QuotaMbps`];
        const adjust = b[`${dir}QuotaAdjustMbps`];
        if (set !== undefined && adjust !== undefined) {
          throw errors.invalid(`give ${dir}QuotaMbps or ${dir}QuotaAdjustMbps, not both`, { field: `${dir}QuotaAdjustMbps` });
        }
        if (set !== undefined) changes[dir] = { set };
        if (adjust !== undefined) changes[dir] = { adjust };
      }
      return { status: 200, body: await net.switch.modifyQuota(name, changes) };
    },
  },
  {
    method: 'delete',
    path: `${base}/{terminal}`,
    operationId: 'removeTerminal',
    summary: 'Removes a terminal (BUSY while a defined service uses it)',
    responses: { 204: { description: 'removed' } },
    handler: async ({ net, params }) => {
      const name = checkName(params.terminal, 'terminal');
      if (net.switch) await net.switch.removeTerminal(name);
      else if (net.aggregator) await net.aggregator.removeTerminal(name);
      else return unsupported(net, 'terminal management');
      return { status: 204 };
    },
  },
];
