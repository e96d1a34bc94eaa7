import { errors, type FabricDriver } from '@dpb/model';
import { MemoryFabric } from './memory-fabric';
import { parseInterfaceDescription } from './interface-description';

/** `fabric: { memory: { maxBridges?, delayMs? } }` in a switch network's config. */
export interface MemoryFabricConfig {
  maxBridges?: number;
  delayMs?: number;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Builds {@link MemoryFabric}s from config: the demo's and the tests' fabric. */
export const memoryFabricDriver: FabricDriver<MemoryFabricConfig> = {
  kind: 'memory',
  parseConfig(raw, path) {
    if (raw === undefined || raw === null) return {};
    if (typeof raw !== 'object' || Array.isArray(raw)) throw errors.config(path, `must be a mapping; got ${describe(raw)}`);
    const o = raw as Record<string, unknown>;
    const out: MemoryFabricConfig = {};
    for (const [k, v] of Object.entries(o)) {
      const p = `${path}.${k}`;
      if (k === 'maxBridges') {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw errors.config(p, `must be a whole number of at least 0; got ${describe(v)}`);
        out.maxBridges = v;
      } else if (k === 'delayMs') {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 60_000) throw errors.config(p, `must be a number from 0 to 60000; got ${describe(v)}`);
        out.delayMs = v;
      } else {
        throw errors.config(p, `unknown key "${k}"; allowed here: maxBridges, delayMs`, { key: k });
      }
    }
    return out;
  },
  create(config, context) {
    return new MemoryFabric({ name: context.network, ...config });
  },
  describeInterface(description) {
    return parseInterfaceDescription(description);
  },
};
