import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An aggregator terminal: an outer name for a terminal of an inferior network. */
@Entity({ name: 'aggregator_terminals' })
export class AggregatorTerminalEntity {
  @PrimaryColumn({ type: 'text' }) network!: string;
  @PrimaryColumn({ type: 'text' }) name!: string;
  @Column({ name: 'inferior_network', type: 'text' }) inferiorNetwork!: string;
  @Column({ name: 'inferior_terminal', type: 'text' }) inferiorTerminal!: string;
}
