import { MemoryStoreProvider } from '@dpb/store';
import { describeStore } from '@dpb/testkit';

// A memory provider outlives its stores, so "reopen" hands back the same
// provider: that is how switch and aggregator tests simulate a restart.
describeStore('MemoryStoreProvider', async () => {
  const provider = new MemoryStoreProvider();
  return { provider, reopen: async () => provider, teardown: () => provider.close() };
});
