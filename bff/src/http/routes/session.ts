/**
 * Logging in and out: `POST /api/session {token}`, `GET|DELETE /api/session`, and the one-time
 * login link `GET /auth/link/:code`.
 * @module
 */
import { SessionBodySchema } from '@relay-console/shared/api'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { type OperatorAuth, SESSION_COOKIE } from '../auth'
import { ApiError, readJson } from '../errors'
import { type Caller, clientKey, isHttps, throttle } from '../guards'

function startSession(c: Context, auth: OperatorAuth): void {
  const session = auth.startSession({ address: clientKey(c), userAgent: c.req.header('user-agent') ?? null })
  setCookie(c, SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    path: '/',
    maxAge: session.maxAgeSeconds,
  })
}

/** `POST /api/session` (no auth needed) and the login link. */
export function loginRoutes(auth: OperatorAuth, now: () => number): Hono {
  const app = new Hono()

  app.post('/api/session', async (c) => {
    const key = clientKey(c)
    throttle(auth, key, now)
    const { token } = await readJson(c, SessionBodySchema)
    if (!auth.checkToken(token)) {
      auth.failures.recordFailure(key, now())
      throw new ApiError(401, 'invalid_token', 'that operator token is not valid')
    }
    auth.failures.recordSuccess(key)
    startSession(c, auth)
    return c.body(null, 204)
  })

  app.get('/auth/link/:code', (c) => {
    if (!auth.consumeLoginCode(c.req.param('code'))) return c.redirect('/login?link=invalid', 303)
    startSession(c, auth)
    return c.redirect('/', 303)
  })

  return app
}

/** `GET /api/session` and `DELETE /api/session`, behind the operator guard. */
export function sessionRoutes(auth: OperatorAuth): Hono<{ Variables: { caller: Caller } }> {
  const app = new Hono<{ Variables: { caller: Caller } }>()
  app.get('/', (c) => c.json({ authenticated: true, via: c.get('caller') }))
  app.delete('/', (c) => {
    auth.endSession(getCookie(c, SESSION_COOKIE))
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c), httpOnly: true, sameSite: 'Strict' })
    return c.body(null, 204)
  })
  return app
}
