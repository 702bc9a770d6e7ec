import { describe, expect, it } from 'vitest'
import { openSqliteStore } from '../state/sqlite-store'
import { OPERATOR_TOKEN } from '../test-support'
import { createOperatorAuth, type LocalOperator, SESSION_IDLE_MS, SESSION_LIFETIME_MS } from './auth'

const ADMIN_OPERATOR = { name: 'admin', role: 'admin' } as const
const ALICE: LocalOperator = { name: 'alice', role: 'viewer', token: 'a'.repeat(40) }
const BOB: LocalOperator = { name: 'bob', role: 'operator', token: 'b'.repeat(40) }

async function setup(operators: readonly LocalOperator[] = [ALICE, BOB]) {
  let t = 1_700_000_000_000
  const store = openSqliteStore({ stateDir: null, now: () => t })
  const auth = await createOperatorAuth({ token: OPERATOR_TOKEN, operators, store, now: () => t })
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

  it('names the operator whose token it is, and nobody for any other', async () => {
    const { auth } = await setup()
    expect(auth.identify(OPERATOR_TOKEN)).toEqual({ name: 'admin', role: 'admin' })
    expect(auth.identify(ALICE.token)).toEqual({ name: 'alice', role: 'viewer' })
    expect(auth.identify(BOB.token)).toEqual({ name: 'bob', role: 'operator' })
    for (const wrong of ['', `${ALICE.token}x`, ALICE.token.slice(1), 'c'.repeat(40)])
      expect(auth.identify(wrong)).toBeNull()
  })

  it('refuses operators that share a name or a token, or whose token is short', async () => {
    const store = openSqliteStore({ stateDir: null, now: Date.now })
    const make = (operators: LocalOperator[]) =>
      createOperatorAuth({ token: OPERATOR_TOKEN, operators, store, now: Date.now })
    await expect(make([ALICE, { ...BOB, name: 'Alice' }])).rejects.toThrow(/two operators are named Alice/)
    await expect(make([ALICE, { ...BOB, token: ALICE.token }])).rejects.toThrow(/same token/)
    await expect(make([{ ...BOB, token: OPERATOR_TOKEN }])).rejects.toThrow(/same token/)
    await expect(make([{ ...BOB, token: 'b'.repeat(31) }])).rejects.toThrow(/operator bob needs at least 32/)
    await expect(make([{ ...BOB, name: 'admin' }])).rejects.toThrow(/two operators are named admin/)
  })

  it("gives a token's session its operator's role from the config, and closes it once the operator is gone", async () => {
    let t = 1_700_000_000_000
    const store = openSqliteStore({ stateDir: null, now: () => t })
    const before = await createOperatorAuth({ token: OPERATOR_TOKEN, operators: [BOB], store, now: () => t })
    const { id, key } = await before.startSession({ name: 'bob', role: 'operator' }, 'token', {
      address: null,
      userAgent: null,
    })
    t += 1000
    // The console restarted with bob made a viewer, then without bob.
    const demoted = await createOperatorAuth({
      token: OPERATOR_TOKEN,
      operators: [{ ...BOB, role: 'viewer' }],
      store,
      now: () => t,
    })
    expect(await demoted.verifySession(id, key)).toMatchObject({ operator: 'bob', role: 'viewer', via: 'token' })
    const without = await createOperatorAuth({ token: OPERATOR_TOKEN, operators: [ALICE], store, now: () => t })
    expect(await without.verifySession(id, key)).toBeNull()
  })

  it("keeps a single sign-on session's role as the provider gave it at sign-in", async () => {
    const { auth, client } = await setup()
    const { id, key } = await auth.startSession({ name: 'carol@example.com', role: 'operator' }, 'oidc', client)
    expect(await auth.verifySession(id, key)).toMatchObject({
      operator: 'carol@example.com',
      role: 'operator',
      via: 'oidc',
    })
  })

  it('lists open sessions, revokes one, and signs one operator out everywhere, telling their streams', async () => {
    const { auth, client } = await setup()
    const a1 = await auth.startSession({ name: 'alice', role: 'viewer' }, 'token', client)
    const a2 = await auth.startSession({ name: 'alice', role: 'viewer' }, 'token', client)
    const b = await auth.startSession({ name: 'bob', role: 'operator' }, 'token', client)
    const hashOf = async (s: { id: string; key: string }) => (await auth.verifySession(s.id, s.key))?.idHash ?? ''
    const [a1Hash, a2Hash, bHash] = [await hashOf(a1), await hashOf(a2), await hashOf(b)]
    expect((await auth.openSessions()).map((s) => s.operator).sort()).toEqual(['alice', 'alice', 'bob'])
    const ended: string[] = []
    auth.watchSession(a1Hash, () => ended.push('a1'))
    auth.watchSession(bHash, () => ended.push('b'))
    expect(await auth.revokeSession(bHash)).toBe(true)
    expect(await auth.revokeSession(bHash)).toBe(false)
    expect(await auth.verifySession(b.id, b.key)).toBeNull()
    expect(await auth.endSessionsOf('alice')).toBe(2)
    expect(ended).toEqual(['b', 'a1'])
    expect(await auth.isOpen(a2Hash)).toBe(false)
    expect(await auth.openSessions()).toEqual([])
  })

  it('keeps a session open while it is used, and closes it after 12 hours idle', async () => {
    const { auth, advance, client } = await setup()
    const { id, key } = await auth.startSession(ADMIN_OPERATOR, 'token', client)
    for (let i = 0; i < 10; i++) {
      advance(SESSION_IDLE_MS - 60_000)
      expect(await auth.verifySession(id, key), `use ${i}`).not.toBeNull()
    }
    advance(SESSION_IDLE_MS)
    expect(await auth.verifySession(id, key)).toBeNull()
  })

  it('closes a session 7 days after sign-in, however busy', async () => {
    const { auth, advance, client } = await setup()
    const { id, key, maxAgeSeconds } = await auth.startSession(ADMIN_OPERATOR, 'token', client)
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
    const { id, key } = await auth.startSession(ADMIN_OPERATOR, 'token', { ...client, userAgent: 'u'.repeat(1000) })
    const session = await auth.verifySession(id, key)
    expect(session).toMatchObject({ operator: 'admin', clientAddress: '127.0.0.1', revokedAt: null })
    expect(session?.idHash).not.toContain(id)
    expect(session?.userAgent?.length).toBe(300)
    expect(await store.findSession(session?.idHash ?? '')).not.toBeNull()
  })

  it('writes lastSeenAt at most once a minute', async () => {
    const { auth, store, advance, client } = await setup()
    const { id, key } = await auth.startSession(ADMIN_OPERATOR, 'token', client)
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
    const { id, key } = await auth.startSession(ADMIN_OPERATOR, 'token', client)
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
    const { id, key } = await auth.startSession(ADMIN_OPERATOR, 'token', client)
    const idHash = (await auth.verifySession(id, key))?.idHash ?? ''
    expect(await auth.isOpen(idHash)).toBe(true)
    await store.revokeSession(idHash, 1) // as another replica signing it out would
    expect(await auth.isOpen(idHash)).toBe(false)
    const idle = await auth.startSession(ADMIN_OPERATOR, 'token', client)
    const idleHash = (await auth.verifySession(idle.id, idle.key))?.idHash ?? ''
    advance(SESSION_IDLE_MS)
    expect(await auth.isOpen(idleHash)).toBe(false)
    expect(await auth.isOpen('f'.repeat(64))).toBe(false)
  })

  it('proves a session only with its tab key: HMAC of the id under a random key kept in the store', async () => {
    const { auth, client } = await setup()
    const a = await auth.startSession(ADMIN_OPERATOR, 'token', client)
    const b = await auth.startSession(ADMIN_OPERATOR, 'token', client)
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
      return auth.startSession(ADMIN_OPERATOR, 'token', { address: null, userAgent: null })
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
