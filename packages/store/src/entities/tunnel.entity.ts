import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A label pair of a trunk held by a service. The schema makes
 * (network, trunk, start label) and (network, trunk, end label) unique: the
 * last guard against double booking.
 */
@Entity({ name: 'tunnels' })
export class TunnelEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ name: 'service_id', type: 'integer' }) serviceId!: number;
  @PrimaryColumn({ type: 'integer' }) idx!: number;
  @Column({ name: 'trunk_id', type: 'integer' }) trunkId!: number;
  @Column({ name: 'start_label', type: 'integer' }) startLabel!: number;
  @Column({ name: 'end_label', type: 'integer' }) endLabel!: number;
  @Column({ name: 'upstream_mbps', type: 'real' }) upstreamMbps!: number;
  @Column({ name: 'downstream_mbps', type: 'real' }) downstreamMbps!: number;
}
