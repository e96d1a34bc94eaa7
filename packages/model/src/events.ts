import type { ErrorRecord } from './errors';
import type { ServiceIntent, ServiceStatus } from './status';

/** A change of a service's status, with the time it happened. */
export interface ServiceEvent {
  network: string;
  service: number;
  status: ServiceStatus;
  intent: ServiceIntent;
  /** Epoch milliseconds. */
  at: number;
  /** The reasons, when status is FAILED. */
  errors?: ErrorRecord[];
}

/** One entry of a service's status history. */
export interface StatusChange {
  status: ServiceStatus;
  at: number;
}
