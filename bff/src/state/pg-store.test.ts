import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { systemClock } from '@relay-console/shared/clock'
import { type PostgresServer, postgresBinDir, startPostgres } from '@relay-console/testkit/postgres'
import postgres from 'postgres'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createChangeFeed } from './change-feed'
import { ConsoleState } from './console-state'
import { fleetOpsContract } from './fleet-ops-contract'
import { CHANGES_CHANNEL } from './pg/commit-signal'
import { readMigrations } from './pg/migrate'
import { openPostgresStore, retryable, unreachable } from './pg-store'
import { type InstanceDefinition, type LoggedChange, type StateStore, StoreUnavailableError } from './store'
import { type OpenContractStore, storeContract } from './store-contract'

let pg: PostgresServer
beforeAll(async () => {
  pg = await startPostgres()
}, 60_000)
afterAll(() => pg?.destroy())

let databases = 0
const freshDatabase = () => pg.createDatabase(`store_${process.pid}_${++databases}`)

/** A fresh database, and a store on it; `reopen` opens another on the same data, as another replica would. */
const openFresh: OpenContractStore = async ({ now, outbox }) => {
  const url = freshDatabase()
  const opened: StateStore[] = []
  const openOne = async () => {
    const store = await openPostgresStore({ url, now, outbox })
    opened.push(store)
    return store
  }
  return {
    store: await openOne(),
    reopen: openOne,
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()))
    },
  }
}

storeContract('PostgreSQL', openFresh, { sharedAcrossProcesses: true })
fleetOpsContract('PostgreSQL', openFresh, { sharedAcrossProcesses: true })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)

const definition = (id: string): InstanceDefinition => ({
  id,
  displayName: `Instance ${id}`,
  gatewayId: `gw-${id}`,
  platforms: [{ platform: 'discord', botId: id }],
})

const status = (state: 'connected' | 'retrying', attempt: number, extra: Record<string, unknown> = {}) => ({
  platform: 'discord',
  label: 'Discord',
  emoji: null,
  state,
  errorCode: null,
  errorMessage: null,
  updatedAt: new Date(1_900_000_000_000 + attempt).toISOString(),
  attempt,
  nextRetryAt: null,
  retryingSince: null,
  needsAttention: false,
  ...extra,
})

/** Opens `count` stores on one fresh database, as that many replicas would. */
async function replicas(count: number, url = freshDatabase()): Promise<StateStore[]> {
  return Promise.all(range(0, count).map(() => openPostgresStore({ url, now: Date.now })))
}
const closeAll = (stores: StateStore[]) => Promise.all(stores.map((s) => s.close()))

/**
 * What a replica's change feed does: on every commit signal, reads the log after what it has and
 * applies it. It records every rev it applied, and fails on a gap (the log is never pruned here).
 */
function follow(store: StateStore) {
  const applied: number[] = []
  const problems: string[] = []
  let signals = 0
  let running: Promise<void> | null = null
  let again = false
  const seen = () => applied.at(-1) ?? 0
  async function read() {
    for (;;) {
      const changes = await store.changesAfter(seen(), 100)
      if (changes === null) {
        problems.push(`a gap after ${seen()}`)
        return
      }
      for (const c of changes) {
        if (c.rev !== seen() + 1) problems.push(`${c.rev} after ${seen()}`)
        applied.push(c.rev)
      }
      if (changes.length < 100) return
    }
  }
  function catchUp(): Promise<void> {
    if (running !== null) {
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          await read().catch(() => undefined) // the server may be away: the next signal retries
        } while (again)
      } finally {
        running = null
      }
    })()
    return running
  }
  const stop = store.onCommit(() => {
    signals += 1
    void catchUp()
  })
  return {
    applied,
    problems,
    seen,
    signals: () => signals,
    stop,
  }
}

/** Retries `work` while the server is coming back (its connections were cut). */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt > 100) throw error
      await sleep(50)
    }
  }
}

