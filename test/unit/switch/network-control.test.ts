import { describeNetworkControl } from '@dpb/testkit';
import { makeRig } from './fixtures';

describeNetworkControl('LogicalSwitch on MemoryFabric + memory store', async () => {
  const rig = await makeRig();
  return { network: rig.sw, terminals: ['a', 'b', 'c', 'd'], label: 100, badLabel: 5000, teardown: rig.close };
});

describeNetworkControl('LogicalSwitch on a slow MemoryFabric (delayMs 5)', async () => {
  const rig = await makeRig({ fabric: { delayMs: 5 } });
  return { network: rig.sw, terminals: ['a', 'b', 'c'], label: 4000, badLabel: 4096, teardown: rig.close };
});
