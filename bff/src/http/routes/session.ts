/**
 * Logging in and out: `POST /api/session {token}`, `GET|DELETE /api/session`, and the one-time
 * login link `GET /auth/link/:code` (docs/api.md, "Sessions").
 * @module
 */
import { SessionBodySchema, type SessionStarted, TAB_KEY_PARAM } from '@relay-console/shared/api'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import { type OperatorAuth, sessionCookieName } from '../auth'
import { ApiError, readJson } from '../errors'
import { type AppEnv, clientKey, countFailure, isHttps, readSessionCookie } from '../guards'

/** Sets the session cookie and answers the tab key, which the caller hands to the page once. */
async function startSession(c: Context<AppEnv>, auth: OperatorAuth): Promise<string> {
  const https = isHttps(c)
  const session = await auth.startSession({ address: clientKey(c), userAgent: c.req.header('user-agent') ?? null })
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
    if (auth.checkToken(token)) return c.json({ key: await startSession(c, auth) } satisfies SessionStarted)
    await countFailure(auth, clientKey(c))
    throw new ApiError(401, 'invalid_token', 'that operator token is not valid')
  })

  app.get('/auth/link/:code', async (c) => {
    c.header('Cache-Control', 'no-store')
    if (!(await auth.consumeLoginCode(c.req.param('code')))) return c.redirect('/login?link=invalid', 303)
    // The fragment never leaves the browser: no server, log or Referer sees the key.
    return c.redirect(`/#${TAB_KEY_PARAM}=${await startSession(c, auth)}`, 303)
  })

  return app
}

/** `GET /api/session` and `DELETE /api/session`, behind the operator guard. */
export function sessionRoutes(auth: OperatorAuth): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/', (c) => c.json({ authenticated: true, via: c.get('caller') }))
  app.delete('/', async (c) => {
    const https = isHttps(c)
    await auth.endSession(readSessionCookie(c))
    deleteCookie(c, sessionCookieName(https), { path: '/', secure: https, httpOnly: true, sameSite: 'Strict' })
    return c.body(null, 204)
  })
  return app
}