describe('openPostgresStore', () => {
  it('migrates a new database exactly once when several replicas open it at once', async () => {
    const url = freshDatabase()
    const stores = await replicas(6, url)
    const sql = postgres(url, { onnotice: () => {} })
    try {
      const applied = await sql<{ version: number }[]>`SELECT version FROM schema_migrations ORDER BY version`
      expect(applied.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version))
      const counters = await sql`SELECT rev FROM rev_counter`
      expect(counters).toHaveLength(1)
      // And once more, later: nothing left to apply.
      const later = await openPostgresStore({ url, now: Date.now })
      stores.push(later)
      expect(await later.currentRev()).toBe(0)
    } finally {
      await sql.end()
      await closeAll(stores)
    }
  })

  it('refuses a database a newer console migrated', async () => {
    const url = freshDatabase()
    await (await openPostgresStore({ url, now: Date.now })).close()
    const sql = postgres(url, { onnotice: () => {} })
    await sql`INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')`
    await sql.end()
    await expect(openPostgresStore({ url, now: Date.now })).rejects.toThrow(/version 999, newer than this console/)
  })

  it('keeps the changes of four replicas writing at once in one gapless log, which every replica reads in order', async () => {
    const stores = await replicas(4)
    try {
      const ids = range(0, 8).map((n) => `i${n}`)
      await Promise.all(stores.map((s) => s.define(ids.map(definition))))
      const feeds = stores.map(follow)
      const written = await Promise.all(
        stores.map(async (store, w) => {
          const mine: LoggedChange[] = []
          for (let k = 0; k < 30; k++) {
            const id = ids[(w + k) % ids.length] as string
            if (k % 3 === 0) mine.push(await store.transaction((tx) => tx.setIntent(id, k % 2 === 0, null)))
            else {
              const updates = [0, 1, 2].map((j) => ({
                id: ids[(w * 3 + k + j) % ids.length] as string,
                platforms: [status(k % 2 === 0 ? 'connected' : 'retrying', w * 1000 + k)],
              }))
              mine.push(...(await store.saveStatuses(updates)))
            }
          }
          return mine
        }),
      )
      const revs = written.flat().map((c) => c.rev)
      const total = revs.length
      expect([...revs].sort((a, b) => a - b)).toEqual(range(1, total))
      expect(await stores[0]?.currentRev()).toBe(total)
      for (const feed of feeds) {
        await vi.waitFor(() => expect(feed.seen()).toBe(total), { timeout: 5000 })
        expect(feed.problems).toEqual([])
        expect(feed.applied).toEqual(range(1, total))
      }
    } finally {
      await closeAll(stores)
    }
  })

  it('makes the next rev wait for a slow transaction holding the one before: nobody sees N+1 before N', async () => {
    const [slow, fast, reader] = await replicas(3)
    if (slow === undefined || fast === undefined || reader === undefined) throw new Error('three replicas')
    try {
      await slow.define([definition('a'), definition('b')])
      await slow.transaction((tx) => tx.setIntent('a', true, null))
      const before = await reader.currentRev()
      let tookRev: (rev: number) => void = () => {}
      const taken = new Promise<number>((resolve) => {
        tookRev = resolve
      })
      let slowCommitted = 0
      const slowTx = slow
        .transaction(async (tx) => {
          const change = await tx.setIntent('a', false, 'opting_out')
          tookRev(change.rev)
          await sleep(400)
          return change
        })
        .then((change) => {
          slowCommitted = performance.now()
          return change
        })
      const n = await taken
      expect(n).toBe(before + 1)
      let fastCommitted = 0
      const fastTx = fast
        .transaction((tx) => tx.setIntent('b', false, 'opting_out'))
        .then((change) => {
          fastCommitted = performance.now()
          return change
        })
      // While the slow one holds N (it sleeps 400 ms), the reader sees neither N nor N+1.
      const until = performance.now() + 250
      let looks = 0
      while (performance.now() < until) {
        expect(await reader.changesAfter(before, 10)).toEqual([])
        expect(await reader.currentRev()).toBe(before)
        looks += 1
        await sleep(10)
      }
      expect(looks).toBeGreaterThan(5)
      expect(fastCommitted).toBe(0)
      const [slowChange, fastChange] = await Promise.all([slowTx, fastTx])
      expect(slowChange.rev).toBe(n)
      expect(fastChange.rev).toBe(n + 1)
      expect(fastCommitted).toBeGreaterThanOrEqual(slowCommitted)
      expect((await reader.changesAfter(before, 10))?.map((c) => c.rev)).toEqual([n, n + 1])
    } finally {
      await closeAll([slow, fast, reader])
    }
  })

  it('listens again after the server restarts: listeners are called, and catch up on what was committed meanwhile', async () => {
    const url = freshDatabase()
    const [listening, writing] = await replicas(2, url)
    if (listening === undefined || writing === undefined) throw new Error('two replicas')
    try {
      await writing.define([definition('a')])
      const feed = follow(listening)
      await vi.waitFor(() => expect(feed.signals()).toBeGreaterThan(0)) // subscribed
      const [first] = [await writing.transaction((tx) => tx.setIntent('a', false, null))]
      await vi.waitFor(() => expect(feed.seen()).toBe(1))

      pg.stop()
      pg.start()
      const signalsBefore = feed.signals()
      // Another process commits three changes at once, while this one is blocked, so before the
      // listening replica can subscribe again: their notifications reach nobody here.
      const logOne = `WITH next AS (UPDATE rev_counter SET rev = rev + 1 RETURNING rev)
        INSERT INTO changes (rev, instance_id, instance, transitions)
        SELECT rev, 'a', '${JSON.stringify(first?.instance)}', '[]' FROM next RETURNING pg_notify('${CHANGES_CHANNEL}', rev::text);`
      execFileSync(join(postgresBinDir(), 'psql'), [url, '-v', 'ON_ERROR_STOP=1', '-qc', logOne.repeat(3)])
      await vi.waitFor(() => expect(feed.seen()).toBe(4), { timeout: 15_000, interval: 50 })
      expect(feed.signals()).toBeGreaterThan(signalsBefore)
      // And the subscription is live again: a later commit by another replica is signalled.
      const later = await retrying(() => writing.transaction((tx) => tx.setIntent('a', true, null)))
      expect(later.rev).toBe(5)
      await vi.waitFor(() => expect(feed.seen()).toBe(5), { timeout: 5000 })
      expect(feed.problems).toEqual([])
      expect(feed.applied).toEqual(range(1, 5))
    } finally {
      await closeAll([listening, writing])
    }
  })

  it("keeps a replica's change feed following after the server restarts, though a read fails while it is away", async () => {
    const url = freshDatabase()
    const [listening, writing] = await replicas(2, url)
    if (listening === undefined || writing === undefined) throw new Error('two replicas')
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    try {
      const defined = await listening.define([definition('a')])
      const state = new ConsoleState({ stored: defined.instances, rev: defined.rev, log })
      const feed = createChangeFeed({ store: listening, state, log, clock: systemClock, onGap: async () => {} })
      await retrying(() => writing.transaction((tx) => tx.setIntent('a', false, null)))
      await vi.waitFor(() => expect(state.rev()).toBe(1))

      pg.stop()
      // Reads fail while the server is away, and the notifications of what is committed meanwhile
      // reach nobody.
      await expect(feed.catchUp()).rejects.toThrow()
      pg.start()
      for (let i = 0; i < 5; i++)
        await retrying(() => writing.transaction((tx) => tx.setIntent('a', i % 2 === 1, null)))
      await vi.waitFor(() => expect(state.rev()).toBe(6), { timeout: 15_000, interval: 50 })
      expect(state.get('a')?.optedIn).toBe(false)
      feed.stop()
    } finally {
      await closeAll([listening, writing])
    }
  })

  it('fails the queries of a connection whose server went away, rather than crashing the process (patches/postgres+3.4.9.patch)', async () => {
    // postgres@3.4.9 writes small messages from a timer; on a connection closed meanwhile that
    // timer threw from nowhere a caller could catch (porsager/postgres#1154, #1208) and took the
    // replica down. Patched, the queries reject with CONNECTION_CLOSED and the pool goes on.
    const url = freshDatabase()
    const db = postgres(url, { max: 2, onnotice: () => {} })
    const other = postgres(url, { max: 1 })
    try {
      const reserved = await db.reserve()
      const [row] = await reserved<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`
      await other`SELECT pg_terminate_backend(${row?.pid ?? 0})`
      await sleep(200)
      const results = await Promise.allSettled([reserved`SELECT 1`, reserved`SELECT 2`])
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual([
        expect.stringContaining('CONNECTION_CLOSED'),
        expect.stringContaining('CONNECTION_CLOSED'),
      ])
      reserved.release()
      const [three] = await retrying(() => db<{ x: number }[]>`SELECT 3 AS x`)
      expect(three?.x).toBe(3)
    } finally {
      await Promise.all([db.end({ timeout: 0 }), other.end({ timeout: 0 })])
    }
  })

  it('says the database is unavailable, as its own error, while the server is away, and works again once it is back', async () => {
    const store = await openPostgresStore({ url: freshDatabase(), now: Date.now })
    try {
      await store.define([definition('a')])
      pg.stop()
      const failed = await store.audit({ limit: 1 }).catch((error: unknown) => error)
      expect(failed).toBeInstanceOf(StoreUnavailableError)
      expect(String(failed)).toMatch(/the state database is unavailable/)
      pg.start()
      expect(await retrying(() => store.audit({ limit: 1 }))).toEqual([])
      // A query that is wrong stays its own error.
      expect(unreachable(Object.assign(new Error('syntax'), { code: '42601' }))).toBe(false)
    } finally {
      await store.close()
    }
  })

  it('tries any operation again after an error that says nothing was done, and a repeatable one after any connection error', () => {
    const code = (c: string) => Object.assign(new Error(c), { code: c })
    // The server ended the session, or refused it: nothing was committed.
    expect(retryable('transaction', code('57P01'))).toBe(true)
    expect(retryable('saveStatuses', code('ECONNREFUSED'))).toBe(true)
    // The connection broke with the work perhaps done: only what may run twice is tried again.
    expect(retryable('transaction', code('CONNECTION_CLOSED'))).toBe(false)
    expect(retryable('consumeLoginCode', code('CONNECTION_CLOSED'))).toBe(false)
    expect(retryable('audit', code('CONNECTION_CLOSED'))).toBe(true)
    // A wrong query is never tried again.
    expect(retryable('audit', code('42601'))).toBe(false)
  })

  it('answers reads through a restart of every session: each lands on a connection that is gone and is tried on a new one', async () => {
    const url = freshDatabase()
    const store = await openPostgresStore({ url, now: Date.now })
    try {
      await store.define([definition('a')])
      // Warm the pool, then have the server end every one of its sessions (as a restart does).
      await Promise.all(range(0, 8).map(() => store.audit({ limit: 1 })))
      const ended = execFileSync(
        join(postgresBinDir(), 'psql'),
        [
          url,
          '-Atc',
          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'relay-console'",
        ],
        { encoding: 'utf8' },
      )
      expect(Number(ended)).toBeGreaterThan(0)
      // Each read lands on a connection that is gone, and is tried again on a new one.
      const results = await Promise.allSettled(range(0, 8).map(() => store.audit({ limit: 1 })))
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(
        range(0, 8).map(() => 'ok'),
      )
    } finally {
      await store.close()
    }
  })

  it('writes a NUL character a connector sent as U+FFFD rather than failing the write', async () => {
    const [store] = await replicas(1)
    if (store === undefined) throw new Error('one replica')
    try {
      await store.define([definition('a')])
      const [change] = await store.saveStatuses([
        { id: 'a', platforms: [status('retrying', 1, { label: 'bad\u0000label', errorMessage: 'oops\u0000' })] },
      ])
      expect(change?.instance.platforms[0]?.label).toBe('bad\uFFFDlabel')
      expect((await store.history('a', 1))[0]?.errorMessage).toBe('oops\uFFFD')
      await store.transaction((tx) =>
        tx.appendAudit({ actor: 'admin', action: 'opt_out', instanceId: 'a', result: 'failed', detail: 'x\u0000y' }),
      )
      expect((await store.audit({ limit: 1 }))[0]?.detail).toBe('x\uFFFDy')
    } finally {
      await store.close()
    }
  })
})

describe('the lease fence on status writes', () => {
  let store: StateStore
  let sql: postgres.Sql
  beforeEach(async () => {
    const url = freshDatabase()
    store = await openPostgresStore({ url, now: Date.now })
    sql = postgres(url, { onnotice: () => {} })
    await store.define(['a', 'b', 'c', 'd', 'e'].map(definition))
  })
  afterEach(async () => {
    await sql.end()
    await store.close()
  })

  /** A lease row as the cluster's lease store keeps it, expiring `ms` from now by the server's clock. */
  const lease = (id: string, owner: string, epoch: number, ms: number) =>
    sql`INSERT INTO leases (instance_id, owner, epoch, expires_at)
        VALUES (${id}, ${owner}, ${epoch}, now() + ${ms}::bigint * interval '1 millisecond')`
  const fence = (owner: string, epoch: number) => ({ owner, epoch })
  const connected = [status('connected', 1)]
  /** Every trace a write leaves: the rev, the log, the stored statuses and the history. */
  const traces = async (id: string) => ({
    rev: await store.currentRev(),
    log: (await store.changesAfter(0, 100))?.map((c) => c.instance.id),
    statuses: (await store.instance(id))?.statuses,
    history: await store.history(id, 10),
  })

  it('writes an update whose lease is live: same owner, same epoch, not expired', async () => {
    await lease('a', 'replica-1', 3, 60_000)
    const [change, ...more] = await store.saveStatuses([
      { id: 'a', platforms: connected, fence: fence('replica-1', 3) },
    ])
    expect(more).toEqual([])
    expect(change).toMatchObject({ rev: 1, instance: { id: 'a', platforms: connected } })
    expect(await traces('a')).toMatchObject({ rev: 1, log: ['a'], statuses: connected, history: [{ to: 'connected' }] })
  })

  it.each([
    ['an older epoch (the lease was taken over since)', () => lease('a', 'replica-1', 4, 60_000)],
    ['another owner', () => lease('a', 'replica-2', 3, 60_000)],
    ['an expired lease (by the server clock)', () => lease('a', 'replica-1', 3, -1)],
    ['no lease row at all', async () => {}],
  ])('refuses an update against %s: nothing is written or logged', async (_, setUp) => {
    await setUp()
    await store.saveStatuses([{ id: 'b', platforms: connected }])
    const before = await traces('a')
    expect(before).toEqual({ rev: 1, log: ['b'], statuses: [], history: [] })
    expect(await store.saveStatuses([{ id: 'a', platforms: connected, fence: fence('replica-1', 3) }])).toEqual([])
    expect(await traces('a')).toEqual(before)
  })

  it('writes, in one batch, the updates without a fence and those whose lease is live, and only those', async () => {
    await lease('a', 'replica-1', 2, 60_000)
    await lease('b', 'replica-1', 1, 60_000)
    await lease('d', 'replica-1', 5, -1000)
    const changes = await store.saveStatuses([
      { id: 'a', platforms: connected, fence: fence('replica-1', 2) },
      { id: 'b', platforms: connected, fence: fence('replica-1', 7) },
      { id: 'b', platforms: connected, fence: fence('replica-1', 1.5) }, // matches no lease, fails nothing
      { id: 'c', platforms: connected },
      { id: 'd', platforms: connected, fence: fence('replica-1', 5) },
      { id: 'e', platforms: connected, fence: null },
      { id: 'a', platforms: [status('retrying', 2)], fence: fence('replica-2', 2) },
    ])
    expect(changes.map((c) => [c.rev, c.instance.id])).toEqual([
      [1, 'a'],
      [2, 'c'],
      [3, 'e'],
    ])
    expect(await store.currentRev()).toBe(3)
    expect((await store.changesAfter(0, 10))?.map((c) => c.instance.id)).toEqual(['a', 'c', 'e'])
    for (const id of ['b', 'd']) expect(await traces(id)).toMatchObject({ statuses: [], history: [] })
    expect((await store.instance('a'))?.statuses).toEqual(connected)
  })

  it('judges expiry when it checks, after waiting for the rev counter, not when its transaction began', async () => {
    await lease('a', 'replica-1', 1, 300)
    let holding: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      holding = resolve
    })
    // Another writer holds the counter until the lease has run out.
    const slow = store.transaction(async (tx) => {
      await tx.setIntent('b', false, null)
      holding()
      await sleep(600)
    })
    await held
    const write = store.saveStatuses([{ id: 'a', platforms: connected, fence: fence('replica-1', 1) }])
    await slow
    expect(await write).toEqual([])
    expect(await traces('a')).toMatchObject({ rev: 1, statuses: [], history: [] })
  })
})

/**
 * Figures, printed, not asserted (a loaded machine would only make them flaky). Run with
 * `PG_STORE_MEASURE=1 npx vitest run --project bff bff/src/state/pg-store`.
 */
describe.runIf(process.env.PG_STORE_MEASURE === '1')('measurements', () => {
  const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
  const summary = (ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b)
    const f = (x: number | undefined) => `${(x ?? 0).toFixed(2)} ms`
    return `p50 ${f(percentile(sorted, 0.5))}, p99 ${f(percentile(sorted, 0.99))}, max ${f(sorted.at(-1))}`
  }

  it('saveStatuses batches, an intent transaction, NOTIFY to listener', async () => {
    const [store, other] = await replicas(2)
    if (store === undefined || other === undefined) throw new Error('two replicas')
    const lines: string[] = []
    try {
      const ids = range(0, 10_000).map((n) => `inst-${n}`)
      let t = performance.now()
      await store.define(ids.map(definition))
      lines.push(`define 10,000 new instances: ${(performance.now() - t).toFixed(0)} ms`)
      t = performance.now()
      await store.define(ids.map(definition))
      lines.push(`define 10,000 unchanged instances: ${(performance.now() - t).toFixed(0)} ms`)

      let attempt = 0
      const batch = (count: number) => {
        attempt += 1
        return ids.slice(0, count).map((id) => ({
          id,
          platforms: [status(attempt % 2 === 0 ? 'connected' : 'retrying', attempt)],
        }))
      }
      for (const count of [1000, 10_000]) {
        for (let run = 1; run <= 3; run++) {
          const updates = batch(count)
          t = performance.now()
          const logged = await store.saveStatuses(updates)
          const ms = performance.now() - t
          lines.push(
            `saveStatuses ${count} updates (${logged.length} logged changes, each a transition), run ${run}: ${ms.toFixed(0)} ms`,
          )
        }
        const same = ids
          .slice(0, count)
          .map((id) => ({ id, platforms: [status(attempt % 2 === 0 ? 'connected' : 'retrying', attempt)] }))
        t = performance.now()
        const none = await store.saveStatuses(same)
        lines.push(`saveStatuses ${count} repeats (${none.length} logged): ${(performance.now() - t).toFixed(0)} ms`)
      }

      const intents: number[] = []
      for (let k = 0; k < 300; k++) {
        t = performance.now()
        await store.transaction((tx) => tx.setIntent('inst-1', k % 2 === 0, null))
        intents.push(performance.now() - t)
      }
      lines.push(
        `intent transaction round trip (BEGIN, lock, update, log + notify, COMMIT), 300 runs: ${summary(intents)}`,
      )

      const withAudit: number[] = []
      for (let k = 0; k < 300; k++) {
        t = performance.now()
        await store.transaction(async (tx) => {
          await tx.appendAudit({
            actor: 'admin',
            action: 'opt_out',
            instanceId: 'inst-2',
            result: 'pending',
            detail: null,
          })
          await tx.setIntent('inst-2', k % 2 === 0, 'opting_out')
        })
        withAudit.push(performance.now() - t)
      }
      lines.push(`intent + audit entry transaction, 300 runs: ${summary(withAudit)}`)

      let signalled: (() => void) | null = null
      other.onCommit(() => signalled?.())
      await sleep(100)
      const fromCall: number[] = []
      const fromCommit: number[] = []
      for (let k = 0; k < 300; k++) {
        const heard = new Promise<number>((resolve) => {
          signalled = () => resolve(performance.now())
        })
        const start = performance.now()
        await store.transaction((tx) => tx.setIntent('inst-3', k % 2 === 0, null))
        const committed = performance.now()
        const at = await heard
        fromCall.push(at - start)
        fromCommit.push(Math.max(0, at - committed))
      }
      lines.push(`another replica's listener, from the writer's call: ${summary(fromCall)}`)
      lines.push(`another replica's listener, after the writer saw its commit: ${summary(fromCommit)}`)
    } finally {
      console.log(`\nPostgreSQL store measurements\n  ${lines.join('\n  ')}\n`)
      await closeAll([store, other])
    }
  }, 300_000)

  it('saveStatuses of 10,000 updates, without fences, with live fences, with stale fences', async () => {
    const url = freshDatabase()
    const [store] = await replicas(1, url)
    if (store === undefined) throw new Error('one replica')
    const sql = postgres(url, { onnotice: () => {} })
    const runs: Record<string, number[]> = { 'no fence': [], 'live fence': [], 'stale fence (all refused)': [] }
    try {
      const ids = range(0, 10_000).map((n) => `inst-${n}`)
      await store.define(ids.map(definition))
      await sql`
        INSERT INTO leases (instance_id, owner, epoch, expires_at)
        SELECT id, 'replica-1', 2, now() + interval '1 hour' FROM unnest(${ids}::text[]) AS x(id)`
      let attempt = 0
      const batch = (fence: { owner: string; epoch: number } | undefined) => {
        attempt += 1
        const platforms = [status(attempt % 2 === 0 ? 'connected' : 'retrying', attempt)]
        return ids.map((id) => (fence === undefined ? { id, platforms } : { id, platforms, fence }))
      }
      const kinds = [
        ['no fence', undefined, 10_000],
        ['live fence', { owner: 'replica-1', epoch: 2 }, 10_000],
        ['stale fence (all refused)', { owner: 'replica-1', epoch: 1 }, 0],
      ] as const
      for (let run = 0; run < 10; run++) {
        for (const [name, fence, expected] of run % 2 === 0 ? kinds : [...kinds].reverse()) {
          const updates = batch(fence)
          const t = performance.now()
          const logged = await store.saveStatuses(updates)
          const ms = performance.now() - t
          expect(logged).toHaveLength(expected)
          if (run > 0) runs[name]?.push(ms) // the first run warms up
        }
      }
    } finally {
      const lines = Object.entries(runs).map(([name, ms]) => `${name}: ${summary(ms)} (${ms.length} runs)`)
      console.log(`\nsaveStatuses, 10,000 updates of 10,000 instances\n  ${lines.join('\n  ')}\n`)
      await sql.end()
      await store.close()
    }
  }, 300_000)
})
