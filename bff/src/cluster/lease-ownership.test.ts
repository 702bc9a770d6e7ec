import type { Clock } from '@relay-console/shared/clock'
import { FakeClock } from '@relay-console/shared/fake-clock'
import { describe, expect, it } from 'vitest'
import type { Log } from '../lib/log'
import { checkLeaseTimings, createLeaseOwnership } from './lease-ownership'
import type { LeaseStore } from './lease-store'
import { createMemoryLeaseStore, type MemoryLeaseStore } from './memory-leases'
import type { Ownership } from './ownership'
import { desiredFor } from './rendezvous'

const TTL = 10_000
const RENEW = 2000
const MARGIN = 2000
const IDS = Array.from({ length: 60 }, (_, i) => `inst-${i}`)

/** Lets every pending promise chain run (the memory store answers at once). */
const flush = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * The world of the tests: one fake timeline, a `pause` that moves every clock on without firing a
 * timer (a SIGSTOPped process, and the database's clock going on meanwhile), and one lease store.
 */
function world() {
  const timers = new FakeClock()
  let paused = 0
  const clock: Clock = {
    now: () => timers.now() + paused,
    setTimeout: (cb, ms) => timers.setTimeout(cb, ms),
    clearTimeout: (h) => timers.clearTimeout(h),
  }
  const store = createMemoryLeaseStore(clock.now)
  /** Moves time on in steps, letting each tick finish before the next timer falls due. */
  const run = async (ms: number, step = 100, each?: () => void) => {
    for (let t = 0; t < ms; t += step) {
      timers.advance(Math.min(step, ms - t))
      await flush()
      each?.()
    }
  }
  const pause = (ms: number) => {
    paused += ms
  }
  return { timers, clock, store, run, pause }
}

type Mode = 'up' | 'down' | 'hang'

/** A replica's own way to the store: it can go down or hang, and counts its calls. */
function link(store: LeaseStore) {
  let mode: Mode = 'up'
  const hung: (() => void)[] = []
  const calls: string[] = []
  let inBeat = 0
  let maxInBeat = 0
  const via =
    <A extends unknown[], R>(name: string, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      calls.push(name)
      if (mode === 'down') throw new Error('connection refused')
      const result = await f(...a)
      // Hanging: the statement ran, its answer is stuck on the way back.
      if (mode === 'hang') await new Promise<void>((resolve) => hung.push(resolve))
      return result
    }
  const leases: LeaseStore = {
    beat: async (r, ttl) => {
      inBeat++
      maxInBeat = Math.max(maxInBeat, inBeat)
      try {
        return await via('beat', store.beat)(r, ttl)
      } finally {
        inBeat--
      }
    },
    acquire: via('acquire', store.acquire),
    release: via('release', store.release),
    markDraining: via('markDraining', store.markDraining),
    remove: via('remove', store.remove),
    replicas: via('replicas', store.replicas),
  }
  return {
    leases,
    calls,
    get maxConcurrentBeats() {
      return maxInBeat
    },
    set(next: Mode) {
      mode = next
      if (next !== 'hang') for (const resume of hung.splice(0)) resume()
    },
  }
}

/** Records events, checks they alternate per instance and never overlap, and tracks open "sockets". */
function sockets(name: string, opts: { store?: MemoryLeaseStore; slowMs?: number; clock?: FakeClock } = {}) {
  const open = new Set<string>()
  const log: string[] = []
  const problems: string[] = []
  const busy = new Set<string>()
  const wait = () =>
    opts.slowMs === undefined || opts.clock === undefined
      ? Promise.resolve()
      : new Promise<void>((resolve) => opts.clock?.setTimeout(resolve, opts.slowMs as number))
  return {
    open,
    log,
    problems,
    events: {
      async acquired(id: string) {
        if (busy.has(id)) problems.push(`${name}: acquired(${id}) while another event of it ran`)
        if (open.has(id)) problems.push(`${name}: acquired(${id}) twice`)
        busy.add(id)
        log.push(`+${id}`)
        await wait()
        open.add(id)
        busy.delete(id)
      },
      async released(id: string) {
        if (busy.has(id)) problems.push(`${name}: released(${id}) while another event of it ran`)
        if (!open.has(id)) problems.push(`${name}: released(${id}) not held`)
        busy.add(id)
        log.push(`-${id}`)
        // The lease must still be ours while the socket closes.
        if (opts.store !== undefined && opts.store.holder(id)?.owner !== name) {
          problems.push(`${name}: lease of ${id} let go before its socket closed`)
        }
        await wait()
        open.delete(id)
        busy.delete(id)
      },
    },
  }
}

function recordingLog() {
  const lines: { level: string; msg: string }[] = []
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      void lines.push({ level, msg: String(args.find((a) => typeof a === 'string') ?? '') })
  const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Log
  return { log, lines }
}

function replica(w: ReturnType<typeof world>, id: string, extra: { ids?: () => string[]; log?: Log } = {}) {
  const l = link(w.store)
  const ownership = createLeaseOwnership({
    leases: l.leases,
    clock: w.clock,
    replicaId: id,
    listen: `http://${id}:8787`,
    instanceIds: extra.ids ?? (() => IDS),
    leaseTtlMs: TTL,
    renewIntervalMs: RENEW,
    fenceMarginMs: MARGIN,
    log: extra.log ?? recordingLog().log,
  })
  return { ownership, link: l }
}

/** Starts without awaiting (the first tick needs the test to flush), then lets it finish. */
async function start(o: Ownership, events: ReturnType<typeof sockets>['events']) {
  const started = o.start(events)
  await flush()
  await started
}

describe('lease ownership', () => {
  it('takes every instance at start when alone, with a fence at epoch 1, and renews every interval', async () => {
    const w = world()
    const a = replica(w, 'A')
    const s = sockets('A', { store: w.store })
    await start(a.ownership, s.events)
    expect(s.open.size).toBe(IDS.length)
    expect(a.ownership.owns('inst-1')).toBe(true)
    expect(a.ownership.fence('inst-1')).toEqual({ owner: 'A', epoch: 1 })
    expect(a.ownership.owns('unknown')).toBe(false)
    expect(a.ownership.fence('unknown')).toBeNull()
    expect(a.link.calls).toEqual(['beat', 'acquire'])

    await w.run(10_000)
    expect(a.link.calls.filter((c) => c === 'beat')).toHaveLength(6)
    expect(a.link.calls.filter((c) => c === 'acquire')).toHaveLength(1)
    expect(w.timers.pendingDelays()).toEqual([2000, 8000]) // the next tick, and the fence
    expect(s.problems).toEqual([])
  })

  it('fences itself after a pause at once, before any timer runs, then takes its instances anew', async () => {
    const w = world()
    const a = replica(w, 'A')
    const s = sockets('A')
    await start(a.ownership, s.events)
    w.pause(TTL - MARGIN) // SIGSTOP…SIGCONT: no tick ran, the sockets are still open
    expect(a.ownership.owns('inst-1')).toBe(false)
    expect(a.ownership.fence('inst-1')).toBeNull()
    s.log.length = 0
    await w.run(RENEW)
    // The next tick (due at 2 s, run at 10 s) closes everything first; the leases ran out meanwhile
    // and nobody took them, so it acquires them again, at a new epoch.
    expect(s.log.slice(0, IDS.length).every((e) => e.startsWith('-'))).toBe(true)
    expect(s.log.slice(IDS.length).every((e) => e.startsWith('+'))).toBe(true)
    expect(s.open.size).toBe(IDS.length)
    expect(a.ownership.fence('inst-1')).toEqual({ owner: 'A', epoch: 2 })
    expect(s.problems).toEqual([])
  })

  it('after a pause longer than the lease, finds its instances taken and lets them go', async () => {
    const w = world()
    const a = replica(w, 'A')
    const sa = sockets('A')
    await start(a.ownership, sa.events)
    w.pause(TTL + 1)
    const b = replica(w, 'B')
    const sb = sockets('B')
    await start(b.ownership, sb.events) // A is not live, its leases expired: B takes all
    expect(sb.open.size).toBe(IDS.length)
    await w.run(RENEW)
    expect(sa.open.size).toBe(0)
    expect(IDS.filter((id) => a.ownership.owns(id))).toEqual([])
    expect(b.ownership.fence('inst-1')).toEqual({ owner: 'B', epoch: 2 })
    await w.run(RENEW * 4)
    // Now both are live: they share the instances as rendezvous says.
    expect(sa.open).toEqual(desiredFor('A', IDS, ['A', 'B']))
    expect(sb.open).toEqual(desiredFor('B', IDS, ['A', 'B']))
    expect([...sa.problems, ...sb.problems]).toEqual([])
  })

  it('closes an instance whose lease the renewal no longer returns', async () => {
    const w = world()
    const a = replica(w, 'A')
    const s = sockets('A')
    await start(a.ownership, s.events)
    // Another replica took inst-3 over (say the database's clock jumped): its lease is no longer A's.
    await w.store.release('A', ['inst-3'])
    await w.store.acquire('X', ['inst-3'], TTL)
    s.log.length = 0
    await w.run(RENEW)
    expect(s.log).toEqual(['-inst-3'])
    expect(a.ownership.owns('inst-3')).toBe(false)
    expect(a.ownership.owns('inst-4')).toBe(true)
    expect(s.problems).toEqual([])
  })

  it('rebalances when a replica joins and when one dies, never two holders of one instance', async () => {
    const w = world()
    const names = ['A', 'B', 'C']
    const rs = names.map((n) => ({ ...replica(w, n), s: sockets(n, { store: w.store }) }))
    const doubled: string[] = []
    const check = () => {
      for (const id of IDS) {
        const holders = rs.filter((r) => r.s.open.has(id)).length
        const owners = rs.filter((r) => r.ownership.owns(id)).length
        if (holders > 1 || owners > 1) doubled.push(`${id} at ${w.clock.now()}`)
      }
    }
    const [a, b, c] = rs as [(typeof rs)[0], (typeof rs)[0], (typeof rs)[0]]
    await start(a.ownership, a.s.events)
    await start(b.ownership, b.s.events)
    await w.run(RENEW * 3, 100, check)
    expect(a.s.open).toEqual(desiredFor('A', IDS, ['A', 'B']))
    expect(b.s.open).toEqual(desiredFor('B', IDS, ['A', 'B']))

    // C joins: it takes only its share, from both, within two intervals.
    const before = new Map(IDS.map((id) => [id, a.s.open.has(id) ? 'A' : 'B']))
    await start(c.ownership, c.s.events)
    await w.run(RENEW * 2 + 200, 100, check)
    for (const r of rs) expect(r.s.open).toEqual(desiredFor(r.ownership.self, IDS, names))
    const moved = IDS.filter((id) => !rs.some((r) => r.s.open.has(id) && before.get(id) === r.ownership.self))
    expect(moved.every((id) => c.s.open.has(id))).toBe(true)

    // C dies (its database link is gone): its fence closes its sockets, A and B take its share.
    c.link.set('down')
    const diedAt = w.clock.now()
    let recoveredAt = 0
    await w.run(TTL + RENEW * 2, 100, () => {
      check()
      if (recoveredAt === 0 && a.s.open.size + b.s.open.size === IDS.length) recoveredAt = w.clock.now()
    })
    expect(c.s.open.size).toBe(0)
    expect(recoveredAt - diedAt).toBeLessThanOrEqual(TTL + RENEW)
    expect(a.s.open).toEqual(desiredFor('A', IDS, ['A', 'B']))
    expect(doubled).toEqual([])
    expect(rs.flatMap((r) => r.s.problems)).toEqual([])
  })

  it('drains: marks itself draining, closes every socket BEFORE its lease is let go, and the others take over at once', async () => {
    const w = world()
    const a = replica(w, 'A')
    const b = replica(w, 'B')
    const sa = sockets('A', { store: w.store })
    const sb = sockets('B', { store: w.store })
    await start(a.ownership, sa.events)
    await start(b.ownership, sb.events)
    await w.run(RENEW * 3)
    const had = sa.open.size
    expect(had).toBeGreaterThan(0)
    a.link.calls.length = 0
    await a.ownership.drain()
    expect(a.link.calls).toEqual(['markDraining', 'remove'])
    expect(sa.open.size).toBe(0)
    expect(sa.problems).toEqual([]) // every released(id) saw A still holding the lease
    expect(a.ownership.owns('inst-1')).toBe(false)
    expect(await a.ownership.view()).toEqual({ self: 'A', replicas: [expect.objectContaining({ id: 'B' })] })
    await w.run(RENEW)
    expect(sb.open.size).toBe(IDS.length)
    // Drained for good: no more ticks.
    const callsAfter = a.link.calls.length
    await w.run(RENEW * 3)
    expect(a.link.calls).toHaveLength(callsAfter)
    await a.ownership.drain()
  })

  it('drains even while the database hangs: every socket closed, no step waited for long', async () => {
    const w = world()
    const a = replica(w, 'A')
    const s = sockets('A')
    await start(a.ownership, s.events)
    a.link.set('hang')
    await w.run(RENEW) // a tick now stuck on its renewal
    let done = false
    void a.ownership.drain().then(() => {
      done = true
    })
    await w.run(TTL - MARGIN - 100)
    expect(s.open.size).toBe(0) // closed by the fence at 8 s, before the drain got to it
    await w.run(TTL)
    expect(done).toBe(true)
    expect(a.link.calls.slice(-2)).toEqual(['markDraining', 'remove'])
    expect(w.timers.pendingCount).toBe(0)
    expect(s.problems).toEqual([])
  })

  it('never overlaps ticks, and lets the fence close everything while the database hangs', async () => {
    const w = world()
    const { log, lines } = recordingLog()
    const a = replica(w, 'A', { log })
    const s = sockets('A')
    await start(a.ownership, s.events)
    a.link.set('hang')
    await w.run(TTL)
    expect(a.link.maxConcurrentBeats).toBe(1)
    expect(a.link.calls.filter((c) => c === 'beat')).toHaveLength(2) // the first, and the one stuck
    // The last renewal was sent at 0: trusted until TTL − margin, then every socket closed.
    expect(s.open.size).toBe(0)
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1)
    // The stuck renewal (sent at 2 s) comes back at 10 s, too late to be trusted; the next tick
    // runs at once and renews the leases, still valid in the store: A announces them again.
    a.link.set('up')
    await w.run(200)
    expect(s.open.size).toBe(IDS.length)
    expect(a.ownership.fence('inst-1')).toEqual({ owner: 'A', epoch: 1 })
    expect(a.link.calls.filter((c) => c === 'acquire')).toHaveLength(1)
    expect(s.problems).toEqual([])
  })

  it('rides out a short database outage without closing anything, logging it once', async () => {
    const w = world()
    const { log, lines } = recordingLog()
    const a = replica(w, 'A', { log })
    const s = sockets('A')
    await start(a.ownership, s.events)
    s.log.length = 0
    lines.length = 0
    a.link.set('down')
    await w.run(TTL - MARGIN - RENEW - 100)
    expect(a.link.calls.filter((c) => c === 'beat')).toHaveLength(3)
    expect(a.ownership.owns('inst-1')).toBe(true)
    a.link.set('up')
    await w.run(RENEW)
    expect(s.log).toEqual([])
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info'])
  })

  it('closes everything when an outage outlasts the lease, and takes it all back once the database answers', async () => {
    const w = world()
    const a = replica(w, 'A')
    const s = sockets('A')
    await start(a.ownership, s.events)
    a.link.set('down')
    await w.run(TTL - MARGIN - 100)
    expect(s.open.size).toBe(IDS.length)
    await w.run(200)
    expect(s.open.size).toBe(0)
    expect(a.ownership.owns('inst-1')).toBe(false)
    await w.run(TTL)
    a.link.set('up')
    await w.run(RENEW)
    expect(s.open.size).toBe(IDS.length)
    expect(a.ownership.fence('inst-1')).toEqual({ owner: 'A', epoch: 2 }) // expired meanwhile: taken anew
    expect(s.problems).toEqual([])
  })

  it('keeps the events of one instance in order even when closing sockets is slow', async () => {
    const w = world()
    const a = replica(w, 'A')
    const s = sockets('A', { slowMs: 1500, clock: w.timers })
    const started = a.ownership.start(s.events)
    await w.run(2000)
    await started
    // A slow hand-over (B joins) runs into a hanging database and a lapsing fence.
    const b = replica(w, 'B')
    const sb = sockets('B', { slowMs: 1500, clock: w.timers })
    void b.ownership.start(sb.events)
    await w.run(RENEW * 2)
    a.link.set('hang')
    await w.run(TTL)
    a.link.set('up')
    await w.run(TTL)
    expect([...s.problems, ...sb.problems]).toEqual([])
    for (const id of IDS) expect(Number(s.open.has(id)) + Number(sb.open.has(id))).toBe(1)
  })

  it('drops instances no longer managed', async () => {
    const w = world()
    let ids = IDS
    const a = replica(w, 'A', { ids: () => ids })
    const s = sockets('A', { store: w.store })
    await start(a.ownership, s.events)
    ids = IDS.slice(10)
    s.log.length = 0
    await w.run(RENEW)
    expect(s.log.sort()).toEqual(
      IDS.slice(0, 10)
        .map((id) => `-${id}`)
        .sort(),
    )
    expect(w.store.holder('inst-0')).toBeUndefined()
  })

  it('when refreshed, drops what is no longer managed and takes what is new at once, not at the next tick', async () => {
    const w = world()
    let ids = IDS
    const a = replica(w, 'A', { ids: () => ids })
    const s = sockets('A', { store: w.store })
    await start(a.ownership, s.events)
    ids = [...IDS.slice(10), 'new-1', 'new-2']
    s.log.length = 0
    const refreshed = a.ownership.refresh()
    await flush()
    await refreshed
    expect(s.log.sort()).toEqual([...IDS.slice(0, 10).map((id) => `-${id}`), '+new-1', '+new-2'].sort())
    expect(w.store.holder('inst-0')).toBeUndefined()
    expect(w.store.holder('new-1')?.owner).toBe('A')
    expect(a.ownership.owns('new-2')).toBe(true)
    // The untouched instances saw no event; the ticks go on at their pace.
    await w.run(RENEW * 2)
    expect(s.log).toHaveLength(12)
    expect(s.problems).toEqual([])
  })

  it('shows the cluster as the store sees it', async () => {
    const w = world()
    const a = replica(w, 'A')
    await start(a.ownership, sockets('A').events)
    const view = await a.ownership.view()
    expect(view.self).toBe('A')
    expect(view.replicas).toEqual([
      expect.objectContaining({ id: 'A', listen: 'http://A:8787', owned: IDS.length, startedAt: expect.any(String) }),
    ])
  })

  // Found by the cluster run (reliability/src/cluster-chaos.ts): after a database restart one
  // replica's `acquired` (the console's take-over reads the store) hung for 30 s on a dead
  // connection. Its ticks stopped beating, the others took every lease, and its fence could not
  // close its sockets, queued behind the hung event: two replicas held sockets of one gateway.
  it('a hung take-over holds up only its own instance: beats go on, the fence closes every other socket, a hand-over waits for it', async () => {
    const w = world()
    const a = replica(w, 'A')
    const s = sockets('A', { store: w.store })
    const stuck = [...desiredFor('B', IDS, ['A', 'B'])][0] as string
    const hung: Array<() => void> = []
    const events = {
      acquired: async (id: string) => {
        if (id === stuck) await new Promise<void>((resolve) => hung.push(resolve))
        await s.events.acquired(id)
      },
      released: s.events.released,
    }
    // `start` waits for the first tick's take-overs one lease time at most.
    const started = a.ownership.start(events)
    await w.run(TTL)
    await started
    expect(s.open.size).toBe(IDS.length - 1)
    const beats = () => a.link.calls.filter((c) => c === 'beat').length
    expect(beats()).toBe(1 + TTL / RENEW)
    expect(a.ownership.fence('inst-1')).toEqual({ owner: 'A', epoch: 1 })

    // B joins: A hands its share over, all but the hung one at once; that lease stays A's meanwhile.
    const b = replica(w, 'B')
    const sb = sockets('B', { store: w.store })
    await start(b.ownership, sb.events)
    await w.run(RENEW * 3)
    expect(beats()).toBe(1 + TTL / RENEW + 3)
    expect(sb.open.size).toBe(desiredFor('B', IDS, ['A', 'B']).size - 1)
    expect(w.store.holder(stuck)?.owner).toBe('A')
    expect(a.ownership.owns(stuck)).toBe(false)

    // The take-over ends: its socket is closed, then the lease let go, and B takes it.
    for (const resume of hung.splice(0)) resume()
    await w.run(RENEW * 2)
    expect(sb.open.has(stuck)).toBe(true)
    expect(s.open.has(stuck)).toBe(false)

    // The database goes: the fence closes every socket A holds.
    a.link.set('down')
    await w.run(TTL)
    expect(s.open.size).toBe(0)
    expect([...s.problems, ...sb.problems]).toEqual([])
  })

  it('a fence lapse closes every socket even while one take-over hangs', async () => {
    const w = world()
    const a = replica(w, 'A')
    const s = sockets('A')
    let hang = false
    const events = {
      acquired: async (id: string) => {
        if (hang && id === 'inst-3') await new Promise<void>(() => {})
        await s.events.acquired(id)
      },
      released: s.events.released,
    }
    await start(a.ownership, events)
    // inst-3 is lost to another replica, and taken back: this take-over hangs.
    await w.store.release('A', ['inst-3'])
    hang = true
    await w.run(RENEW)
    await w.run(RENEW)
    expect(s.open.size).toBe(IDS.length - 1)
    a.link.set('down')
    await w.run(TTL)
    expect(s.open.size).toBe(0)
    expect(s.problems).toEqual([])
  })

  it('a failed take-over is announced again at the next tick, not left leased with nothing behind it', async () => {
    const w = world()
    const { log, lines } = recordingLog()
    const a = replica(w, 'A', { log })
    const s = sockets('A')
    let failures = 1
    const events = {
      acquired: async (id: string) => {
        if (id === 'inst-5' && failures > 0) {
          failures -= 1
          throw new Error('the database did not answer')
        }
        await s.events.acquired(id)
      },
      released: s.events.released,
    }
    await start(a.ownership, events)
    expect(s.open.has('inst-5')).toBe(false)
    expect(a.ownership.owns('inst-5')).toBe(false)
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['cluster: acquired failed'])
    await w.run(RENEW)
    expect(s.open.has('inst-5')).toBe(true)
    expect(a.ownership.fence('inst-5')).toEqual({ owner: 'A', epoch: 1 })
    expect(s.problems).toEqual([])
  })

  it('refuses timings where a lease cannot outlive one missed renewal, naming the keys', () => {
    expect(() => checkLeaseTimings({ leaseTtlMs: 10_000, renewIntervalMs: 2000, fenceMarginMs: 2000 })).not.toThrow()
    expect(() => checkLeaseTimings({ leaseTtlMs: 5000, renewIntervalMs: 2000, fenceMarginMs: 2000 })).toThrow(
      /cluster\.leaseTtlMs .* cluster\.renewIntervalMs/,
    )
    expect(() => checkLeaseTimings({ leaseTtlMs: 5000, renewIntervalMs: 0, fenceMarginMs: 0 })).toThrow(
      /renewIntervalMs must be positive/,
    )
  })
})
