/**
 * Operator authentication (docs/api.md, "Sessions"; docs/operators.md). Each operator has a token
 * (the operator token is the admin named `admin`); a token, compared in constant time with every
 * operator's, names who is signing in. A sign-in, by token, by the one-time link or by single
 * sign-on, opens a session: a record in the state store, named by a random 256-bit id that the cookie
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
import type { Operator } from '@relay-console/shared/roles'
import { MIN_OPERATOR_TOKEN_LENGTH } from '../config/schema'
import type { SessionRecord, SessionStore, SessionVia } from '../state/store'

/** The session cookie over plain HTTP. */
export const SESSION_COOKIE = 'rc_session'
/** Over HTTPS: the `__Host-` prefix makes the browser refuse it unless Secure, host-only, and for `/`. */
export const SECURE_SESSION_COOKIE = '__Host-rc_session'
const SIGNING_KEY = 'session_signing_key'
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

/** An operator with a token: the operator token's `admin`, or one of the config's `operators`. */
export interface LocalOperator extends Operator {
  token: string
}

export interface OperatorAuth {
  /** The operator whose token this is, or null. Takes the same time whichever operator it is, or none. */
  identify(candidate: string): Operator | null
  /** A new session: `id` goes into the cookie and nowhere else; `key` to the page, once. */
  startSession(
    operator: Operator,
    via: SessionVia,
    client: ClientInfo,
  ): Promise<{ id: string; key: string; maxAgeSeconds: number }>
  /**
   * The open session this id names, if `key` is its tab key; else null. Slides its `lastSeenAt`.
   * A token's session has its operator's role as the config says now (none: the operator is gone).
   */
  verifySession(id: string | undefined, key: string | undefined): Promise<SessionRecord | null>
  /** Signs the session out for good (it stays so across restarts), and tells whoever watches it. */
  endSession(id: string | undefined): Promise<void>
  /** Signs out the session `idHash` (an admin revoking it); false when it was not open. */
  revokeSession(idHash: string): Promise<boolean>
  /** Signs out every session of the operator `name` (sign out everywhere); answers how many. */
  endSessionsOf(name: string): Promise<number>
  /** Every open session, latest sign-in first. */
  openSessions(): Promise<SessionRecord[]>
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
  /** The operator token: the admin named `admin`. */
  token: string
  /** Named operators from the config (docs/operators.md). */
  operators?: readonly LocalOperator[]
  store: SessionStore
  now: () => number
  /** Random bytes (node:crypto's by default). */
  random?: (size: number) => Buffer
}

/** The operator token's operator. */
export const ADMIN = 'admin'

const tokenDigest = (text: string) => createHmac('sha256', 'relay-console').update(text, 'utf8').digest()
const hashOf = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

export const sessionCookieName = (https: boolean) => (https ? SECURE_SESSION_COOKIE : SESSION_COOKIE)

export async function createOperatorAuth(options: OperatorAuthOptions): Promise<OperatorAuth> {
  const { store, now } = options
  const random = options.random ?? randomBytes
  const locals: LocalOperator[] = [{ name: ADMIN, role: 'admin', token: options.token }, ...(options.operators ?? [])]
  for (const local of locals) {
    if (local.token.length < MIN_OPERATOR_TOKEN_LENGTH) {
      throw new Error(`the token of operator ${local.name} needs at least ${MIN_OPERATOR_TOKEN_LENGTH} characters`)
    }
  }
  const names = new Set<string>()
  for (const { name } of locals) {
    if (names.has(name.toLowerCase())) throw new Error(`two operators are named ${name}`)
    names.add(name.toLowerCase())
  }
  const tokens = locals.map((local) => ({
    operator: { name: local.name, role: local.role },
    digest: tokenDigest(local.token),
  }))
  if (new Set(tokens.map((t) => t.digest.toString('hex'))).size !== tokens.length) {
    throw new Error('two operators have the same token; each needs their own')
  }
  const byName = new Map(locals.map((local) => [local.name, { name: local.name, role: local.role } satisfies Operator]))
  const failures = createSharedThrottle(store, now, LOGIN_THROTTLE)
  /** Open event streams by session, so that signing out ends them (docs/api.md, "Sessions"). */
  const watchers = new Map<string, Set<() => void>>()
  const signingKey = await store.getOrCreateSecret(SIGNING_KEY, () => random(32))
  const tabKey = (id: string) =>
    createHmac('sha256', signingKey).update(`relay-console tab key\0${id}`, 'utf8').digest('base64url')

  /**
   * The session as it stands now, or null when it can no longer open: revoked, expired, idle too
   * long, or a local operator's whom the config no longer has (their role is the config's).
   */
  const current = (session: SessionRecord | null): SessionRecord | null => {
    const t = now()
    if (session === null || session.revokedAt !== null) return null
    if (session.expiresAt <= t || session.lastSeenAt + SESSION_IDLE_MS <= t) return null
    if (session.via === 'oidc') return session
    const local = byName.get(session.operator)
    return local === undefined ? null : { ...session, role: local.role }
  }

  const open = async (id: string | undefined, key: string | undefined): Promise<SessionRecord | null> => {
    if (id === undefined || key === undefined || !SESSION_ID.test(id)) return null
    const expectedKey = Buffer.from(tabKey(id))
    const givenKey = Buffer.from(key)
    if (givenKey.length !== expectedKey.length || !timingSafeEqual(givenKey, expectedKey)) return null
    return current(await store.findSession(hashOf(id)))
  }

  const ended = (idHashes: readonly string[]) => {
    for (const idHash of idHashes) {
      const ending = watchers.get(idHash)
      watchers.delete(idHash)
      for (const onEnd of ending ?? []) onEnd()
    }
  }

  return {
    identify(candidate) {
      // Every digest is compared, whoever matches: the time says nothing about which token it was.
      const digest = tokenDigest(candidate)
      let found: Operator | null = null
      for (const entry of tokens) if (timingSafeEqual(digest, entry.digest)) found = entry.operator
      return found
    },
    async startSession(operator, via, client) {
      const t = now()
      await store.pruneSessions({ now: t, idleBefore: t - SESSION_IDLE_MS })
      const id = random(32).toString('base64url')
      await store.createSession({
        idHash: hashOf(id),
        operator: operator.name,
        role: operator.role,
        via,
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
      ended([idHash])
    },
    async revokeSession(idHash) {
      if (current(await store.findSession(idHash)) === null) return false
      await store.revokeSession(idHash, now())
      ended([idHash])
      return true
    },
    async endSessionsOf(name) {
      const idHashes = await store.revokeSessionsOf(name, now())
      ended(idHashes)
      return idHashes.length
    },
    async openSessions() {
      const t = now()
      const sessions = await store.openSessions({ now: t, idleBefore: t - SESSION_IDLE_MS })
      return sessions.flatMap((session) => current(session) ?? [])
    },
    async isOpen(idHash) {
      return current(await store.findSession(idHash)) !== null
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
