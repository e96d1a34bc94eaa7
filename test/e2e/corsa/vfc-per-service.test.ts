import { corsaTrafficSuite } from './traffic-suite';

/**
 * vfc-per-service mode with the port-group app: one VFC (an OVS bridge) per
 * ACTIVE service, its ofports the one slice of the VFC's dpid at the app.
 * Needs root, Open vSwitch and os-ken (see test/e2e/corsa/README.md).
 */
jest.setTimeout(180_000);

corsaTrafficSuite('vfc-per-service');
