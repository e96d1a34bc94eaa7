import type { TestBroker } from '../../integration/rest/broker';
import { Lab } from './lab';
import { Services, startLabBroker } from './lab-broker';

export interface LabContext {
  lab: Lab;
  /** The in-process broker on the lab (set in beforeAll). */
  broker: TestBroker;
  /** REST v1 service calls on the aggregator `wan`. */
  services: Services;
}

/**
 * Brings the lab up (OVS, topology, controller app) and a broker on it before
 * the file's tests, and tears both down after them. If the machine cannot run
 * the suite (not root, packages missing) beforeAll throws, so every test of
 * the file fails with the reason and what to install.
 */
export function useLab(options: { fabric?: Record<string, unknown>; setupTimeoutMs?: number } = {}): LabContext {
  const ctx = { lab: new Lab() } as LabContext;
  let started = false;
  beforeAll(async () => {
    started = true;
    await ctx.lab.up();
    ctx.broker = await startLabBroker(ctx.lab, options.fabric);
    ctx.services = new Services(ctx.broker.base);
  }, options.setupTimeoutMs ?? 120_000);
  afterAll(async () => {
    if (ctx.broker) await ctx.broker.close();
    if (process.env.DPB_E2E_KEEP === '1') {
      console.warn(`DPB_E2E_KEEP=1: the lab stays up (prefix ${ctx.lab.settings.prefix}, OVS_RUNDIR=${ctx.lab.settings.runDir}); remove it with LAB_PREFIX=${ctx.lab.settings.prefix} OVS_RUNDIR=${ctx.lab.settings.runDir} test/e2e/lab/lab-down.sh`);
    } else if (started && (typeof process.getuid !== 'function' || process.getuid() === 0)) await ctx.lab.down();
  }, 120_000);
  return ctx;
}
