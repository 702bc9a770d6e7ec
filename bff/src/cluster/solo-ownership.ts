/**
 * {@link Ownership} of the one console process on SQLite: it holds every instance, no fencing
 * token is needed (nobody else writes), and the cluster is itself alone.
 * @module
 */
import type { Clock } from '@relay-console/shared/clock'
import type { ClusterView, Ownership, OwnershipEvents } from './ownership'

export interface SoloOwnershipOptions {
  instanceIds: () => readonly string[]
  replicaId: string
  listen: string
  clock: Clock
}

export function createSoloOwnership(options: SoloOwnershipOptions): Ownership {
  const { clock, replicaId: self, listen } = options
  const startedAt = new Date(clock.now()).toISOString()
  let events: OwnershipEvents | null = null
  let drained: Promise<void> | null = null
  const held = new Set<string>()

  return {
    self,
    // Everything, always, until it drains: no other process could hold an instance.
    owns: () => drained === null,
    fence: () => null,

    async start(e) {
      if (events !== null) throw new Error('the ownership was started already')
      events = e
      const ids = [...new Set(options.instanceIds())]
      for (const id of ids) held.add(id)
      await Promise.all(ids.map((id) => e.acquired(id)))
    },

    async refresh() {
      const e = events
      if (e === null || drained !== null) return
      const ids = new Set(options.instanceIds())
      const gone = [...held].filter((id) => !ids.has(id))
      const fresh = [...ids].filter((id) => !held.has(id))
      for (const id of gone) held.delete(id)
      for (const id of fresh) held.add(id)
      await Promise.all(gone.map((id) => e.released(id)))
      await Promise.all(fresh.map((id) => e.acquired(id)))
    },

    drain() {
      drained ??= (async () => {
        const ids = [...held]
        held.clear()
        await Promise.all(ids.map((id) => events?.released(id)))
      })()
      return drained
    },

    async view(): Promise<ClusterView> {
      const at = new Date(clock.now()).toISOString()
      return { self, replicas: [{ id: self, listen, startedAt, lastSeenAt: at, owned: held.size }] }
    },
  }
}
