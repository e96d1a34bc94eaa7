import {
  errors,
  type SwitchServiceRecord,
  type SwitchSnapshot,
  type SwitchStore,
  type SwitchTerminalRecord,
} from '@dpb/model';
import type { EntityManager } from 'typeorm';
import { SwitchServiceEntity, SwitchTerminalEntity } from './entities';
import { checkServiceRecord, checkSwitchTerminalRecord } from './record-checks';
import { deleteRows, insertRows, raiseCounter, readCounter, sqliteCode } from './sql-helpers';
import type { WriteQueue } from './write-queue';

/** A logical switch's store over the shared SQLite database; rows keyed by `network`. */
export class SqliteSwitchStore implements SwitchStore {
  constructor(
    private readonly queue: WriteQueue,
    private readonly network: string,
  ) {}

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
    const row: SwitchServiceEntity = {
      network,
      id: service.id,
      handle: service.handle,
      intent: service.intent,
      request: service.request,
      errors: service.errors,
      createdAt: service.createdAt,
    };
    return this.queue.submit(async (m) => {
      await upsertService(m, row);
      await raiseCounter(m, network, 'switch_service', service.id + 1);
    });
  }

  async deleteService(id: number): Promise<void> {
    const network = this.network;
    return this.queue.submit(async (m) => {
      await deleteRows(m, SwitchServiceEntity, { network, id });
    });
  }

  async close(): Promise<void> {}
}

function pick(t: SwitchTerminalRecord): SwitchTerminalRecord {
  return { name: t.name, interface: t.interface, ingressQuotaMbps: t.ingressQuotaMbps, egressQuotaMbps: t.egressQuotaMbps };
}

async function upsertService(m: EntityManager, row: SwitchServiceEntity): Promise<void> {
  try {
    await insertRows(m, SwitchServiceEntity, [row], {
      overwrite: ['handle', 'intent', 'request', 'errors', 'created_at'],
      conflict: ['network', 'id'],
    });
  } catch (e) {
    if (sqliteCode(e) === 'SQLITE_CONSTRAINT_UNIQUE' && row.handle !== null) {
      const holder = await m.findOne(SwitchServiceEntity, { where: { network: row.network, handle: row.handle } });
      throw errors.exists('handle', row.handle, {
        network: row.network,
        handle: row.handle,
        service: holder?.id ?? row.id,
      });
    }
    throw e;
  }
}
