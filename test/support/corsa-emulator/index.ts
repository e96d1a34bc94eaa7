/**
 * Corsa DP2000 management-API emulator for adaptor tests. See README.md.
 */
export { startCorsaEmulator, DEFAULT_CORSA_TOKEN } from './corsa-emulator';
export { BRIDGE_SUBTYPES, MAX_OFPORT, tunnelsConflict } from './corsa-api';
export type {
  CorsaBridge,
  CorsaController,
  CorsaEmulator,
  CorsaEmulatorOptions,
  CorsaFaults,
  CorsaMeter,
  CorsaState,
  CorsaTunnel,
  CorsaTunnelType,
  FaultOptions,
  RecordedRequest,
  RequestMatch,
} from './corsa-types';
