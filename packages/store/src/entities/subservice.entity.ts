import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SanitizedRequest } from '@dpb/model';

/** A piece of an aggregator service delegated to an inferior network. */
@Entity({ name: 'subservices' })
export class SubserviceEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ name: 'service_id', type: 'integer' }) serviceId!: number;
  @PrimaryColumn({ type: 'integer' }) idx!: number;
  @Column({ name: 'inferior_network', type: 'text' }) inferiorNetwork!: string;
  @Column({ type: 'text' }) handle!: string;
  @Column({ name: 'inferior_id', type: 'integer', nullable: true }) inferiorId!: number | null;
  @Column({ type: 'simple-json' }) request!: SanitizedRequest;
}
