import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../test-support'
import { AUDIT_DETAIL_MAX, HISTORY_CAP, openSqliteStore } from './sqlite-store'

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
const syncNow = (flush: () => void) => flush()

describe('openSqliteStore', () => {
  it('creates an owner-only database and keeps intent and secrets across reopen', () => {
    const stateDir = dir()
    const store = openSqliteStore({ stateDir, now: Date.now })
    expect(store.define([definition])[0]).toMatchObject({ id: 'acme', optedIn: true, pending: null, secret: null })
    store.saveIntent('acme', false, 'opting_out')
    store.saveSecret('acme', 's3cret', 'digest')
    store.close()
    expect(statSync(join(stateDir, 'console.db')).mode & 0o777).toBe(0o600)
    const reopened = openSqliteStore({ stateDir, now: Date.now })
    expect(reopened.define([definition])[0]).toMatchObject({
      optedIn: false,
      pending: 'opting_out',
      secret: 's3cret',
      configSecretDigest: 'digest',
    })
    reopened.close()
  })

  it('never reuses a revision, even when the process dies without closing', () => {
    const stateDir = dir()
    const first = openSqliteStore({ stateDir, now: Date.now })
    const issued = [first.nextRev(), first.nextRev(), first.nextRev()]
    // No close(): as after a crash.
    const second = openSqliteStore({ stateDir, now: Date.now })
    expect(second.nextRev()).toBeGreaterThan(Math.max(...issued))
    expect(second.currentRev()).toBeGreaterThan(Math.max(...issued))
    first.close()
    second.close()
  })

  it('keeps the last HISTORY_CAP transitions per instance, newest first', () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now, defer: syncNow })
    store.define([definition])
    for (let rev = 1; rev <= HISTORY_CAP + 20; rev++) {
      store.saveStatuses(
        'acme',
        [],
        [
          {
            rev,
            at: new Date(rev * 1000).toISOString(),
            platform: 'discord',
            from: 'connecting',
            to: 'connected',
            errorCode: null,
            errorMessage: null,
          },
        ],
      )
    }
    const history = store.history('acme', 1000)
    expect(history).toHaveLength(HISTORY_CAP)
    expect(history[0]?.rev).toBe(HISTORY_CAP + 20)
    expect(history.at(-1)?.rev).toBe(21)
    store.close()
  })

  it('records audit entries, settles them, and filters by instance', () => {
    const store = openSqliteStore({ stateDir: null, now: () => Date.UTC(2026, 10, 27) })
    store.define([definition, { ...definition, id: 'globex', gatewayId: 'gw-globex' }])
    const id = store.appendAudit({
      actor: 'operator',
      action: 'opt_out',
      instanceId: 'acme',
      result: 'pending',
      detail: null,
    })
    store.appendAudit({ actor: 'operator', action: 'opt_in', instanceId: 'globex', result: 'ok', detail: null })
    store.settleAudit(id, 'failed', 'connector unreachable')
    expect(store.audit({ limit: 10, instanceId: 'acme' })).toEqual([
      {
        at: '2026-11-27T00:00:00.000Z',
        actor: 'operator',
        action: 'opt_out',
        instanceId: 'acme',
        result: 'failed',
        detail: 'connector unreachable',
      },
    ])
    expect(store.audit({ limit: 10 }).map((e) => e.instanceId)).toEqual(['globex', 'acme'])
    store.close()
  })

  it('keeps an audit detail bounded, however long the text it is given', () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    const huge = 'x'.repeat(5 * 1024 * 1024)
    const id = store.appendAudit({
      actor: 'api',
      action: 'opt_out',
      instanceId: 'acme',
      result: 'pending',
      detail: huge,
    })
    expect(store.audit({ limit: 1 })[0]?.detail?.length).toBeLessThanOrEqual(AUDIT_DETAIL_MAX + 1)
    store.settleAudit(id, 'failed', huge)
    const [entry] = store.audit({ limit: 1 })
    expect(entry?.detail?.length).toBeLessThanOrEqual(AUDIT_DETAIL_MAX + 1)
    expect(entry?.detail).toMatch(/^x+…$/)
    store.close()
  })

  it('settles the entries a crash left pending as failed, and only those', () => {
    const stateDir = dir()
    const crashed = openSqliteStore({ stateDir, now: Date.now })
    crashed.define([definition])
    const entry = { actor: 'operator', action: 'opt_out', instanceId: 'acme', detail: null } as const
    const done = crashed.appendAudit({ ...entry, result: 'pending' })
    crashed.settleAudit(done, 'ok', null)
    crashed.appendAudit({ ...entry, result: 'pending' })
    // No close: the process died here.
    const reopened = openSqliteStore({ stateDir, now: Date.now })
    expect(reopened.settleInterrupted('interrupted')).toBe(1)
    expect(reopened.audit({ limit: 10 }).map((e) => [e.result, e.detail])).toEqual([
      ['failed', 'interrupted'],
      ['ok', null],
    ])
    expect(reopened.settleInterrupted('interrupted')).toBe(0)
    reopened.close()
  })

  it('lands the writes of a transaction together or not at all', () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    store.define([definition])
    const entry = { actor: 'operator', action: 'opt_out', instanceId: 'acme', result: 'pending', detail: null } as const
    expect(() =>
      store.transaction(() => {
        store.appendAudit(entry)
        store.saveIntent('acme', false, 'opting_out')
        throw new Error('disk full')
      }),
    ).toThrow('disk full')
    expect(store.audit({ limit: 10 })).toEqual([])
    expect(store.define([definition])[0]).toMatchObject({ optedIn: true, pending: null })
    const id = store.transaction(() => {
      const added = store.appendAudit(entry)
      store.saveIntent('acme', false, 'opting_out')
      return added
    })
    expect(id).toBeGreaterThan(0)
    expect(store.define([definition])[0]).toMatchObject({ optedIn: false, pending: 'opting_out' })
    store.close()
  })

  it('only returns the instances it was asked to define, in their order', () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    store.define([definition, { ...definition, id: 'b', gatewayId: 'gw-b' }])
    expect(store.define([{ ...definition, id: 'b', gatewayId: 'gw-b' }, definition]).map((i) => i.id)).toEqual([
      'b',
      'acme',
    ])
    expect(store.define([definition]).map((i) => i.id)).toEqual(['acme'])
    store.close()
  })
})

