import {
  type AggregatorServiceRecord,
  type AggregatorSnapshot,
  type AggregatorStore,
  type AggregatorTerminalRecord,
  errors,
  type TrunkRecord,
  type TunnelRecord,
} from '@dpb/model';
import {
  AggregatorServiceEntity,
  AggregatorTerminalEntity,
  SubserviceEntity,
  TrunkEntity,
  TrunkLabelRangeEntity,
  TunnelEntity,
} from './entities';
import { checkAggregatorServiceRecord, checkAggregatorTerminalRecord, checkTrunkRecord } from './record-checks';
import type { HotStatements } from './hot-statements';
import { deleteRows, insertRows, raiseCounter, readCounter, rowParams } from './sql-helpers';
import type { WriteQueue } from './write-queue';

/** An aggregator's store over the shared SQLite database; rows keyed by `network`. */
export class SqliteAggregatorStore implements AggregatorStore {
  constructor(
    private readonly queue: WriteQueue,
    private readonly network: string,
    private readonly sql: HotStatements,
  ) {}

  /**
   * A committed lower bound of this network's service id counter: a put of
   * a service below it need not raise the counter (ids never go down).
   */
  private counterFloor = 0;

  async load(): Promise<AggregatorSnapshot> {
    const network = this.network;
    return this.queue.submit(async (m) => {
      const where = { network };
      const terminals = await m.find(AggregatorTerminalEntity, { where, order: { name: 'ASC' } });
      const trunks = await m.find(TrunkEntity, { where, order: { id: 'ASC' } });
      const ranges = await m.find(TrunkLabelRangeEntity, { where, order: { trunkId: 'ASC', idx: 'ASC' } });
      const services = await m.find(AggregatorServiceEntity, { where, order: { id: 'ASC' } });
      const subs = await m.find(SubserviceEntity, { where, order: { serviceId: 'ASC', idx: 'ASC' } });
      const tunnels = await m.find(TunnelEntity, { where, order: { serviceId: 'ASC', idx: 'ASC' } });
      const rangesOf = groupBy(ranges, (r) => r.trunkId);
      const subsOf = groupBy(subs, (s) => s.serviceId);
      const tunnelsOf = groupBy(tunnels, (t) => t.serviceId);
      return {
        terminals: terminals.map((t) => ({
          name: t.name,
          inferior: { network: t.inferiorNetwork, terminal: t.inferiorTerminal },
        })),
        trunks: trunks.map((t) => ({
          id: t.id,
          start: { network: t.startNetwork, terminal: t.startTerminal },
          end: { network: t.endNetwork, terminal: t.endTerminal },
          upstreamMbps: t.upstreamMbps,
          downstreamMbps: t.downstreamMbps,
          cost: t.cost,
          commissioned: t.commissioned,
          labelRanges: (rangesOf.get(t.id) ?? []).map((r) => ({ startBase: r.startBase, count: r.count, endBase: r.endBase })),
        })),
        services: services.map((s) => ({
          id: s.id,
          handle: s.handle,
          intent: s.intent,
          request: s.request,
          errors: s.errors,
          createdAt: s.createdAt,
          generation: s.generation,
          subservices: (subsOf.get(s.id) ?? []).map((x) => ({
            network: x.inferiorNetwork,
            handle: x.handle,
            id: x.inferiorId,
            request: x.request,
          })),
          tunnels: (tunnelsOf.get(s.id) ?? []).map((t) => ({
            trunkId: t.trunkId,
            startLabel: t.startLabel,
            endLabel: t.endLabel,
            upstreamMbps: t.upstreamMbps,
            downstreamMbps: t.downstreamMbps,
          })),
        })),
        nextServiceId: await readCounter(m, network, 'aggregator_service'),
        nextTrunkId: await readCounter(m, network, 'trunk'),
      };
    });
  }

  async putTerminal(terminal: AggregatorTerminalRecord): Promise<void> {
    checkAggregatorTerminalRecord(terminal);
    const row: AggregatorTerminalEntity = {
      network: this.network,
      name: terminal.name,
      inferiorNetwork: terminal.inferior.network,
      inferiorTerminal: terminal.inferior.terminal,
    };
    return this.queue.submit((m) =>
      insertRows(m, AggregatorTerminalEntity, [row], {
        overwrite: ['inferior_network', 'inferior_terminal'],
        conflict: ['network', 'name'],
      }),
    );
  }

  async deleteTerminal(name: string): Promise<void> {
    const network = this.network;
    return this.queue.submit(async (m) => {
      await deleteRows(m, AggregatorTerminalEntity, { network, name });
    });
  }

