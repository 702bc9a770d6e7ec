/**
 * {@link LeaseStore} in memory, with the same rules as the PostgreSQL one (pg-leases.ts): for tests
 * of the ownership logic and for several replicas in one process. `now` plays the database's clock,
 * so a test can give the store a clock of its own, apart from the replicas' local clocks.
 * @module
 */
import { FORGET_AFTER_TTLS, type LeaseGrant, type LeaseStore, type ReplicaRow } from './lease-store'

interface Replica {
  id: string
  listen: string
  startedAt: number
  lastSeenAt: number
  draining: boolean
}

export interface LeaseRow {
  instanceId: string
  owner: string
  epoch: number
  expiresAt: number
}

export interface MemoryLeaseStore extends LeaseStore {
  /** The lease rows as they stand (copies). */
  rows(): LeaseRow[]
  /** The instance's lease when it is valid now. */
  holder(instanceId: string): LeaseRow | undefined
}

export function createMemoryLeaseStore(now: () => number): MemoryLeaseStore {
  const replicas = new Map<string, Replica>()
  const leases = new Map<string, LeaseRow>()

  const isLive = (r: Replica, ttlMs: number) => r.lastSeenAt > now() - ttlMs && !r.draining
  const ownedBy = (owner: string) => [...leases.values()].filter((l) => l.owner === owner)
  const grant = (l: LeaseRow): LeaseGrant => ({ instanceId: l.instanceId, epoch: l.epoch })

  return {
    async beat(replica, ttlMs) {
      const t = now()
      // One snapshot, as in the single SQL statement: the live list shows the previous beat.
      const live = [...replicas.values()]
        .filter((r) => isLive(r, ttlMs))
        .map((r) => r.id)
        .sort()
      const known = replicas.get(replica.id)
      if (known === undefined) {
        replicas.set(replica.id, { ...replica, startedAt: t, lastSeenAt: t, draining: false })
      } else {
        known.lastSeenAt = t
        known.listen = replica.listen
      }
      for (const r of [...replicas.values()]) {
        if (r.id !== replica.id && r.lastSeenAt < t - ttlMs * FORGET_AFTER_TTLS) replicas.delete(r.id)
      }
      const renewed = ownedBy(replica.id).filter((l) => l.expiresAt > t)
      for (const l of renewed) l.expiresAt = t + ttlMs
      return { renewed: renewed.map(grant), live }
    },

    async acquire(owner, instanceIds, ttlMs) {
      const t = now()
      const won: LeaseGrant[] = []
      for (const id of [...new Set(instanceIds)].sort()) {
        const cur = leases.get(id)
        if (cur === undefined) {
          const row = { instanceId: id, owner, epoch: 1, expiresAt: t + ttlMs }
          leases.set(id, row)
          won.push(grant(row))
        } else if (cur.expiresAt <= t) {
          cur.owner = owner
          cur.epoch += 1
          cur.expiresAt = t + ttlMs
          won.push(grant(cur))
        }
      }
      return won
    },

    async release(owner, instanceIds) {
      const t = now()
      for (const id of instanceIds) {
        const cur = leases.get(id)
        if (cur !== undefined && cur.owner === owner && cur.expiresAt > t) cur.expiresAt = t
      }
    },

    async markDraining(replicaId) {
      const r = replicas.get(replicaId)
      if (r !== undefined) r.draining = true
    },

    async remove(replicaId) {
      replicas.delete(replicaId)
      const t = now()
      for (const l of ownedBy(replicaId)) if (l.expiresAt > t) l.expiresAt = t
    },

    async replicas(ttlMs): Promise<ReplicaRow[]> {
      const t = now()
      return [...replicas.values()]
        .filter((r) => !r.draining && r.lastSeenAt > t - ttlMs * FORGET_AFTER_TTLS)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((r) => ({
          id: r.id,
          listen: r.listen,
          startedAt: new Date(r.startedAt).toISOString(),
          lastSeenAt: new Date(r.lastSeenAt).toISOString(),
          owned: ownedBy(r.id).filter((l) => l.expiresAt > t).length,
        }))
    },

    rows: () => [...leases.values()].map((l) => ({ ...l })),
    holder(instanceId) {
      const l = leases.get(instanceId)
      return l !== undefined && l.expiresAt > now() ? { ...l } : undefined
    },
  }
}
