import {
  type SwitchServiceRecord,
  type SwitchSnapshot,
  type SwitchStore,
  type SwitchTerminalRecord,
} from '@dpb/model';
import { SwitchServiceEntity, SwitchTerminalEntity } from './entities';
import { checkServiceRecord, checkSwitchTerminalRecord } from './record-checks';
import type { HotStatements } from './hot-statements';
import { deleteRows, insertRows, readCounter } from './sql-helpers';
import { PartialWriteError, type WriteQueue } from './write-queue';

/** A logical switch's store over the shared SQLite database; rows keyed by `network`. */
export class SqliteSwitchStore implements SwitchStore {
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

  async load(): Promise<SwitchSnapshot> {
    const network = this.network;
    return this.queue.submit(async (m) => {
      const terminals = await m.find(SwitchTerminalEntity, { where: { network }, order: { name: 'ASC' } });
      const services = await m.find(SwitchServiceEntity, { where: { network }, order: { id: 'ASC' } });
      return {
        terminals: terminals.map((t) => ({
          name: t.name,
          interface: t.interface,
          ingressQuotaMbps: t.ingressQuotaMbps,
          egressQuotaMbps: t.egressQuotaMbps,
        })),
        services: services.map((s) => ({
          id: s.id,
          handle: s.handle,
          intent: s.intent,
          request: s.request,
          errors: s.errors,
          createdAt: s.createdAt,
        })),
        nextServiceId: await readCounter(m, network, 'switch_service'),
      };
    });
  }

  async putTerminal(terminal: SwitchTerminalRecord): Promise<void> {
    checkSwitchTerminalRecord(terminal);
    const row: SwitchTerminalEntity = { network: this.network, ...pick(terminal) };
    return this.queue.submit((m) =>
      insertRows(m, SwitchTerminalEntity, [row], {
        overwrite: ['interface', 'ingress_quota_mbps', 'egress_quota_mbps'],
        conflict: ['network', 'name'],
      }),
    );
  }

  async deleteTerminal(name: string): Promise<void> {
    const network = this.network;
    return this.queue.submit(async (m) => {
      await deleteRows(m, SwitchTerminalEntity, { network, name });
    });
  }

  async putService(service: SwitchServiceRecord): Promise<void> {
    checkServiceRecord(service);
    const network = this.network;
    const sql = this.sql;
    const table = sql.switchServices;
    // parameters (JSON text included) are taken now: later changes to `service` are not stored
    const params = table.params({
      network,
      id: service.id,
      handle: service.handle,
      intent: service.intent,
      request: service.request,
      errors: service.errors,
      createdAt: service.createdAt,
    } satisfies SwitchServiceEntity);
    const { id, handle } = service;
    await this.queue.submitDirect(
      () => {
        table.put(params, network, id, handle);
        try {
          if (id + 1 > this.counterFloor) sql.raiseCounter.run(network, 'switch_service', id + 1);
        } catch (e) {
          throw new PartialWriteError(e);
        }
      },
      { refusedOnlyBeforeWriting: true },
    );
    // committed: the stored counter is at least id + 1 from now on (it never goes down)
    if (id + 1 > this.counterFloor) this.counterFloor = id + 1;
  }

  async deleteService(id: number): Promise<void> {
    const network = this.network;
    const table = this.sql.switchServices;
    return this.queue.submitDirect(
      () => {
        table.delete.run(network, id);
      },
      { refusedOnlyBeforeWriting: true },
    );
  }

  async close(): Promise<void> {}
}

function pick(t: SwitchTerminalRecord): SwitchTerminalRecord {
  return { name: t.name, interface: t.interface, ingressQuotaMbps: t.ingressQuotaMbps, egressQuotaMbps: t.egressQuotaMbps };
}
