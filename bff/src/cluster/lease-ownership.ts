/**
 * {@link Ownership} of a replica in a cluster: it holds the instances it has a lease for in the
 * shared {@link LeaseStore}, and aims at the instances rendezvous hashing gives it among the live
 * replicas (rendezvous.ts).
 *
 * Every `renewIntervalMs` one tick beats (heartbeat + renewal of all its valid leases + the live
 * list in one round trip), closes what it lost or should hand over, releases those leases, and
 * acquires what it should hold and is free (a lease held by another is retried at the next tick).
 * Ticks never overlap. Each instance's `acquired`/`released` run in a lane of their own, so the two
 * alternate for that instance and never run at once, and an event that hangs (an `acquired` waiting
 * on a database that does not answer) holds up nothing but its own instance: a tick starts the
 * `acquired` events without waiting for them, waits for the closes it hands over for one interval
 * at most and releases only the leases whose sockets are closed, and the fence closes every other
 * socket at once. An `acquired` that fails leaves the instance unheld: the next tick announces it
 * again, so no instance stays leased with nothing behind it.
 *
 * The self-fence: a lease renewed by a beat SENT at local time t is trusted until
 * t + leaseTtlMs − fenceMarginMs; the store set its expiry to its own now + leaseTtlMs, which is
 * later. Past that, `owns()` and `fence()` answer false/null at once, whether or not a timer ran
 * (a process that was paused learns it on its first look at the clock), and the sockets are closed.
 * Until a renewal succeeds again the replica holds nothing; then it announces again the leases
 * still its own, and acquires anew (at a new epoch) those that ran out meanwhile. A lease only decides who may dial: a
 * paused holder's sockets stay open until it runs again, so the connector's one-socket-per-gateway
 * rule (4409 superseded) is the fence on the other side of the wire.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { Log } from '../lib/log'
import { planTick } from './lease-plan'
import type { LeaseGrant, LeaseStore } from './lease-store'
import type { ClusterView, Fence, Ownership, OwnershipEvents } from './ownership'

export interface LeaseOwnershipOptions {
  leases: LeaseStore
  /** The local clock of the self-fence; a monotonic one (monotonic-clock.ts) keeps it clear of wall-clock steps. */
  clock: Clock
  replicaId: string
  /** Where this replica serves its API (`http://host:port`), as the cluster view shows it. */
  listen: string
  /** The instances the console manages, read at every tick. */
  instanceIds: () => readonly string[]
  leaseTtlMs: number
  renewIntervalMs: number
  /** How much earlier than the store the replica gives up a lease (default a fifth of the TTL). */
  fenceMarginMs?: number
  log: Log
}

/** Checks the timings: a lease must outlive at least one missed renewal. Names the bad field. */
export function checkLeaseTimings(o: { leaseTtlMs: number; renewIntervalMs: number; fenceMarginMs: number }): void {
  if (!(o.renewIntervalMs > 0)) throw new Error(`cluster.renewIntervalMs must be positive (got ${o.renewIntervalMs})`)
  if (!(o.fenceMarginMs >= 0)) throw new Error(`the fence margin must not be negative (got ${o.fenceMarginMs})`)
  if (!(o.leaseTtlMs - o.fenceMarginMs >= 2 * o.renewIntervalMs)) {
    throw new Error(
      `cluster.leaseTtlMs (${o.leaseTtlMs}) must be at least twice cluster.renewIntervalMs (${o.renewIntervalMs}) ` +
        `plus the fence margin (${o.fenceMarginMs}), so a lease survives one missed renewal`,
    )
  }
}

