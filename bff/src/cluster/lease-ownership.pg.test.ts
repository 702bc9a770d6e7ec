import { systemClock } from '@relay-console/shared/clock'
import { type PostgresServer, startPostgres } from '@relay-console/testkit/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLog } from '../lib/log'
import { connect, type Db } from '../state/pg/connect'
import { migrate } from '../state/pg/migrate'
import { createLeaseOwnership } from './lease-ownership'
import type { LeaseStore } from './lease-store'
import { monotonicClock } from './monotonic-clock'
import type { Ownership } from './ownership'
import { createPgLeaseStore } from './pg-leases'
import { desiredFor } from './rendezvous'

/** Fast timings, in the same proportions as the defaults (10 s / 2 s, margin a fifth of the TTL). */
const TTL = 1000
const RENEW = 200
const MARGIN = 200
const IDS = Array.from({ length: 400 }, (_, i) => `instance-${i}`)

let pg: PostgresServer
let url: string
beforeAll(async () => {
  pg = await startPostgres()
  url = pg.createDatabase('cluster')
  const db = connect({ url, log: silentLog })
  await migrate(db)
  await db.end()
}, 60_000)
afterAll(() => pg?.destroy())

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

interface Replica {
  name: string
  ownership: Ownership
  /** Instances between `acquired` and `released`: the sockets it would hold. */
  open: Set<string>
  problems: string[]
  /** Cuts its way to the database (a dead or partitioned replica). */
  cut(): void
  db: Db
}

async function replica(name: string): Promise<Replica> {
  // Each replica has its own pool, as a process of its own would.
  const db = connect({ url, poolSize: 2, log: silentLog })
  const real = createPgLeaseStore(db)
  let cut = false
  const guard =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      cut ? Promise.reject(new Error('connection refused')) : f(...a)
  const leases: LeaseStore = {
    beat: guard(real.beat),
    acquire: guard(real.acquire),
    release: guard(real.release),
    markDraining: guard(real.markDraining),
    remove: guard(real.remove),
    replicas: guard(real.replicas),
  }
  const open = new Set<string>()
  const problems: string[] = []
  const ownership = createLeaseOwnership({
    leases,
    clock: monotonicClock,
    replicaId: name,
    listen: `http://${name}`,
    instanceIds: () => IDS,
    leaseTtlMs: TTL,
    renewIntervalMs: RENEW,
    fenceMarginMs: MARGIN,
    log: silentLog,
  })
  void ownership.start({
    acquired: async (id) => {
      if (open.has(id)) problems.push(`${name} acquired ${id} twice`)
      open.add(id)
    },
    released: async (id) => {
      if (!open.has(id)) problems.push(`${name} released ${id} not held`)
      // Closing a socket takes a moment.
      await sleep(1)
      open.delete(id)
    },
  })
  return {
    name,
    ownership,
    open,
    problems,
    db,
    cut: () => {
      cut = true
    },
  }
}

/** Samples every few ms: never two replicas with a socket, or a valid lease, for one instance. */
function watch(replicas: () => Replica[]) {
  const doubled: string[] = []
  let samples = 0
  const timer = setInterval(() => {
    samples++
    const rs = replicas()
    for (const id of IDS) {
      const sockets = rs.filter((r) => r.open.has(id)).map((r) => r.name)
      const owners = rs.filter((r) => r.ownership.owns(id)).map((r) => r.name)
      if (sockets.length > 1 || owners.length > 1) doubled.push(`${id}: sockets ${sockets} owners ${owners}`)
    }
  }, 5)
  return {
    doubled,
    get samples() {
      return samples
    },
    stop: () => clearInterval(timer),
  }
}

/** Waits until `done` holds, checking every 10 ms; returns how long it took. */
async function until(done: () => boolean, limitMs: number): Promise<number> {
  const started = systemClock.now()
  while (!done()) {
    if (systemClock.now() - started > limitMs) throw new Error(`not settled within ${limitMs} ms`)
    await sleep(10)
  }
  return systemClock.now() - started
}

const settledOn = (rs: Replica[]) => () =>
  rs.every((r) => {
    const want = desiredFor(
      r.name,
      IDS,
      rs.map((x) => x.name),
    )
    return r.open.size === want.size && [...want].every((id) => r.open.has(id))
  })

describe('lease ownership on PostgreSQL, several replicas on one database', () => {
  it('spreads, rebalances on a join, hands over at once on a drain, and takes over a dead replica within TTL + renewal', async () => {
    const all: Replica[] = []
    const live = () => all
    const watcher = watch(live)
    try {
      for (const name of ['A', 'B', 'C']) all.push(await replica(name))
      const [a, b, c] = all as [Replica, Replica, Replica]
      const startMs = await until(settledOn([a, b, c]), 5000)

      // A 4th joins: about a quarter moves, all of it to the newcomer.
      const before = new Map(IDS.map((id) => [id, all.find((r) => r.open.has(id))?.name]))
      const d = await replica('D')
      all.push(d)
      const joinMs = await until(settledOn([a, b, c, d]), 5000)
      const moved = IDS.filter((id) => !all.find((r) => r.open.has(id) && r.name === before.get(id)))
      expect(moved.every((id) => d.open.has(id))).toBe(true)
      expect(Math.abs(moved.length - IDS.length / 4)).toBeLessThan(IDS.length / 4 / 3)

      // D drains (SIGTERM): its instances go back to the others at their next tick, long before its leases would expire.
      const drainStarted = systemClock.now()
      await d.ownership.drain()
      expect(d.open.size).toBe(0)
      const handOverMs = (await until(settledOn([a, b, c]), 5000)) + (systemClock.now() - drainStarted)
      expect(handOverMs).toBeLessThan(TTL)

      // C dies: no more beats. Its fence closes its sockets; A and B take its leases once they expire.
      c.cut()
      const takeoverMs = await until(settledOn([a, b]), 5000)
      expect(takeoverMs).toBeLessThanOrEqual(TTL + RENEW + 300)
      expect(c.open.size).toBe(0)

      watcher.stop()
      console.info(
        'cluster on PostgreSQL:',
        JSON.stringify({ startMs, joinMs, moved: moved.length, handOverMs, takeoverMs, samples: watcher.samples }),
      )
      expect(watcher.doubled.slice(0, 5)).toEqual([])
      expect(watcher.samples).toBeGreaterThan(100)
      expect(all.flatMap((r) => r.problems)).toEqual([])

      // Exactly one valid lease per instance, and the view counts them; C shows, silent and holding
      // nothing, until it is forgotten; D drained and left.
      const view = await a.ownership.view()
      expect(view.replicas.map((r) => [r.id, r.owned > 0])).toEqual([
        ['A', true],
        ['B', true],
        ['C', false],
      ])
      expect(view.replicas.reduce((n, r) => n + r.owned, 0)).toBe(IDS.length)
    } finally {
      watcher.stop()
      for (const r of all) await r.ownership.drain()
      await Promise.all(all.map((r) => r.db.end()))
    }
  }, 30_000)
})
