/**
 * The cluster as the header shows it: the replica that answered first, each replica responding or
 * not, and the instances they hold. Pure.
 * @module
 */
import type { ClusterResponse, Replica } from '@relay-console/shared/api'

/** A replica whose last heartbeat is this far behind the newest one has stopped responding. */
export const NOT_RESPONDING_AFTER_MS = 15_000

export type ReplicaHealth = 'responding' | 'not_responding'

export interface ReplicaRow extends Replica {
  /** The replica that answered, which serves this tab. */
  isSelf: boolean
  health: ReplicaHealth
  startedAtMs: number
  lastSeenAtMs: number
}

export interface ClusterSummary {
  self: string
  /** The replica that answered first, then the others by id. */
  rows: ReplicaRow[]
  /** Instances held, all replicas together. */
  totalOwned: number
  notResponding: number
}

/**
 * Heartbeats are judged against the newest heartbeat of the same answer, not against the
 * browser's clock: a browser whose clock is off, or an answer read a few seconds after it came,
 * never turns a live replica into a silent one. One process alone is therefore always responding,
 * which it is: it answered.
 */
export function summariseCluster(cluster: ClusterResponse): ClusterSummary {
  const seen = cluster.replicas.map((r) => Date.parse(r.lastSeenAt))
  const newest = Math.max(...seen)
  const rows = cluster.replicas.map(
    (replica, i): ReplicaRow => ({
      ...replica,
      isSelf: replica.id === cluster.self,
      health: newest - (seen[i] ?? newest) > NOT_RESPONDING_AFTER_MS ? 'not_responding' : 'responding',
      startedAtMs: Date.parse(replica.startedAt),
      lastSeenAtMs: seen[i] ?? newest,
    }),
  )
  rows.sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return {
    self: cluster.self,
    rows,
    totalOwned: rows.reduce((sum, r) => sum + r.owned, 0),
    notResponding: rows.filter((r) => r.health === 'not_responding').length,
  }
}
