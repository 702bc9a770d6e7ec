/**
 * The port to the shared table of replicas and leases (pg-leases.ts on PostgreSQL, memory-leases.ts
 * in tests). Every time the store compares or stamps is its own clock's (the database's), never a
 * replica's: a lease is valid while its `expires_at` is after the store's now, and a replica is live
 * while its last beat is within the TTL and it is not draining.
 *
 * Leases are never deleted, only expired: the epoch of an instance only grows, by one on every
 * takeover, so `{ owner, epoch }` fences a stale holder for good.
 * @module
 */

/** A replica silent this many TTLs is forgotten (its row deleted) by another replica's next beat. */
export const FORGET_AFTER_TTLS = 60

export interface LeaseGrant {
  instanceId: string
  epoch: number
}

export interface ReplicaRow {
  id: string
  listen: string
  /** ISO 8601, from the store's clock. */
  startedAt: string
  lastSeenAt: string
  /** Valid leases it holds. */
  owned: number
}

export interface BeatResult {
  /** Every valid lease of the replica, now renewed until the store's now + TTL (released or expired ones are not). */
  renewed: LeaseGrant[]
  /** Live replicas (beat within the TTL, not draining); may lack the caller on its very first beat. */
  live: string[]
}

export interface LeaseStore {
  /** Registers or refreshes the replica, renews all its valid leases and lists the live replicas: one round trip. */
  beat(replica: { id: string; listen: string }, ttlMs: number): Promise<BeatResult>
  /** Takes those of `instanceIds` whose lease is free or expired; returns what it won. */
  acquire(owner: string, instanceIds: readonly string[], ttlMs: number): Promise<LeaseGrant[]>
  /** Expires the owner's leases of `instanceIds` now (others' are left alone), so another replica may take them. */
  release(owner: string, instanceIds: readonly string[]): Promise<void>
  /** The replica stops counting as live: the others start taking its instances as it lets them go. */
  markDraining(replicaId: string): Promise<void>
  /** Removes the replica's row and expires any lease it still holds. */
  remove(replicaId: string): Promise<void>
  /**
   * The replicas for the cluster view, by id, with their valid lease counts: every one not draining
   * and not yet forgotten, so a replica that stopped beating still shows (as silent) for a while.
   */
  replicas(ttlMs: number): Promise<ReplicaRow[]>
}
