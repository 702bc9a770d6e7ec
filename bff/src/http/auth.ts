/**
 * Operator authentication (docs/api.md, "Sessions"). One operator token, compared in constant time,
 * opens a session: a record in the state store, named by a random 256-bit id that the cookie
 * carries and the store keeps only hashed. The cookie alone proves nothing: every request must
 * also carry the session's tab key, HMAC(signing key, id), which the page got at sign-in and keeps
 * in its origin's storage, where a service on another port of the same host (which does get the
 * cookie) cannot read it. The signing key is random, made once and kept in the store: nothing a
 * client holds is derived from the operator token, so nothing can be used to guess it offline.
 * `Authorization: Bearer <token>` works too. A one-time login link exchanges a single-use code
 * (kept hashed in the store) for a session.
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ThrottleOptions } from '@relay-console/shared/failure-throttle'
import type { SessionRecord, SessionStore } from '../state/store'

/** The session cookie over plain HTTP. */
export const SESSION_COOKIE = 'rc_session'
/** Over HTTPS: the `__Host-` prefix makes the browser refuse it unless Secure, host-only, and for `/`. */
export const SECURE_SESSION_COOKIE = '__Host-rc_session'
const SIGNING_KEY = 'session_signing_key'
/** docs/configuration.md, "Environment": shorter operator tokens are refused at start. */
export const MIN_OPERATOR_TOKEN_LENGTH = 32
/** A session unused this long is over. */
export const SESSION_IDLE_MS = 12 * 3600_000
/** A session is over this long after sign-in, however busy. */
export const SESSION_LIFETIME_MS = 7 * 24 * 3600_000
/** `lastSeenAt` is written at most this often per session, not on every request. */
const TOUCH_EVERY_MS = 60_000
const LOGIN_CODE_MS = 24 * 3600_000
/** 32 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/
const LOGIN_CODE = /^[A-Za-z0-9_-]{32}$/
const USER_AGENT_MAX = 300

/** Where a sign-in came from, kept with the session for the operator's own review. */
export interface ClientInfo {
  address: string | null
  userAgent: string | null
}

export interface OperatorAuth {
  checkToken(candidate: string): boolean
  /** A new session: `id` goes into the cookie and nowhere else; `key` to the page, once. */
  startSession(client: ClientInfo): Promise<{ id: string; key: string; maxAgeSeconds: number }>
  /** The open session this id names, if `key` is its tab key; else null. Slides its `lastSeenAt`. */
  verifySession(id: string | undefined, key: string | undefined): Promise<SessionRecord | null>
  /** Signs the session out for good (it stays so across restarts), and tells whoever watches it. */
  endSession(id: string | undefined): Promise<void>
  /** Calls `onEnd` when the session `idHash` is signed out; returns the way to stop watching. */
  watchSession(idHash: string, onEnd: () => void): () => void
  /** Whether the session `idHash` is still open (not signed out on any replica, not expired). */
  isOpen(idHash: string): Promise<boolean>
  /** A single-use code for a login link. */
  createLoginCode(): Promise<string>
  consumeLoginCode(code: string): Promise<boolean>
  /** Failed credentials by client, counted across every replica (docs/api.md, "Guards"). */
  readonly failures: SharedThrottle
}

export interface OperatorAuthOptions {
  token: string
  store: SessionStore
  now: () => number
  /** Random bytes (node:crypto's by default). */
  random?: (size: number) => Buffer
}

const tokenDigest = (text: string) => createHmac('sha256', 'relay-console').update(text, 'utf8').digest()
const hashOf = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

export const sessionCookieName = (https: boolean) => (https ? SECURE_SESSION_COOKIE : SESSION_COOKIE)

