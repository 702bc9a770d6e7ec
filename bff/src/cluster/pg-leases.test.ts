import { type PostgresServer, startPostgres } from '@relay-console/testkit/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLog } from '../lib/log'
import { connect, type Db } from '../state/pg/connect'
import { migrate } from '../state/pg/migrate'
import { leaseStoreContract } from './lease-store-contract'
import { createPgLeaseStore } from './pg-leases'

let pg: PostgresServer
beforeAll(async () => {
  pg = await startPostgres()
}, 60_000)
afterAll(() => pg?.destroy())

let databases = 0
async function freshDb(poolSize = 4): Promise<Db> {
  const db = connect({ url: pg.createDatabase(`leases_${process.pid}_${++databases}`), poolSize, log: silentLog })
  await migrate(db)
  return db
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const ids = (count: number) => Array.from({ length: count }, (_, i) => `instance-${String(i).padStart(5, '0')}`)

leaseStoreContract('PostgreSQL', async () => {
  const db = await freshDb()
  return { store: createPgLeaseStore(db), wait: sleep, cleanup: () => db.end() }
})

describe('PostgreSQL leases', () => {
  it('gives each contested lease to exactly one of many racing replicas', async () => {
    const db = await freshDb(12)
    try {
      const store = createPgLeaseStore(db)
      const all = ids(500)
      // Eight replicas grab the same 500 leases at once, each in its own order of wishes.
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, r) => store.acquire(`R${r}`, r % 2 === 0 ? all : [...all].reverse(), 5000)),
      )
      const winners = new Map<string, string[]>()
      results.forEach((won, r) => {
        for (const g of won) winners.set(g.instanceId, [...(winners.get(g.instanceId) ?? []), `R${r}`])
      })
      expect(winners.size).toBe(all.length)
      for (const w of winners.values()) expect(w).toHaveLength(1)
      const [row] = await db<{ n: number }[]>`SELECT count(DISTINCT owner)::integer AS n FROM leases`
      expect(row?.n).toBeGreaterThanOrEqual(1)
    } finally {
      await db.end()
    }
  })

  it('decides by the database clock: a lease whose TTL ran out on the server is free, whatever the replica thinks', async () => {
    const db = await freshDb()
    try {
      const store = createPgLeaseStore(db)
      await store.acquire('A', ['i1'], 300)
      await db`UPDATE leases SET expires_at = now() - interval '1 second'`
      expect(await store.acquire('B', ['i1'], 300)).toEqual([{ instanceId: 'i1', epoch: 2 }])
    } finally {
      await db.end()
    }
  })

  it('forgets a replica silent for many TTLs at another replica’s beat', async () => {
    const db = await freshDb()
    try {
      const store = createPgLeaseStore(db)
      await store.beat({ id: 'old', listen: 'x' }, 1000)
      await db`UPDATE replicas SET last_seen_at = now() - interval '2 hours'`
      await store.beat({ id: 'new', listen: 'y' }, 1000)
      const rows = await db<{ id: string }[]>`SELECT id FROM replicas ORDER BY id`
      expect(rows.map((r) => r.id)).toEqual(['new'])
    } finally {
      await db.end()
    }
  })

  it('acquires, renews, hands over and releases 10,000 leases in a fraction of a second each', async () => {
    const db = await freshDb()
    try {
      const store = createPgLeaseStore(db)
      const all = ids(10_000)
      const time = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
        const started = performance.now()
        const result = await run()
        return [result, Math.round(performance.now() - started)]
      }
      const [won, acquireMs] = await time(() => store.acquire('A', all, 10_000))
      expect(won).toHaveLength(10_000)
      const [none, contestedMs] = await time(() => store.acquire('B', all, 10_000))
      expect(none).toHaveLength(0)
      const [beat, renewMs] = await time(() => store.beat({ id: 'A', listen: 'a' }, 10_000))
      expect(beat.renewed).toHaveLength(10_000)
      const [, renewAgainMs] = await time(() => store.beat({ id: 'A', listen: 'a' }, 10_000))
      const [, releaseMs] = await time(() => store.release('A', all))
      const [taken, takeoverMs] = await time(() => store.acquire('B', all, 10_000))
      expect(taken).toHaveLength(10_000)
      expect(taken.every((g) => g.epoch === 2)).toBe(true)
      await db`UPDATE leases SET expires_at = now() - interval '1 second'`
      const [stolen, expiredMs] = await time(() => store.acquire('C', all, 10_000))
      expect(stolen).toHaveLength(10_000)
      const [view, viewMs] = await time(() => store.replicas(10_000))
      expect(view).toHaveLength(1)
      const [size] = await db<{ bytes: number }[]>`SELECT pg_total_relation_size('leases')::integer AS bytes`
      const figures = {
        acquireMs,
        contestedMs,
        renewMs,
        renewAgainMs,
        releaseMs,
        takeoverMs,
        expiredMs,
        viewMs,
        tableMB: Math.round(((size?.bytes ?? 0) / 1e6) * 10) / 10,
      }
      console.info('10,000 leases on PostgreSQL:', JSON.stringify(figures))
      for (const ms of [acquireMs, contestedMs, renewMs, releaseMs, takeoverMs, expiredMs])
        expect(ms).toBeLessThan(3000)
    } finally {
      await db.end()
    }
  })
})
