import { describe, expect, it } from 'vitest'
import { openSqliteStore } from '../state/sqlite-store'
import { OPERATOR_TOKEN } from '../test-support'
import { createOperatorAuth, SESSION_IDLE_MS, SESSION_LIFETIME_MS } from './auth'

async function setup() {
  let t = 1_700_000_000_000
  const store = openSqliteStore({ stateDir: null, now: () => t })
  const auth = await createOperatorAuth({ token: OPERATOR_TOKEN, store, now: () => t })
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
  it('refuses an operator token under 32 characters', async () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    await expect(createOperatorAuth({ token: 'x'.repeat(31), store, now: Date.now })).rejects.toThrow(/at least 32/)
    await expect(createOperatorAuth({ token: 'x'.repeat(32), store, now: Date.now })).resolves.toBeDefined()
  })

  it('keeps a session open while it is used, and closes it after 12 hours idle', async () => {
    const { auth, advance, client } = await setup()
    const { id, key } = await auth.startSession(client)
    for (let i = 0; i < 10; i++) {
      advance(SESSION_IDLE_MS - 60_000)
      expect(await auth.verifySession(id, key), `use ${i}`).not.toBeNull()
    }
    advance(SESSION_IDLE_MS)
    expect(await auth.verifySession(id, key)).toBeNull()
  })

  it('closes a session 7 days after sign-in, however busy', async () => {
    const { auth, advance, client } = await setup()
    const { id, key, maxAgeSeconds } = await auth.startSession(client)
    expect(maxAgeSeconds).toBe(SESSION_LIFETIME_MS / 1000)
    for (let used = 0; used < SESSION_LIFETIME_MS - 3600_000; used += 3600_000) {
      advance(3600_000)
      expect(await auth.verifySession(id, key)).not.toBeNull()
    }
    advance(3600_000)
    expect(await auth.verifySession(id, key)).toBeNull()
  })

  it('stores the session by the hash of its id, with where it came from', async () => {
    const { auth, store, client } = await setup()
    const { id, key } = await auth.startSession({ ...client, userAgent: 'u'.repeat(1000) })
    const session = await auth.verifySession(id, key)
    expect(session).toMatchObject({ operator: 'admin', clientAddress: '127.0.0.1', revokedAt: null })
    expect(session?.idHash).not.toContain(id)
    expect(session?.userAgent?.length).toBe(300)
    expect(await store.findSession(session?.idHash ?? '')).not.toBeNull()
  })

  it('writes lastSeenAt at most once a minute', async () => {
    const { auth, store, advance, client } = await setup()
    const { id, key } = await auth.startSession(client)
    const hash = (await auth.verifySession(id, key))?.idHash ?? ''
    const created = (await store.findSession(hash))?.lastSeenAt ?? 0
    advance(30_000)
    await auth.verifySession(id, key)
    expect((await store.findSession(hash))?.lastSeenAt).toBe(created)
    advance(30_000)
    await auth.verifySession(id, key)
    expect((await store.findSession(hash))?.lastSeenAt).toBe(created + 60_000)
  })

  it('ends a session for good, and ignores ids that are not session ids', async () => {
    const { auth, client } = await setup()
    const { id, key } = await auth.startSession(client)
    await auth.endSession('nonsense')
    await auth.endSession(undefined)
    expect(await auth.verifySession(id, key)).not.toBeNull()
    await auth.endSession(id)
    expect(await auth.verifySession(id, key)).toBeNull()
    expect(await auth.verifySession(undefined, key)).toBeNull()
    expect(await auth.verifySession('x'.repeat(43), key)).toBeNull()
  })

  it('answers whether a session is still open, whichever process signed it out', async () => {
    const { auth, store, advance, client } = await setup()
    const { id, key } = await auth.startSession(client)
    const idHash = (await auth.verifySession(id, key))?.idHash ?? ''
    expect(await auth.isOpen(idHash)).toBe(true)
    await store.revokeSession(idHash, 1) // as another replica signing it out would
    expect(await auth.isOpen(idHash)).toBe(false)
    const idle = await auth.startSession(client)
    const idleHash = (await auth.verifySession(idle.id, idle.key))?.idHash ?? ''
    advance(SESSION_IDLE_MS)
    expect(await auth.isOpen(idleHash)).toBe(false)
    expect(await auth.isOpen('f'.repeat(64))).toBe(false)
  })

  it('proves a session only with its tab key: HMAC of the id under a random key kept in the store', async () => {
    const { auth, client } = await setup()
    const a = await auth.startSession(client)
    const b = await auth.startSession(client)
    expect(a.key).not.toBe(b.key)
    expect(await auth.verifySession(a.id, a.key)).not.toBeNull()
    expect(await auth.verifySession(a.id, b.key)).toBeNull()
    expect(await auth.verifySession(a.id, undefined)).toBeNull()
    expect(await auth.verifySession(a.id, '')).toBeNull()
  })

  it('never derives the tab key from the operator token', async () => {
    const sameId = () => Buffer.alloc(32, 1)
    const keyOf = async (token: string, secret: Buffer) => {
      const store = openSqliteStore({ stateDir: null, now: Date.now })
      await store.getOrCreateSecret('session_signing_key', () => secret)
      const auth = await createOperatorAuth({ token, store, now: Date.now, random: sameId })
      return auth.startSession({ address: null, userAgent: null })
    }
    const one = await keyOf(OPERATOR_TOKEN, Buffer.alloc(32, 2))
    expect(await keyOf(`${OPERATOR_TOKEN}-other`, Buffer.alloc(32, 2))).toEqual(one)
    expect((await keyOf(OPERATOR_TOKEN, Buffer.alloc(32, 3))).key).not.toBe(one.key)
  })

  it('makes its signing key once: 256 random bits in the store', async () => {
    const { store } = await setup()
    const key = await store.getOrCreateSecret('session_signing_key', () => Buffer.alloc(0))
    expect(key.length).toBe(32)
    expect(key.equals(Buffer.alloc(32))).toBe(false)
  })

  it('honours a login code once, for a day', async () => {
    const { auth, advance } = await setup()
    const once = await auth.createLoginCode()
    expect(await auth.consumeLoginCode(once)).toBe(true)
    expect(await auth.consumeLoginCode(once)).toBe(false)
    const late = await auth.createLoginCode()
    advance(24 * 3600_000 + 1)
    expect(await auth.consumeLoginCode(late)).toBe(false)
    expect(await auth.consumeLoginCode('../../etc')).toBe(false)
  })
})
