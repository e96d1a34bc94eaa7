import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: every network's rows in one database, keyed by network
 * name. Shipped; never edit it — add a new migration instead.
 */
export class InitialSchema1767225600001 implements MigrationInterface {
  readonly name = 'InitialSchema1767225600001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE switch_terminals (
      network TEXT NOT NULL,
      name TEXT NOT NULL,
      interface TEXT NOT NULL,
      ingress_quota_mbps REAL NULL,
      egress_quota_mbps REAL NULL,
      PRIMARY KEY (network, name))`);
    await q.query(`CREATE TABLE switch_services (
      network TEXT NOT NULL,
      id INTEGER NOT NULL,
      handle TEXT NULL,
      intent TEXT NOT NULL,
      request TEXT NULL,
      errors TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (network, id),
      CONSTRAINT uq_switch_services_handle UNIQUE (network, handle))`);
    await q.query(`CREATE TABLE aggregator_terminals (
      network TEXT NOT NULL,
      name TEXT NOT NULL,
      inferior_network TEXT NOT NULL,
      inferior_terminal TEXT NOT NULL,
      PRIMARY KEY (network, name))`);
    await q.query(`CREATE TABLE trunks (
      network TEXT NOT NULL,
      id INTEGER NOT NULL,
      start_network TEXT NOT NULL,
      start_terminal TEXT NOT NULL,
      end_network TEXT NOT NULL,
      end_terminal TEXT NOT NULL,
      upstream_mbps REAL NOT NULL,
      downstream_mbps REAL NOT NULL,
      cost REAL NOT NULL,
      commissioned INTEGER NOT NULL CHECK (commissioned IN (0, 1)),
      PRIMARY KEY (network, id))`);
    await q.query(`CREATE TABLE trunk_label_ranges (
      network TEXT NOT NULL,
      trunk_id INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      start_base INTEGER NOT NULL,
      count INTEGER NOT NULL,
      end_base INTEGER NOT NULL,
      PRIMARY KEY (network, trunk_id, idx),
      CONSTRAINT fk_label_ranges_trunk FOREIGN KEY (network, trunk_id)
        REFERENCES trunks (network, id) ON DELETE CASCADE)`);
    await q.query(`CREATE TABLE aggregator_services (
      network TEXT NOT NULL,
      id INTEGER NOT NULL,
      handle TEXT NULL,
      intent TEXT NOT NULL,
      generation INTEGER NOT NULL,
      request TEXT NULL,
      errors TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (network, id),
      CONSTRAINT uq_aggregator_services_handle UNIQUE (network, handle))`);
    await q.query(`CREATE TABLE subservices (
      network TEXT NOT NULL,
      service_id INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      inferior_network TEXT NOT NULL,
      handle TEXT NOT NULL,
      inferior_id INTEGER NULL,
      request TEXT NOT NULL,
      PRIMARY KEY (network, service_id, idx),
      CONSTRAINT fk_subservices_service FOREIGN KEY (network, service_id)
        REFERENCES aggregator_services (network, id) ON DELETE CASCADE)`);
    await q.query(`CREATE TABLE tunnels (
      network TEXT NOT NULL,
      service_id INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      trunk_id INTEGER NOT NULL,
      start_label INTEGER NOT NULL,
      end_label INTEGER NOT NULL,
      upstream_mbps REAL NOT NULL,
      downstream_mbps REAL NOT NULL,
      PRIMARY KEY (network, service_id, idx),
      CONSTRAINT uq_tunnels_start UNIQUE (network, trunk_id, start_label),
      CONSTRAINT uq_tunnels_end UNIQUE (network, trunk_id, end_label),
      CONSTRAINT fk_tunnels_service FOREIGN KEY (network, service_id)
        REFERENCES aggregator_services (network, id) ON DELETE CASCADE,
      CONSTRAINT fk_tunnels_trunk FOREIGN KEY (network, trunk_id)
        REFERENCES trunks (network, id))`);
    await q.query(`CREATE TABLE counters (
      network TEXT NOT NULL,
      counter TEXT NOT NULL,
      next_id INTEGER NOT NULL,
      PRIMARY KEY (network, counter))`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'counters',
      'tunnels',
      'subservices',
      'aggregator_services',
      'trunk_label_ranges',
      'trunks',
      'aggregator_terminals',
      'switch_services',
      'switch_terminals',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
