import type { FabricDriver } from '@dpb/model';
import { type CorsaFabricConfig, parseCorsaConfig } from './corsa-config';
import { CorsaFabric } from './corsa-fabric';
import { parseCorsaInterface } from './corsa-interface';

/**
 * Builds {@link CorsaFabric}s from `fabric: { corsa: {...} }` in dpb-server's
 * config. `parseConfig` reads the token and certificate files the config
 * names; `create` does no I/O (the fabric contacts the switch on first use).
 */
export const corsaFabricDriver: FabricDriver<CorsaFabricConfig> = {
  kind: 'corsa',
  parseConfig: (raw, path, context) => parseCorsaConfig(raw, path, context),
  create: (config, context) => new CorsaFabric({ ...config, network: context.network, runtime: context.runtime }),
  describeInterface: (description, config) => {
    const { description: canonical, labels } = parseCorsaInterface(description, config);
    return { description: canonical, labels };
  },
};
