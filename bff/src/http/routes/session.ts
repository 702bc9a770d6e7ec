/**
 * Signing in and out: `POST /api/session {token}`, `GET|DELETE /api/session`, sign out everywhere,
 * the one-time login link `GET /auth/link/:code`, and the admins' list of everyone's sessions
 * (docs/api.md, "Sessions"; docs/operators.md).
 * @module
 */
import {
  SessionBodySchema,
  type SessionInfo,
  type SessionList,
  type SessionStarted,
  TAB_KEY_PARAM,
} from '@relay-console/shared/api'
import type { Operator } from '@relay-console/shared/roles'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import type { SessionVia } from '../../state/store'
import { ADMIN, type OperatorAuth, sessionCookieName } from '../auth'
import { ApiError, readJson } from '../errors'
import { type AppEnv, clientKey, countFailure, isHttps, readSessionCookie } from '../guards'

/** Sets the session cookie and answers the tab key, which the caller hands to the page once. */
export async function startSession(
  c: Context<AppEnv>,
  auth: OperatorAuth,
  operator: Operator,
  via: SessionVia,
): Promise<string> {
  const https = isHttps(c)
  const session = await auth.startSession(operator, via, {
    address: clientKey(c),
    userAgent: c.req.header('user-agent') ?? null,
  })
  setCookie(c, sessionCookieName(https), session.id, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: https,
    path: '/',
    maxAge: session.maxAgeSeconds,
  })
  c.header('Cache-Control', 'no-store')
  return session.key
}

/** `POST /api/session` (no auth needed) and the login link. */
export function loginRoutes(auth: OperatorAuth): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.post('/api/session', async (c) => {
    const { token } = await readJson(c, SessionBodySchema)
    // The right token always signs in, however many failures its address has (docs/api.md, "Guards").
    const operator = auth.identify(token)
    if (operator !== null) {
      return c.json({ key: await startSession(c, auth, operator, 'token') } satisfies SessionStarted)
    }
    await countFailure(auth, clientKey(c))
    throw new ApiError(401, 'invalid_token', 'that operator token is not valid')
  })

  app.get('/auth/link/:code', async (c) => {
    c.header('Cache-Control', 'no-store')
    if (!(await auth.consumeLoginCode(c.req.param('code')))) return c.redirect('/login?link=invalid', 303)
    // The link is printed for the operator token's admin. The fragment never leaves the browser:
    // no server, log or Referer sees the key.
    const key = await startSession(c, auth, { name: ADMIN, role: 'admin' }, 'link')
    return c.redirect(`/#${TAB_KEY_PARAM}=${key}`, 303)
  })

  return app
}

const clearCookie = (c: Context<AppEnv>) => {
  const https = isHttps(c)
  deleteCookie(c, sessionCookieName(https), { path: '/', secure: https, httpOnly: true, sameSite: 'Strict' })
}

/** `/api/session`: one's own session, behind the operator guard. */
export function sessionRoutes(auth: OperatorAuth): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/', (c) => {
    const via = c.get('caller') === 'bearer' ? 'bearer' : (c.get('sessionVia') ?? 'token')
    return c.json({ authenticated: true, operator: c.get('operator'), via } satisfies SessionInfo)
  })
  app.delete('/', async (c) => {
    await auth.endSession(readSessionCookie(c))
    clearCookie(c)
    return c.body(null, 204)
  })
  app.post('/sign-out-everywhere', async (c) => {
    const ended = await auth.endSessionsOf(c.get('operator').name)
    clearCookie(c)
    return c.json({ ended })
  })
  return app
}

/** `/api/sessions`: every operator's open sessions, and revoking one (admins). */
export function sessionAdminRoutes(auth: OperatorAuth): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/', async (c) => {
    const self = c.get('sessionIdHash')
    const sessions = (await auth.openSessions()).map((s) => ({
      id: s.idHash,
      operator: { name: s.operator, role: s.role },
      via: s.via,
      createdAt: new Date(s.createdAt).toISOString(),
      lastSeenAt: new Date(s.lastSeenAt).toISOString(),
      clientAddress: s.clientAddress,
      userAgent: s.userAgent,
      current: s.idHash === self,
    }))
    return c.json({ sessions } satisfies SessionList)
  })
  app.delete('/:id', async (c) => {
    const id = c.req.param('id')
    if (!/^[0-9a-f]{64}$/.test(id) || !(await auth.revokeSession(id))) {
      throw new ApiError(404, 'unknown_session', 'no open session with that id')
    }
    return c.body(null, 204)
  })
  return app
}
