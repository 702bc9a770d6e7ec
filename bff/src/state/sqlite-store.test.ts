/**
 * What is particular to the SQLite store: the file on disk, what a crash leaves, a database from
 * before the change log, the in-memory tail of the log, and one write queue. What every store
 * must do is the contract suite's (store-contract.ts), run here too.
 */
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../test-support'
import { fleetOpsContract } from './fleet-ops-contract'
import { openSqliteStore } from './sqlite-store'
import type { StateStore } from './store'
import { storeContract } from './store-contract'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const dir = () => {
  const d = tempDir('relay-console-store-')
  dirs.push(d)
  return d
}
const definition = {
  id: 'acme',
  displayName: 'Acme',
  gatewayId: 'gw-acme',
  platforms: [{ platform: 'discord', botId: '1' }],
}
const connecting = (at: string) => ({
  platform: 'discord',
  label: null,
  emoji: null,
  state: 'connecting' as const,
  errorCode: null,
  errorMessage: null,
  updatedAt: at,
  attempt: 0,
  nextRetryAt: null,
  retryingSince: null,
  needsAttention: false,
})

describe('openSqliteStore', () => {
  it('creates an owner-only database file', async () => {
    const stateDir = dir()
    const store = openSqliteStore({ stateDir, now: Date.now })
    await store.define([definition])
    await store.close()
    expect(statSync(join(stateDir, 'console.db')).mode & 0o777).toBe(0o600)
  })

  it('never reuses a revision, even when the process dies without closing', async () => {
    const stateDir = dir()
    const first = openSqliteStore({ stateDir, now: Date.now })
    await first.define([definition])
    const issued = []
    for (const optedIn of [false, true, false]) {
      issued.push((await first.transaction((tx) => tx.setIntent('acme', optedIn, null))).rev)
    }
    // No close(): as after a crash.
    const second = openSqliteStore({ stateDir, now: Date.now })
    expect((await second.define([definition])).rev).toBe(Math.max(...issued))
    const next = await second.transaction((tx) => tx.setIntent('acme', true, null))
    expect(next.rev).toBe(Math.max(...issued) + 1)
    await first.close()
    await second.close()
  })

  it('starts past the ceiling a database from before the change log had reserved', async () => {
    const stateDir = dir()
    const old = new Database(join(stateDir, 'console.db'))
    old.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)')
    old.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('rev_ceiling', 7000)
    old.close()
    const store = openSqliteStore({ stateDir, now: Date.now })
    expect((await store.define([definition])).rev).toBe(7000)
    expect((await store.transaction((tx) => tx.setIntent('acme', false, null))).rev).toBe(7001)
    await store.close()
  })

  it('reads the same log from memory and from the file', async () => {
    const stateDir = dir()
    const store = openSqliteStore({ stateDir, now: Date.now })
    await store.define([definition])
    for (let i = 0; i < 5; i++) {
      await store.saveStatuses([{ id: 'acme', platforms: [connecting(new Date(1_000 * i).toISOString())] }])
    }
    const fromMemory = await store.changesAfter(1, 10)
    await store.close()
    const reopened = openSqliteStore({ stateDir, now: Date.now })
    expect(await reopened.changesAfter(1, 10)).toEqual(fromMemory)
    expect(fromMemory?.map((c) => c.rev)).toEqual([2, 3, 4, 5])
    await reopened.close()
  })

  it('lets no write land inside an open transaction while its work awaits', async () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    await store.define([definition])
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const failing = store.transaction(async (tx) => {
      await tx.setIntent('acme', false, 'opting_out')
      await gate
      throw new Error('rolled back')
    })
    // Queued behind the transaction: it must not be rolled back with it, nor land inside it.
    const outside = store.saveStatuses([{ id: 'acme', platforms: [connecting('2026-11-29T10:00:00.000Z')] }])
    release()
    await expect(failing).rejects.toThrow('rolled back')
    const [logged] = await outside
    expect(logged).toMatchObject({ rev: 1, instance: { optedIn: true, pending: null } })
    expect((await store.define([definition])).instances[0]?.statuses).toHaveLength(1)
    await store.close()
  })
})

storeContract('sqlite', async ({ now, outbox }) => {
  const stateDir = tempDir('relay-console-contract-')
  const opened: StateStore[] = []
  const open = () => {
    const store = openSqliteStore({ stateDir, now, outbox })
    opened.push(store)
    return store
  }
  return {
    store: open(),
    reopen: async () => open(),
    async cleanup() {
      for (const store of opened) await store.close()
      rmSync(stateDir, { recursive: true, force: true })
    },
  }
})

fleetOpsContract('sqlite', async ({ now, outbox }) => {
  const store = openSqliteStore({ stateDir: null, now, outbox })
  return { store, cleanup: () => store.close() }
})