export function createLeaseOwnership(options: LeaseOwnershipOptions): Ownership {
  const { leases, clock, replicaId: self, listen, leaseTtlMs: ttl, renewIntervalMs: interval, log } = options
  const margin = options.fenceMarginMs ?? Math.round(ttl / 5)
  checkLeaseTimings({ leaseTtlMs: ttl, renewIntervalMs: interval, fenceMarginMs: margin })

  /** Instances announced as acquired and not yet released, with their epochs. */
  const held = new Map<string, number>()
  /** Local time until which the last renewal is trusted. */
  let validUntil = Number.NEGATIVE_INFINITY
  let events: OwnershipEvents | null = null
  let stopping = false
  let drained: Promise<void> | null = null
  let tickTimer: TimerHandle | null = null
  let fenceTimer: TimerHandle | null = null
  let inFlight: Promise<void> | null = null
  /** What is failing now ('renew', 'handover'): each is logged once per outage. */
  const failing = new Set<string>()

  /** Per instance, the tail of its events: the next one starts when the last has ended. */
  const lanes = new Map<string, Promise<void>>()
  const inLane = (instanceId: string, work: () => Promise<void>): Promise<void> => {
    const run = (lanes.get(instanceId) ?? Promise.resolve()).then(work)
    const tail = run.catch(() => undefined)
    lanes.set(instanceId, tail)
    void tail.then(() => {
      if (lanes.get(instanceId) === tail) lanes.delete(instanceId)
    })
    return run
  }
  /** Per instance, its `released` events not ended yet: its lease is let go only once none is left. */
  const closing = new Map<string, number>()

  const valid = () => clock.now() < validUntil

  const call = async (kind: keyof OwnershipEvents, instanceId: string): Promise<boolean> => {
    try {
      await events?.[kind](instanceId)
      return true
    } catch (error) {
      log.error({ err: error, instanceId }, `cluster: ${kind} failed`)
      return false
    }
  }

  /** Stops holding the instances (`owns` answers false at once); returns those that were held, to close. */
  const forget = (ids: readonly string[]) => ids.filter((id) => held.delete(id))
  /** Closes forgotten instances' sockets, each in its lane; resolves once all are closed. */
  const close = async (ids: readonly string[]) => {
    await Promise.all(
      ids.map((id) => {
        closing.set(id, (closing.get(id) ?? 0) + 1)
        return inLane(id, async () => {
          await call('released', id)
          const left = (closing.get(id) ?? 1) - 1
          if (left > 0) closing.set(id, left)
          else closing.delete(id)
        })
      }),
    )
  }

  /** Holds the grants not held yet and starts their `acquired` events; resolves once those ended. */
  const announce = (grants: readonly LeaseGrant[]): Promise<void> => {
    const fresh = grants.filter((g) => !held.has(g.instanceId))
    for (const g of fresh) held.set(g.instanceId, g.epoch)
    return Promise.all(
      fresh.map((g) =>
        inLane(g.instanceId, async () => {
          // A failed take-over is not held: the next tick announces it again (its lease is still ours).
          if (!(await call('acquired', g.instanceId)) && held.get(g.instanceId) === g.epoch) held.delete(g.instanceId)
        }),
      ),
    ).then(() => undefined)
  }
  /** The latest tick's announcements: `start` waits for the first tick's. */
  let announced: Promise<void> = Promise.resolve()

  /** The fence ran out without a renewal: close everything, hold nothing until a renewal succeeds. */
  const fenceLapsed = async () => {
    if (held.size === 0 || valid()) return
    log.warn(
      { replica: self, instances: held.size },
      'cluster: no lease renewal within the lease time; closing every socket until one succeeds',
    )
    await close(forget([...held.keys()]))
  }

  const armFence = () => {
    if (fenceTimer !== null) clock.clearTimeout(fenceTimer)
    fenceTimer = clock.setTimeout(
      () => {
        fenceTimer = null
        void fenceLapsed()
      },
      Math.max(0, validUntil - clock.now()),
    )
  }

  const failed = (what: 'renew' | 'handover', error: unknown) => {
    if (failing.has(what)) return
    failing.add(what)
    const doing = what === 'renew' ? 'renewing the leases' : 'handing leases over'
    log.warn({ err: error, replica: self }, `cluster: ${doing} failed; retrying every ${interval} ms`)
  }
  const recovered = (what: 'renew' | 'handover') => {
    if (failing.delete(what)) log.info({ replica: self, what }, 'cluster: the lease store answers again')
  }

  const tick = async () => {
    // Each instance's lane keeps its close before any later take-over: no need to wait for all here.
    if (!valid() && held.size > 0) await settle(fenceLapsed(), interval)
    const sentAt = clock.now()
    let beat: Awaited<ReturnType<LeaseStore['beat']>>
    try {
      beat = await leases.beat({ id: self, listen }, ttl)
    } catch (error) {
      failed('renew', error)
      return
    }
    if (clock.now() >= sentAt + ttl - margin) {
      failed('renew', new Error(`the renewal took ${clock.now() - sentAt} ms, longer than the lease is trusted`))
      return
    }
    recovered('renew')
    if (stopping) return

    const plan = planTick({ self, held, renewed: beat.renewed, live: beat.live, instanceIds: options.instanceIds() })
    if (plan.lost.length > 0) {
      log.warn({ replica: self, instances: plan.lost.length }, 'cluster: leases lost to another replica')
    }
    // What was lost is forgotten before the renewal extends the trust in what is left.
    const letGo = forget([...plan.lost, ...plan.handOver])
    validUntil = sentAt + ttl - margin
    armFence()
    // Sockets first: a lease is let go only once its socket is closed. A close stuck behind its
    // instance's hung event is waited for one interval at most, and its lease kept (and renewed) until it ends.
    await settle(close(letGo), interval)
    const release = plan.release.filter((id) => !closing.has(id))
    const adopt = plan.adopt.filter((g) => !closing.has(g.instanceId))
    let won: LeaseGrant[] = []
    try {
      if (release.length > 0) await leases.release(self, release)
      if (plan.acquire.length > 0 && !stopping) won = await leases.acquire(self, plan.acquire, ttl)
      recovered('handover')
    } catch (error) {
      // What was not released is renewed and released again next tick; what was not acquired is retried.
      failed('handover', error)
    }
    // Won after the fence lapsed or once draining began: not announced (a later beat adopts or releases it).
    if (!stopping && valid()) announced = announce([...adopt, ...won])
    if (stopping && won.length > 0) {
      const unused = won.map((g) => g.instanceId)
      await leases.release(self, unused).catch(() => undefined)
    }
    if (plan.handOver.length + adopt.length + won.length > 0) {
      log.info(
        {
          replica: self,
          live: beat.live.length,
          released: plan.handOver.length,
          acquired: adopt.length + won.length,
          held: held.size,
        },
        'cluster: ownership changed',
      )
    }
  }

  const runTick = (): Promise<void> => {
    tickTimer = null
    const startedAt = clock.now()
    const run = tick()
      .catch((error) => log.error({ err: error, replica: self }, 'cluster: tick failed'))
      .finally(() => {
        inFlight = null
        if (!stopping) tickTimer = clock.setTimeout(runTick, Math.max(0, interval - (clock.now() - startedAt)))
      })
    inFlight = run
    return run
  }

  const settle = (work: Promise<void> | null, ms: number) =>
    work === null
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = clock.setTimeout(resolve, ms)
          void work.finally(() => {
            clock.clearTimeout(timer)
            resolve()
          })
        })

  return {
    self,

    owns: (instanceId) => held.has(instanceId) && valid(),

    fence(instanceId): Fence | null {
      const epoch = held.get(instanceId)
      return epoch !== undefined && valid() ? { owner: self, epoch } : null
    },

    async start(e) {
      if (events !== null) throw new Error('cluster: the ownership was started already')
      events = e
      // Resolves once the first tick has taken what it could, or after one lease time if the store hangs.
      await settle(
        runTick().then(() => announced),
        ttl,
      )
    },

    async refresh() {
      if (events === null || stopping) return
      // The tick due next, run now: it closes and releases what is no longer managed, and takes
      // what is new and falls to this replica. Ticks never overlap: a running one is waited for.
      // As at start, nothing is waited for longer than one lease time when the store hangs: a tick
      // still stuck then, or the one started here, applies the new set when it gets through.
      await settle(inFlight, ttl)
      if (stopping || inFlight !== null) return
      if (tickTimer !== null) clock.clearTimeout(tickTimer)
      await settle(
        runTick().then(() => announced),
        ttl,
      )
    },

    drain() {
      drained ??= (async () => {
        stopping = true
        if (tickTimer !== null) clock.clearTimeout(tickTimer)
        tickTimer = null
        // A tick stuck on an unreachable store is waited for no longer than its renewal could be
        // trusted, and each step below for no longer than one interval: the sockets close regardless.
        await settle(inFlight, ttl)
        const marked = leases.markDraining(self).catch((error) => {
          log.warn({ err: error, replica: self }, 'cluster: could not mark this replica draining')
        })
        await settle(marked, interval)
        // An instance whose take-over hangs has no socket to close: waited for one lease time at most.
        await settle(close(forget([...held.keys()])), ttl)
        validUntil = Number.NEGATIVE_INFINITY
        if (fenceTimer !== null) clock.clearTimeout(fenceTimer)
        fenceTimer = null
        // Expires every lease this replica still has and removes its row: others take over at their next tick.
        const removed = leases.remove(self).catch((error) => {
          log.warn(
            { err: error, replica: self },
            'cluster: could not release the leases; they expire within the lease time',
          )
        })
        await settle(removed, interval)
      })()
      return drained
    },

    async view(): Promise<ClusterView> {
      return { self, replicas: await leases.replicas(ttl) }
    },
  }
}
