/**
 * Service status and intent.
 *
 * A service keeps the user's *intent* (what they asked for) apart from its
 * observed *status* (what the network is doing). Status is derived from the
 * intent and from what the fabric or the inferior networks report, so that
 * every path converges towards the intent.
 */

/** Observed status, in DPB's vocabulary and order. */
export const SERVICE_STATUSES = [
  'DORMANT',
  'ESTABLISHING',
  'INACTIVE',
  'ACTIVATING',
  'ACTIVE',
  'DEACTIVATING',
  'FAILED',
  'RELEASING',
  'RELEASED',
] as const;

export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/** Statuses a service can rest in. */
export const STABLE_STATUSES: ReadonlySet<ServiceStatus> = new Set<ServiceStatus>([
  'DORMANT',
  'INACTIVE',
  'ACTIVE',
  'FAILED',
  'RELEASED',
]);

export function isServiceStatus(s: unknown): s is ServiceStatus {
  return typeof s === 'string' && (SERVICE_STATUSES as readonly string[]).includes(s);
}

export function isStable(s: ServiceStatus): boolean {
  return STABLE_STATUSES.has(s);
}

/**
 * The user's intent.
 * - INACTIVE: resources reserved (once defined), no traffic;
 * - ACTIVE: carry traffic (remembered if given before define);
 * - RESET: give everything back and return to DORMANT, keeping id and handle;
 * - RELEASE: give everything back and end the service.
 */
export const SERVICE_INTENTS = ['INACTIVE', 'ACTIVE', 'RESET', 'RELEASE'] as const;
export type ServiceIntent = (typeof SERVICE_INTENTS)[number];

/**
 * Every transition a service may show, as data. Implementations emit only
 * these; the conformance suite checks every event stream against it.
 */
export const STATUS_TRANSITIONS: Readonly<Record<ServiceStatus, readonly ServiceStatus[]>> = {
  // define starts; release or reset of a never-defined service
  DORMANT: ['ESTABLISHING', 'RELEASING'],
  // resources ready (maybe activating at once, if activated early); define failed and was rolled back
  ESTABLISHING: ['INACTIVE', 'ACTIVATING', 'DORMANT', 'FAILED', 'RELEASING'],
  INACTIVE: ['ACTIVATING', 'ESTABLISHING', 'FAILED', 'RELEASING'],
  // deactivated or an inferior restarted before it came up; up; failed; released
  ACTIVATING: ['ACTIVE', 'DEACTIVATING', 'INACTIVE', 'ESTABLISHING', 'FAILED', 'RELEASING'],
  // a part went down and is being restored; deactivate; failure; release
  ACTIVE: ['ACTIVATING', 'DEACTIVATING', 'ESTABLISHING', 'FAILED', 'RELEASING'],
  DEACTIVATING: ['INACTIVE', 'ACTIVATING', 'ESTABLISHING', 'FAILED', 'RELEASING'],
  // only reset or release follow a failure
  FAILED: ['RELEASING'],
  // reset completes in DORMANT, release in RELEASED
  RELEASING: ['RELEASED', 'DORMANT'],
  RELEASED: [],
};

export function isAllowedTransition(from: ServiceStatus, to: ServiceStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}
