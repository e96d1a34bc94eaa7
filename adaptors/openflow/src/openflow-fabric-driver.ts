import type { FabricDriver } from '@dpb/model';
import { type OpenflowFabricConfig, parseOpenflowConfig } from './openflow-config';
import { OpenflowFabric } from './openflow-fabric';
import { parseOpenflowInterface } from './interface-description';

/**
 * Builds {@link OpenflowFabric}s from `fabric: { openflow: {...} }` in a
 * switch network's config. Creating one never waits for the app: an
 * unreachable app shows as `pending` bridges, retried in the background.
 */
export const openflowFabricDriver: FabricDriver<OpenflowFabricConfig> = {
  kind: 'openflow',
  parseConfig(raw, path, context) {
    return parseOpenflowConfig(raw, path, context);
  },
  create(config, context) {
    return new OpenflowFabric({ ...config, name: context.network, runtime: context.runtime });
  },
  describeInterface(description, config) {
    const i = parseOpenflowInterface(description, config.ports);
    return { description: i.description, labels: i.labels };
  },
};
