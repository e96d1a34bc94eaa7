export { CorsaFabric, type CorsaFabricOptions } from './corsa-fabric';
export { corsaFabricDriver } from './corsa-fabric-driver';
export {
  CORSA_MODES,
  type ControllerConfig,
  type CorsaFabricConfig,
  type CorsaMode,
  DEFAULT_MAX_VFCS,
  type EndpointConfig,
  parseCorsaConfig,
  type TlsTrust,
} from './corsa-config';
export {
  circuitOfEndpoint,
  type CorsaInterface,
  endpointKey,
  endpointsConflict,
  MAX_VLAN,
  MIN_VLAN,
  parseCorsaInterface,
  type PortCounts,
  tunnelEndpoint,
  type TunnelEndpoint,
} from './corsa-interface';
export {
  type CorsaBridgeInfo,
  type CorsaControllerInfo,
  CorsaRest,
  type CorsaTunnelInfo,
  isTransient,
} from './corsa-rest';
export { type AppSlice, type AppView, PortGroupsClient } from './portgroups-client';
export { BURST_MS, meterFor, MIN_CBS_KB, shapedRateFor } from './bridge-plan';
export { type HttpRequest, type HttpResult, type HttpTransport, HttpJsonClient } from './http-json-client';
export { BRIDGE_NAME_LIMIT, CONTROLLER_ID } from './vfc-per-service';
