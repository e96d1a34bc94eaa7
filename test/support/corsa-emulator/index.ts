/**
 * Corsa DP2000 management-API emulator for adaptor tests. See README.md.
 */
export { startCorsaEmulator, DEFAULT_CORSA_TOKEN } from './corsa-emulator';
export { BRIDGE_SUBTYPES, MAX_OFPORT, tunnelsConflict, type DataplaneEvent } from './corsa-api';
export type {
  CorsaBridge,
  CorsaController,
  CorsaDataplane,
  CorsaEmulator,
  CorsaEmulatorOptions,
  CorsaFaults,
  CorsaMeter,
  CorsaState,
  CorsaTunnel,
  CorsaTunnelType,
  DataplaneError,
  FaultOptions,
  RecordedRequest,
  RequestMatch,
} from './corsa-types';
