import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One label range of a trunk; `idx` keeps the ranges in the order written. */
@Entity({ name: 'trunk_label_ranges' })
export class TrunkLabelRangeEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ name: 'trunk_id', type: 'integer' }) trunkId!: number;
  @PrimaryColumn({ type: 'integer' }) idx!: number;
  @Column({ name: 'start_base', type: 'integer' }) startBase!: number;
  @Column({ type: 'integer' }) count!: number;
  @Column({ name: 'end_base', type: 'integer' }) endBase!: number;
}
