import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Names of the id counters kept per network. */
export type CounterName = 'switch_service' | 'aggregator_service' | 'trunk';

/** The next id to hand out; it only grows, so ids are never reused. */
@Entity({ name: 'counters' })
export class CounterEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ type: 'text' }) counter!: CounterName;
  @Column({ name: 'next_id', type: 'integer' }) nextId!: number;
}
