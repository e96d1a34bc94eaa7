import { corsaTrafficSuite } from './traffic-suite';

/**
 * shared-vfc mode: one VFC (an OVS bridge) for every service, its ofports
 * grouped per service by the port-group app. Needs root, Open vSwitch and
 * os-ken (see test/e2e/corsa/README.md).
 */
jest.setTimeout(180_000);

corsaTrafficSuite('shared-vfc');
