/**
 * Request guards that run before any route: where the request comes from (believing a proxy's
 * forwarding headers only from `trustProxy`), the Host allow-list (against DNS rebinding), the
 * cross-site check for every state-changing request, the JSON-only body check, and operator
 * authentication for `/api` with its failed-login throttle.
 * @module
 */
import { TAB_KEY_HEADER, TAB_KEY_PARAM } from '@relay-console/shared/api'
import { type Operator, roleAllows } from '@relay-console/shared/roles'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import type { SessionVia } from '../state/store'
import { requiredAccess } from './access'
import { type OperatorAuth, sessionCookieName } from './auth'
import { ApiError } from './errors'
import { type ProxyTrust, type RequestSource, requestSource } from './request-source'

export type Caller = 'session' | 'bearer'
/** What the guards leave on the context for the routes. */
export type AppEnv = {
  Variables: {
    caller: Caller
    /** Who is asking, and their role (set by the operator guard). */
    operator: Operator
    source: RequestSource
    /** The session's stored id hash, when the caller is a session. */
    sessionIdHash?: string
    /** How the session was opened, when the caller is a session. */
    sessionVia?: SessionVia
  }
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Accepts loopback names on the listening port, and whatever the operator configured. */
export function hostGuard(port: () => number, allowedHosts: readonly string[]): MiddlewareHandler {
  const extra = new Set(allowedHosts.map((h) => h.toLowerCase()))
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase()
    const [name, hostPort] = splitHost(host)
    const loopback =
      LOOPBACK_NAMES.includes(name) && (hostPort === String(port()) || (hostPort === '' && port() === 80))
    if (!loopback && !extra.has(host) && !extra.has(name)) {
      throw new ApiError(421, 'unknown_host', 'this console does not answer for that Host; add it to allowedHosts')
    }
    await next()
  }
}

function splitHost(host: string): [string, string] {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host)
  return [match?.[1] ?? host, match?.[2] ?? '']
}

/** Runs first: the client's address and scheme, for every guard and route after it. */
export function sourceGuard(trusted: ProxyTrust): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const env = c.env as { incoming?: { socket?: { remoteAddress?: string; encrypted?: boolean } } } | undefined
    const socket = env?.incoming?.socket
    c.set(
      'source',
      requestSource(
        {
          peer: socket?.remoteAddress,
          // From the socket: a request line may name an absolute `https://` URL over plain HTTP.
          // Without a socket (in-process requests), the URL is all there is.
          tls: socket === undefined ? new URL(c.req.url).protocol === 'https:' : socket.encrypted === true,
          forwardedFor: c.req.header('x-forwarded-for'),
          forwardedProto: c.req.header('x-forwarded-proto'),
        },
        trusted,
      ),
    )
    await next()
  }
}

/** The client's address: the key failed logins are counted under. */
export function clientKey(c: Context<AppEnv>): string {
  return c.get('source').address
}

export function isHttps(c: Context<AppEnv>): boolean {
  return c.get('source').https
}

/** The console's own origin, as the browser sees it. */
export function ownOrigin(c: Context<AppEnv>): string {
  return `${isHttps(c) ? 'https' : 'http'}://${c.req.header('host') ?? ''}`
}

/** PUT/POST/DELETE from another site are refused, whatever the credentials. */
export const crossSiteGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method)) {
    const origin = c.req.header('origin')
    if (origin !== undefined && origin !== ownOrigin(c)) {
      throw new ApiError(403, 'cross_origin', 'requests that change state must come from the console itself')
    }
    if (c.req.header('sec-fetch-site') === 'cross-site') {
      throw new ApiError(403, 'cross_origin', 'requests that change state must come from the console itself')
    }
  }
  await next()
}

const BODY_METHODS = new Set(['PUT', 'POST'])

/**
 * A PUT or POST body must be `application/json` (parameters allowed): no form or `text/plain` body
 * reaches a route, so nothing a plain HTML form can send changes state (docs/api.md, "Guards").
 * A request without a body (no Content-Type, nothing to read) goes on to the route.
 */
export const jsonBodyGuard: MiddlewareHandler = async (c, next) => {
  if (BODY_METHODS.has(c.req.method)) {
    const type = c.req.header('content-type')
    const hasBody = c.req.header('transfer-encoding') !== undefined || Number(c.req.header('content-length') ?? '0') > 0
    const mediaType = type?.split(';', 1)[0]?.trim().toLowerCase()
    if (type === undefined ? hasBody : mediaType !== 'application/json') {
      throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json')
    }
  }
  await next()
}

/** The session id from the cookie this scheme uses (`__Host-rc_session` over HTTPS, else `rc_session`). */
export function readSessionCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, sessionCookieName(isHttps(c)))
}

/**
 * The session's tab key: the header, or on the event stream alone (an EventSource cannot set
 * headers) the `k` query parameter. The query is never logged: logs and metrics name the path only.
 */
function readTabKey(c: Context): string | undefined {
  const header = c.req.header(TAB_KEY_HEADER)
  if (header !== undefined) return header
  return c.req.method === 'GET' && c.req.path === '/api/events' ? c.req.query(TAB_KEY_PARAM) : undefined
}

/**
 * Every `/api` route but the login itself needs the operator: a session cookie with its tab key
 * (docs/api.md, "Sessions"), or the bearer token. A valid credential always passes; only a wrong
 * bearer counts as a failure (and is refused 429 while its address is blocked).
 */
export function operatorGuard(auth: OperatorAuth): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = await auth.verifySession(readSessionCookie(c), readTabKey(c))
    if (session !== null) {
      c.set('caller', 'session')
      c.set('sessionIdHash', session.idHash)
      c.set('sessionVia', session.via)
      c.set('operator', { name: session.operator, role: session.role })
      return next()
    }
    const header = c.req.header('authorization')
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header)
      const operator = match?.[1] === undefined ? null : auth.identify(match[1])
      if (operator !== null) {
        c.set('caller', 'bearer')
        c.set('operator', operator)
        return next()
      }
      await countFailure(auth, clientKey(c))
    }
    throw new ApiError(401, 'unauthenticated', 'log in with your operator token')
  }
}

/**
 * After the operator guard: the caller's role must allow the route (docs/operators.md, "Roles").
 * 403 `forbidden` names what the role cannot do.
 */
export const roleGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { role } = c.get('operator')
  const access = requiredAccess(c.req.method, c.req.path)
  if (!roleAllows(role, access.role)) {
    throw new ApiError(403, 'forbidden', `${ROLE_PLURAL[role]} can't ${access.what}`)
  }
  await next()
}

const ROLE_PLURAL = { viewer: 'Viewers', operator: 'Operators', admin: 'Admins' } as const

/**
 * A wrong credential from `key`: counted, or, once the address has failed too often, refused with
 * 429 and `Retry-After` (docs/api.md, "Guards"). Only failures are slowed: the right credential is
 * checked before this and never held back, so no process that shares the address (every local one
 * on a loopback console) can lock the operator out by failing on purpose. A success does not wipe
 * the count either, or an attacker could interleave the operator's own requests to reset it.
 */
export async function countFailure(auth: OperatorAuth, key: string): Promise<void> {
  const wait = await auth.failures.retryAfterMs(key)
  if (wait > 0) {
    throw new ApiError(429, 'too_many_attempts', 'too many failed logins; try again later', {
      'Retry-After': String(Math.ceil(wait / 1000)),
    })
  }
  await auth.failures.recordFailure(key)
}
