import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A terminal of a logical switch. Quotas are null for "unlimited" (never Infinity). */
@Entity({ name: 'switch_terminals' })
export class SwitchTerminalEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) interface!: string;
  @Column({ name: 'ingress_quota_mbps', type: 'real', nullable: true }) ingressQuotaMbps!: number | null;
  @Column({ name: 'egress_quota_mbps', type: 'real', nullable: true }) egressQuotaMbps!: number | null;
}
