import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A trunk between two inferior terminals; capacities are totals, not residuals. */
@Entity({ name: 'trunks' })
export class TrunkEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ type: 'integer' }) id!: number;
  @Column({ name: 'start_network', type: 'text' }) startNetwork!: string;
  @Column({ name: 'start_terminal', type: 'text' }) startTerminal!: string;
  @Column({ name: 'end_network', type: 'text' }) endNetwork!: string;
  @Column({ name: 'end_terminal', type: 'text' }) endTerminal!: string;
  @Column({ name: 'upstream_mbps', type: 'real' }) upstreamMbps!: number;
  @Column({ name: 'downstream_mbps', type: 'real' }) downstreamMbps!: number;
  @Column({ type: 'real' }) cost!: number;
  @Column({ type: 'boolean' }) commissioned!: boolean;
}
