import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ErrorRecord, SanitizedRequest, ServiceIntent } from '@dpb/model';

/** A service of an aggregator; its sub-services and tunnels are in their own tables. */
@Entity({ name: 'aggregator_services' })
export class AggregatorServiceEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'text', nullable: true }) handle!: string | null;
  @Column({ type: 'text' }) intent!: ServiceIntent;
  @Column({ type: 'integer' }) generation!: number;
  @Column({ type: 'simple-json', nullable: true }) request!: SanitizedRequest | null;
  @Column({ type: 'simple-json' }) errors!: ErrorRecord[];
  @Column({ name: 'created_at', type: 'integer' }) createdAt!: number;
}
