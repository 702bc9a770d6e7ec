import { describe, expect, it } from 'vitest'
import { openSqliteStore } from '../state/sqlite-store'
import { OPERATOR_TOKEN } from '../test-support'
import { createOperatorAuth, SESSION_IDLE_MS, SESSION_LIFETIME_MS } from './auth'

function setup() {
  let t = 1_700_000_000_000
  const store = openSqliteStore({ stateDir: null, now: () => t })
  const auth = createOperatorAuth({ token: OPERATOR_TOKEN, store, now: () => t })
  const client = { address: '127.0.0.1', userAgent: 'test' }
  return {
    auth,
    store,
    client,
    advance: (ms: number) => {
      t += ms
    },
  }
}

describe('createOperatorAuth', () => {
  it('refuses an operator token under 32 characters', () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    expect(() => createOperatorAuth({ token: 'x'.repeat(31), store, now: Date.now })).toThrow(/at least 32/)
    expect(() => createOperatorAuth({ token: 'x'.repeat(32), store, now: Date.now })).not.toThrow()
  })

  it('keeps a session open while it is used, and closes it after 12 hours idle', () => {
    const { auth, advance, client } = setup()
    const { id, key } = auth.startSession(client)
    for (let i = 0; i < 10; i++) {
      advance(SESSION_IDLE_MS - 60_000)
      expect(auth.verifySession(id, key), `use ${i}`).not.toBeNull()
    }
    advance(SESSION_IDLE_MS)
    expect(auth.verifySession(id, key)).toBeNull()
  })

  it('closes a session 7 days after sign-in, however busy', () => {
    const { auth, advance, client } = setup()
    const { id, key, maxAgeSeconds } = auth.startSession(client)
    expect(maxAgeSeconds).toBe(SESSION_LIFETIME_MS / 1000)
    for (let used = 0; used < SESSION_LIFETIME_MS - 3600_000; used += 3600_000) {
      advance(3600_000)
      expect(auth.verifySession(id, key)).not.toBeNull()
    }
    advance(3600_000)
    expect(auth.verifySession(id, key)).toBeNull()
  })

  it('stores the session by the hash of its id, with where it came from', () => {
    const { auth, store, client } = setup()
    const { id, key } = auth.startSession({ ...client, userAgent: 'u'.repeat(1000) })
    const session = auth.verifySession(id, key)
    expect(session).toMatchObject({ operator: 'admin', clientAddress: '127.0.0.1', revokedAt: null })
    expect(session?.idHash).not.toContain(id)
    expect(session?.userAgent?.length).toBe(300)
    expect(store.findSession(session?.idHash ?? '')).not.toBeNull()
  })

  it('writes lastSeenAt at most once a minute', () => {
    const { auth, store, advance, client } = setup()
    const { id, key } = auth.startSession(client)
    const hash = auth.verifySession(id, key)?.idHash ?? ''
    const created = store.findSession(hash)?.lastSeenAt ?? 0
    advance(30_000)
    auth.verifySession(id, key)
    expect(store.findSession(hash)?.lastSeenAt).toBe(created)
    advance(30_000)
    auth.verifySession(id, key)
    expect(store.findSession(hash)?.lastSeenAt).toBe(created + 60_000)
  })

  it('ends a session for good, and ignores ids that are not session ids', () => {
    const { auth, client } = setup()
    const { id, key } = auth.startSession(client)
    auth.endSession('nonsense')
    auth.endSession(undefined)
    expect(auth.verifySession(id, key)).not.toBeNull()
    auth.endSession(id)
    expect(auth.verifySession(id, key)).toBeNull()
    expect(auth.verifySession(undefined, key)).toBeNull()
    expect(auth.verifySession('x'.repeat(43), key)).toBeNull()
  })

  it('proves a session only with its tab key: HMAC of the id under a random key kept in the store', () => {
    const { auth, client } = setup()
    const a = auth.startSession(client)
    const b = auth.startSession(client)
    expect(a.key).not.toBe(b.key)
    expect(auth.verifySession(a.id, a.key)).not.toBeNull()
    expect(auth.verifySession(a.id, b.key)).toBeNull()
    expect(auth.verifySession(a.id, undefined)).toBeNull()
    expect(auth.verifySession(a.id, '')).toBeNull()
  })

  it('never derives the tab key from the operator token', () => {
    const sameId = () => Buffer.alloc(32, 1)
    const keyOf = (token: string, secret: Buffer) => {
      const store = openSqliteStore({ stateDir: null, now: Date.now })
      store.getOrCreateSecret('session_signing_key', () => secret)
      return createOperatorAuth({ token, store, now: Date.now, random: sameId }).startSession({
        address: null,
        userAgent: null,
      })
    }
    const one = keyOf(OPERATOR_TOKEN, Buffer.alloc(32, 2))
    expect(keyOf(`${OPERATOR_TOKEN}-other`, Buffer.alloc(32, 2))).toEqual(one)
    expect(keyOf(OPERATOR_TOKEN, Buffer.alloc(32, 3)).key).not.toBe(one.key)
  })

  it('makes its signing key once: 256 random bits in the store', () => {
    const { store } = setup()
    const key = store.getOrCreateSecret('session_signing_key', () => Buffer.alloc(0))
    expect(key.length).toBe(32)
    expect(key.equals(Buffer.alloc(32))).toBe(false)
  })

  it('honours a login code once, for a day', () => {
    const { auth, advance } = setup()
    const once = auth.createLoginCode()
    expect(auth.consumeLoginCode(once)).toBe(true)
    expect(auth.consumeLoginCode(once)).toBe(false)
    const late = auth.createLoginCode()
    advance(24 * 3600_000 + 1)
    expect(auth.consumeLoginCode(late)).toBe(false)
    expect(auth.consumeLoginCode('../../etc')).toBe(false)
  })
})
