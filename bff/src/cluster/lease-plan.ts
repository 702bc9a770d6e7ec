/**
 * What one ownership tick does, decided from what the beat returned: pure, so every case is a table
 * row in the tests. The tick carries it out in order: close and forget `letGo`, release the leases
 * of `release`, acquire `acquire`, then announce `adopt` and what the acquire won.
 * @module
 */
import type { LeaseGrant } from './lease-store'
import { desiredFor } from './rendezvous'

export interface TickInput {
  self: string
  /** Instances this replica announced as acquired (and not yet released), with their epochs. */
  held: ReadonlyMap<string, number>
  /** The leases the beat renewed: every lease the store says this replica holds. */
  renewed: readonly LeaseGrant[]
  /** Live replicas as the store sees them (self is counted whether listed or not). */
  live: readonly string[]
  /** The instances the console manages now. */
  instanceIds: readonly string[]
}

export interface TickPlan {
  /** Held instances whose lease is gone (not renewed, or renewed under another epoch): close now. */
  lost: string[]
  /** Held instances another live replica should hold, or no longer managed: close, then release. */
  handOver: string[]
  /** Leases to release in the store once `handOver` is closed (includes leases held but never announced). */
  release: string[]
  /** Leases the store says are ours, that we should hold, but never announced (e.g. after the local fence ran out): announce. */
  adopt: LeaseGrant[]
  /** Instances we should hold and have no lease for: try to take them. */
  acquire: string[]
}

export function planTick(input: TickInput): TickPlan {
  const desired = desiredFor(input.self, input.instanceIds, input.live)
  const renewed = new Map(input.renewed.map((g) => [g.instanceId, g.epoch]))
  const lost: string[] = []
  const handOver: string[] = []
  for (const [id, epoch] of input.held) {
    if (renewed.get(id) !== epoch) lost.push(id)
    else if (!desired.has(id)) handOver.push(id)
  }
  const release: string[] = []
  const adopt: LeaseGrant[] = []
  for (const [id, epoch] of renewed) {
    if (!desired.has(id)) release.push(id)
    else if (input.held.get(id) !== epoch) adopt.push({ instanceId: id, epoch })
  }
  const acquire = [...desired].filter((id) => !renewed.has(id))
  return { lost, handOver, release, adopt, acquire }
}
