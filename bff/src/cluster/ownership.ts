/**
 * Which instances' relay sockets this console process holds. One process on SQLite holds them all
 * ({@link createSoloOwnership}); a replica of a cluster on PostgreSQL holds those it has a lease
 * for (lease-ownership.ts). The rest of the console asks only this: may I dial this instance now,
 * with what fencing token do I write its statuses, and tell me when I gain or lose one.
 * @module
 */

/** Proof of holding an instance's lease: writes of its statuses carry it, and the store refuses stale ones. */
export interface Fence {
  owner: string
  epoch: number
}

export interface ReplicaView {
  id: string
  /** Where the replica serves its API (`http://host:port`). */
  listen: string
  startedAt: string
  lastSeenAt: string
  /** Instances it holds a lease for. */
  owned: number
}

export interface ClusterView {
  self: string
  replicas: ReplicaView[]
}

export interface OwnershipEvents {
  /** This process now holds the instance: build its transport (or show it as its intent says). */
  acquired(instanceId: string): Promise<void>
  /** This process must let the instance go: close its socket (1000) and stop acting for it. Resolves once closed. */
  released(instanceId: string): Promise<void>
}

export interface Ownership {
  /** This process's replica id. */
  readonly self: string
  /** Whether this process holds the instance's lease now (with the safety margin of its local clock). */
  owns(instanceId: string): boolean
  /** The fencing token to write the instance's statuses with; null when this process does not hold it. */
  fence(instanceId: string): Fence | null
  /** Starts taking instances (calling `events.acquired` for each it gains). */
  start(events: OwnershipEvents): Promise<void>
  /**
   * The instances the console manages changed (a config reload, docs/configuration.md): lets go of
   * those no longer managed (sockets closed first) and takes on the new ones this process should
   * hold, now rather than at the next renewal. Resolves once their events have ended.
   */
  refresh(): Promise<void>
  /** Lets every instance go (closing sockets first), so others take over at once; then stops. */
  drain(): Promise<void>
  /** The cluster as the database sees it. */
  view(): Promise<ClusterView>
}
