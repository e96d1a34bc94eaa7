import { type AggregatorManagement, type DirectionalMbps } from '@dpb/model';
import {
  type DirectionalBody,
  labelRangeFromBody,
  type LabelsDefineBody,
  type LabelsRevokeBody,
  type TrunkCreateBody,
  type TrunkPatchBody,
} from '@dpb/protocol';
import type { NetworkEntry } from '../../networks';
import { parseId, type RouteDef, unsupported } from '../route';
import { terminalRefFromBody } from './terminals';

const base = '/api/v1/networks/{net}/trunks';

function mgmt(net: NetworkEntry): AggregatorManagement {
  return net.aggregator ?? unsupported(net, 'trunks (only aggregators have trunks)');
}

function amount(b: DirectionalBody): DirectionalMbps {
  return { upstreamMbps: b.upstreamMbps ?? 0, downstreamMbps: b.downstreamMbps ?? 0 };
}

/** Trunks of aggregators: capacity, cost, commissioning, label ranges. */
export const trunkRoutes: RouteDef[] = [
  {
    method: 'get',
    path: base,
    operationId: 'listTrunks',
    summary: 'Trunks with capacity, allocation and availability each way, labels, cost, commissioned',
    responses: { 200: { description: 'trunks, by id', schema: 'Trunk[]' } },
    handler: async ({ net }) => ({ status: 200, body: await mgmt(net).trunks() }),
  },
  {
    method: 'post',
    path: base,
    operationId: 'addTrunk',
    summary: 'Adds a trunk between two inferior terminals',
    body: 'trunkCreate',
    responses: { 201: { description: 'the new trunk', schema: 'Trunk' } },
    handler: async ({ net, body }) => {
      const m = mgmt(net);
      const b = body as TrunkCreateBody;
      const info = await m.addTrunk({
        start: terminalRefFromBody(b.start, 'start'),
        end: terminalRefFromBody(b.end, 'end'),
        ...(b.upstreamMbps !== undefined ? { upstreamMbps: b.upstreamMbps } : {}),
        ...(b.downstreamMbps !== undefined ? { downstreamMbps: b.downstreamMbps } : {}),
        ...(b.cost !== undefined ? { cost: b.cost } : {}),
        ...(b.commissioned !== undefined ? { commissioned: b.commissioned } : {}),
        labels: (b.labels ?? []).map((l, i) => labelRangeFromBody(l, `labels[${i}]`)),
      });
      return { status: 201, body: info, headers: { Location: `/api/v1/networks/${encodeURIComponent(net.control.name)}/trunks/${info.id}` } };
    },
  },
  {
    method: 'get',
    path: `${base}/{trunk}`,
    operationId: 'getTrunk',
    summary: 'One trunk',
    responses: { 200: { description: 'the trunk', schema: 'Trunk' } },
    handler: async ({ net, params }) => ({ status: 200, body: await mgmt(net).trunk(parseId(params.trunk as string, 'trunk')) }),
  },
  {
    method: 'patch',
    path: `${base}/{trunk}`,
    operationId: 'modifyTrunk',
    summary: 'Withdraws and/or provides bandwidth, sets cost, (de)commissions — applied in that order, stopping at the first failure',
    body: 'trunkPatch',
    responses: { 200: { description: 'the trunk', schema: 'Trunk' } },
    handler: async ({ net, params, body }) => {
      const m = mgmt(net);
      const id = parseId(params.trunk as string, 'trunk');
      const b = body as TrunkPatchBody;
      let info = await m.trunk(id);
      if (b.withdrawMbps) info = await m.withdrawBandwidth(id, amount(b.withdrawMbps));
      if (b.provideMbps) info = await m.provideBandwidth(id, amount(b.provideMbps));
      if (b.cost !== undefined) info = await m.setCost(id, b.cost);
      if (b.commissioned !== undefined && b.commissioned !== info.commissioned) {
        info = b.commissioned ? await m.recommission(id) : await m.decommission(id);
      }
      return { status: 200, body: info };
    },
  },
  {
    method: 'delete',
    path: `${base}/{trunk}`,
    operationId: 'removeTrunk',
    summary: 'Removes a trunk (BUSY while tunnels are allocated on it)',
    responses: { 204: { description: 'removed' } },
    handler: async ({ net, params }) => {
      await mgmt(net).removeTrunk(parseId(params.trunk as string, 'trunk'));
      return { status: 204 };
    },
  },
  {
    method: 'post',
    path: `${base}/{trunk}/labels`,
    operationId: 'defineTrunkLabels',
    summary: 'Adds a range of label pairs (start startBase+i ↔ end endBase+i)',
    body: 'labelsDefine',
    responses: { 200: { description: 'the trunk', schema: 'Trunk' } },
    handler: async ({ net, params, body }) => {
      const m = mgmt(net);
      const id = parseId(params.trunk as string, 'trunk');
      return { status: 200, body: await m.defineLabels(id, labelRangeFromBody(body as LabelsDefineBody, 'body')) };
    },
  },
  {
    method: 'post',
    path: `${base}/{trunk}/labels/revoke`,
    operationId: 'revokeTrunkLabels',
    summary: 'Removes label pairs selected by their start (or end) labels (BUSY if any is in use)',
    body: 'labelsRevoke',
    responses: { 200: { description: 'the trunk', schema: 'Trunk' } },
    handler: async ({ net, params, body }) => {
      const m = mgmt(net);
      const id = parseId(params.trunk as string, 'trunk');
      const b = body as LabelsRevokeBody;
      return { status: 200, body: await m.revokeLabels(id, { side: b.side ?? 'start', base: b.base, count: b.count }) };
    },
  },
  {
    method: 'get',
    path: '/api/v1/networks/{net}/tunnels',
    operationId: 'listTunnels',
    summary: 'Tunnels (one per service per trunk it crosses): labels and bandwidth each way',
    query: [{ name: 'trunk', description: 'only the tunnels of this trunk', schema: { type: 'integer', minimum: 1 } }],
    responses: { 200: { description: 'tunnels', schema: 'Tunnel[]' } },
    handler: async ({ net, query }) => {
      const trunk = query.trunk === undefined ? undefined : parseId(query.trunk, 'trunk');
      return { status: 200, body: await mgmt(net).tunnels(trunk) };
    },
  },
];
