import { corsaFabricDriver } from '@dpb/adaptor-corsa';
import { memoryFabricDriver } from '@dpb/adaptor-memory';
import { openflowFabricDriver } from '@dpb/adaptor-openflow';
import type { FabricDriver } from '@dpb/model';

/**
 * The fabrics dpb-server can build, by the key that selects them under a
 * switch network's `fabric:` (e.g. `fabric: { memory: {} }`).
 */
export const FABRIC_DRIVERS: ReadonlyMap<string, FabricDriver> = new Map(
  ([memoryFabricDriver, openflowFabricDriver, corsaFabricDriver] as FabricDriver[]).map((d) => [d.kind, d] as const),
);