export async function createOperatorAuth(options: OperatorAuthOptions): Promise<OperatorAuth> {
  const { store, now } = options
  const random = options.random ?? randomBytes
  if (options.token.length < MIN_OPERATOR_TOKEN_LENGTH) {
    throw new Error(`the operator token needs at least ${MIN_OPERATOR_TOKEN_LENGTH} characters`)
  }
  const expected = tokenDigest(options.token)
  const failures = createSharedThrottle(store, now, LOGIN_THROTTLE)
  /** Open event streams by session, so that signing out ends them (docs/api.md, "Sessions"). */
  const watchers = new Map<string, Set<() => void>>()
  const signingKey = await store.getOrCreateSecret(SIGNING_KEY, () => random(32))
  const tabKey = (id: string) =>
    createHmac('sha256', signingKey).update(`relay-console tab key\0${id}`, 'utf8').digest('base64url')

  const open = async (id: string | undefined, key: string | undefined): Promise<SessionRecord | null> => {
    if (id === undefined || key === undefined || !SESSION_ID.test(id)) return null
    const expectedKey = Buffer.from(tabKey(id))
    const givenKey = Buffer.from(key)
    if (givenKey.length !== expectedKey.length || !timingSafeEqual(givenKey, expectedKey)) return null
    const session = await store.findSession(hashOf(id))
    const t = now()
    if (session === null || session.revokedAt !== null) return null
    if (session.expiresAt <= t || session.lastSeenAt + SESSION_IDLE_MS <= t) return null
    return session
  }

  return {
    checkToken: (candidate) => timingSafeEqual(tokenDigest(candidate), expected),
    async startSession(client) {
      const t = now()
      await store.pruneSessions({ now: t, idleBefore: t - SESSION_IDLE_MS })
      const id = random(32).toString('base64url')
      await store.createSession({
        idHash: hashOf(id),
        operator: 'admin',
        createdAt: t,
        lastSeenAt: t,
        expiresAt: t + SESSION_LIFETIME_MS,
        clientAddress: client.address,
        userAgent: client.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
      })
      return { id, key: tabKey(id), maxAgeSeconds: SESSION_LIFETIME_MS / 1000 }
    },
    async verifySession(id, key) {
      const session = await open(id, key)
      if (session === null) return null
      const t = now()
      if (t - session.lastSeenAt >= TOUCH_EVERY_MS) {
        await store.touchSession(session.idHash, t)
        return { ...session, lastSeenAt: t }
      }
      return session
    },
    async endSession(id) {
      if (id === undefined || !SESSION_ID.test(id)) return
      const idHash = hashOf(id)
      await store.revokeSession(idHash, now())
      const ending = watchers.get(idHash)
      watchers.delete(idHash)
      for (const onEnd of ending ?? []) onEnd()
    },
    async isOpen(idHash) {
      const session = await store.findSession(idHash)
      const t = now()
      return (
        session !== null &&
        session.revokedAt === null &&
        session.expiresAt > t &&
        session.lastSeenAt + SESSION_IDLE_MS > t
      )
    },
    watchSession(idHash, onEnd) {
      const set = watchers.get(idHash) ?? new Set()
      set.add(onEnd)
      watchers.set(idHash, set)
      return () => {
        set.delete(onEnd)
        if (set.size === 0 && watchers.get(idHash) === set) watchers.delete(idHash)
      }
    },
    async createLoginCode() {
      const code = random(24).toString('base64url')
      await store.createLoginCode({ codeHash: hashOf(code), expiresAt: now() + LOGIN_CODE_MS })
      return code
    },
    async consumeLoginCode(code) {
      return LOGIN_CODE.test(code) && (await store.consumeLoginCode(hashOf(code), now()))
    },
    failures,
  }
}

/** Ten failed credentials from one client in five minutes, and it waits. */
const LOGIN_THROTTLE: ThrottleOptions = { maxFailures: 10, windowMs: 5 * 60_000 }

/** Failures per client key, kept in the state store so that every replica counts every replica's. */
export interface SharedThrottle {
  /** Milliseconds until the client may try again, or 0 when it may try now. */
  retryAfterMs(key: string): Promise<number>
  recordFailure(key: string): Promise<void>
}

export function createSharedThrottle(
  store: Pick<SessionStore, 'recordAuthFailure' | 'authFailures'>,
  now: () => number,
  options: ThrottleOptions,
): SharedThrottle {
  return {
    async retryAfterMs(key) {
      const t = now()
      const times = await store.authFailures(key, t - options.windowMs, options.maxFailures)
      const oldest = times[options.maxFailures - 1]
      return oldest === undefined ? 0 : Math.max(1, oldest + options.windowMs - t)
    },
    recordFailure: (key) => {
      const t = now()
      return store.recordAuthFailure(key, t, t - options.windowMs)
    },
  }
}