describe('sessions and login codes', () => {
  const session = {
    idHash: 'a'.repeat(64),
    operator: 'admin',
    createdAt: 1_000,
    lastSeenAt: 1_000,
    expiresAt: 100_000,
    clientAddress: '127.0.0.1',
    userAgent: 'test',
  }

  it('keeps sessions, their last use and their revocation across reopen', () => {
    const stateDir = dir()
    const store = openSqliteStore({ stateDir, now: Date.now })
    store.createSession(session)
    store.createSession({ ...session, idHash: 'b'.repeat(64) })
    store.touchSession(session.idHash, 5_000)
    store.revokeSession('b'.repeat(64), 6_000)
    store.close()
    const reopened = openSqliteStore({ stateDir, now: Date.now })
    expect(reopened.findSession(session.idHash)).toEqual({ ...session, lastSeenAt: 5_000, revokedAt: null })
    expect(reopened.findSession('b'.repeat(64))).toMatchObject({ revokedAt: 6_000 })
    expect(reopened.findSession('c'.repeat(64))).toBeNull()
    reopened.close()
  })

  it('never moves lastSeenAt back, and keeps the first revocation', () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    store.createSession(session)
    store.touchSession(session.idHash, 5_000)
    store.touchSession(session.idHash, 4_000)
    store.revokeSession(session.idHash, 6_000)
    store.revokeSession(session.idHash, 7_000)
    expect(store.findSession(session.idHash)).toMatchObject({ lastSeenAt: 5_000, revokedAt: 6_000 })
    store.close()
  })

  it('prunes the sessions that can no longer be used: expired, or idle too long', () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    store.createSession({ ...session, idHash: 'live' })
    store.createSession({ ...session, idHash: 'expired', expiresAt: 9_000 })
    store.createSession({ ...session, idHash: 'idle', lastSeenAt: 500 })
    expect(store.pruneSessions({ now: 10_000, idleBefore: 800 })).toBe(2)
    expect(['live', 'expired', 'idle'].map((h) => store.findSession(h)?.idHash ?? null)).toEqual(['live', null, null])
    store.close()
  })

  it('honours a login code once, before it expires, across reopen', () => {
    const stateDir = dir()
    const store = openSqliteStore({ stateDir, now: Date.now })
    store.createLoginCode({ codeHash: 'once', expiresAt: 10_000 })
    store.createLoginCode({ codeHash: 'late', expiresAt: 10_000 })
    store.close()
    const reopened = openSqliteStore({ stateDir, now: Date.now })
    expect(reopened.consumeLoginCode('once', 9_000)).toBe(true)
    expect(reopened.consumeLoginCode('once', 9_000)).toBe(false)
    expect(reopened.consumeLoginCode('late', 10_001)).toBe(false)
    expect(reopened.consumeLoginCode('late', 9_000)).toBe(false)
    expect(reopened.consumeLoginCode('never', 9_000)).toBe(false)
    reopened.close()
  })

  it('creates a secret once and hands back the same one from then on, across reopen', () => {
    const stateDir = dir()
    const store = openSqliteStore({ stateDir, now: Date.now })
    const first = store.getOrCreateSecret('session_key', () => Buffer.alloc(32, 7))
    expect(store.getOrCreateSecret('session_key', () => Buffer.alloc(32, 8))).toEqual(first)
    store.close()
    const reopened = openSqliteStore({ stateDir, now: Date.now })
    expect(reopened.getOrCreateSecret('session_key', () => Buffer.alloc(32, 9))).toEqual(Buffer.alloc(32, 7))
    reopened.close()
  })
})