  async putTrunk(trunk: TrunkRecord): Promise<void> {
    checkTrunkRecord(trunk);
    const network = this.network;
    const row: TrunkEntity = {
      network,
      id: trunk.id,
      startNetwork: trunk.start.network,
      startTerminal: trunk.start.terminal,
      endNetwork: trunk.end.network,
      endTerminal: trunk.end.terminal,
      upstreamMbps: trunk.upstreamMbps,
      downstreamMbps: trunk.downstreamMbps,
      cost: trunk.cost,
      commissioned: trunk.commissioned,
    };
    const ranges: TrunkLabelRangeEntity[] = trunk.labelRanges.map((r, idx) => ({
      network,
      trunkId: trunk.id,
      idx,
      startBase: r.startBase,
      count: r.count,
      endBase: r.endBase,
    }));
    return this.queue.submit(async (m) => {
      // an upsert, never DELETE+INSERT: the row stays, so tunnels keep their trunk
      await insertRows(m, TrunkEntity, [row], {
        overwrite: [
          'start_network',
          'start_terminal',
          'end_network',
          'end_terminal',
          'upstream_mbps',
          'downstream_mbps',
          'cost',
          'commissioned',
        ],
        conflict: ['network', 'id'],
      });
      await deleteRows(m, TrunkLabelRangeEntity, { network, trunk_id: trunk.id });
      await insertRows(m, TrunkLabelRangeEntity, ranges);
      await raiseCounter(m, network, 'trunk', trunk.id + 1);
    });
  }

  async deleteTrunk(id: number): Promise<void> {
    const network = this.network;
    return this.queue.submit(async (m) => {
      const user = await m.findOne(TunnelEntity, { where: { network, trunkId: id }, order: { serviceId: 'ASC' } });
      if (user) {
        throw errors.busy(`trunk ${id} still carries tunnels of service ${user.serviceId}`, {
          kind: 'trunk',
          network,
          trunk: id,
          service: user.serviceId,
        });
      }
      // label ranges go with the trunk (ON DELETE CASCADE): no orphans
      await deleteRows(m, TrunkEntity, { network, id });
    });
  }

  async putService(service: AggregatorServiceRecord): Promise<void> {
    checkAggregatorServiceRecord(service);
    const network = this.network;
    const id = service.id;
    const handle = service.handle;
    const sql = this.sql;
    const table = sql.aggregatorServices;
    // parameters (JSON text included) are taken now: later changes to `service` are not stored
    const params = table.params({
      network,
      id,
      handle,
      intent: service.intent,
      generation: service.generation,
      request: service.request,
      errors: service.errors,
      createdAt: service.createdAt,
    } satisfies AggregatorServiceEntity);
    const subs = service.subservices.map((s, idx) =>
      rowParams(sql.subservices.plan, {
        network,
        serviceId: id,
        idx,
        inferiorNetwork: s.network,
        handle: s.handle,
        inferiorId: s.id,
        request: s.request,
      } satisfies SubserviceEntity),
    );
    const tunnelRecords = service.tunnels.map((t) => ({ ...t }));
    const tunnels = tunnelRecords.map((t, idx) =>
      rowParams(sql.tunnels.plan, {
        network,
        serviceId: id,
        idx,
        trunkId: t.trunkId,
        startLabel: t.startLabel,
        endLabel: t.endLabel,
        upstreamMbps: t.upstreamMbps,
        downstreamMbps: t.downstreamMbps,
      } satisfies TunnelEntity),
    );
    await this.queue.submitDirect(() => {
      table.put(params, network, id, handle);
      // the row is upserted, not replaced, so its children stay unless rewritten here
      sql.subservices.replace(network, id, subs);
      try {
        sql.tunnels.replace(network, id, tunnels);
      } catch (e) {
        throw explainTunnelFailure(sql, network, id, tunnelRecords) ?? e;
      }
      if (id + 1 > this.counterFloor) sql.raiseCounter.run(network, 'aggregator_service', id + 1);
    });
    // committed: the stored counter is at least id + 1 from now on (it never goes down)
    if (id + 1 > this.counterFloor) this.counterFloor = id + 1;
  }

  async deleteService(id: number): Promise<void> {
    const network = this.network;
    const table = this.sql.aggregatorServices;
    return this.queue.submitDirect(
      () => {
        // sub-services and tunnels go with it (ON DELETE CASCADE), in the same statement
        table.delete.run(network, id);
      },
      { refusedOnlyBeforeWriting: true },
    );
  }

  async close(): Promise<void> {}
}

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/**
 * Turns a failed tunnel write into the error a caller can act on: NOT_FOUND
 * for a trunk that does not exist, BUSY naming the label and the service
 * that holds it. Undefined if neither explains it.
 */
function explainTunnelFailure(sql: HotStatements, network: string, service: number, tunnels: TunnelRecord[]): Error | undefined {
  for (const t of tunnels) {
    if (sql.trunkExists.get(network, t.trunkId) === undefined) {
      return errors.notFound('trunk', String(t.trunkId), { network, trunk: t.trunkId, service });
    }
  }
  for (const t of tunnels) {
    for (const side of ['start', 'end'] as const) {
      const label = side === 'start' ? t.startLabel : t.endLabel;
      const holder = (side === 'start' ? sql.startLabelHolder : sql.endLabelHolder).get(network, t.trunkId, label, service) as
        | [number]
        | undefined;
      if (holder) {
        return errors.busy(`${side} label ${label} of trunk ${t.trunkId} is held by service ${holder[0]}`, {
          kind: 'label',
          network,
          trunk: t.trunkId,
          label,
          side,
          service: holder[0],
        });
      }
    }
  }
  return undefined;
}
