import { leaseStoreContract } from './lease-store-contract'
import { createMemoryLeaseStore } from './memory-leases'

leaseStoreContract('in memory', async () => {
  let now = Date.UTC(2026, 0, 1)
  return {
    store: createMemoryLeaseStore(() => now),
    wait: async (ms) => {
      now += ms
    },
    cleanup: async () => {},
  }
})
