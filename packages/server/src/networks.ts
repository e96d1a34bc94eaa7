import type { AggregatorManagement, NetworkControl, SwitchManagement } from '@dpb/model';

/** One network the server serves: its control interface and, for local networks, its management. */
export interface NetworkEntry {
  control: NetworkControl;
  switch?: SwitchManagement;
  aggregator?: AggregatorManagement;
}

/** Networks by name. */
export type Networks = ReadonlyMap<string, NetworkEntry>;
