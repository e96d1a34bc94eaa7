import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ErrorRecord, SanitizedRequest, ServiceIntent } from '@dpb/model';

/** A service of a logical switch; request and errors are JSON text. */
@Entity({ name: 'switch_services' })
export class SwitchServiceEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'text', nullable: true }) handle!: string | null;
  @Column({ type: 'text' }) intent!: ServiceIntent;
  @Column({ type: 'simple-json', nullable: true }) request!: SanitizedRequest | null;
  @Column({ type: 'simple-json' }) errors!: ErrorRecord[];
  @Column({ name: 'created_at', type: 'integer' }) createdAt!: number;
}
