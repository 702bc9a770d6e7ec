/**
 * Single sign-on's routes (docs/operators.md, "Single sign-on"), outside `/api` because they are
 * browser navigations, not API calls: what the login page can offer, leaving for the provider, and
 * coming back from it with a session.
 * @module
 */
import { type LoginOptions, TAB_KEY_PARAM } from '@relay-console/shared/api'
import { Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { OperatorAuth } from '../auth'
import { type AppEnv, isHttps, ownOrigin } from '../guards'
import { PENDING_MS, type SingleSignOn } from '../oidc'
import { startSession } from './session'

/** The cookie that carries the sealed pending sign-in. Lax: the provider's redirect back is a cross-site navigation. */
const PENDING_COOKIE = 'rc_oidc'
const CALLBACK_PATH = '/auth/oidc/callback'

export function oidcRoutes(auth: OperatorAuth, sso: SingleSignOn | null, redirectUrl: string | null): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/auth/options', (c) => {
    const options: LoginOptions = {
      sso: sso === null ? null : { name: sso.displayName, available: sso.available() },
    }
    return c.json(options)
  })

  if (sso === null) return app

  const cookieOptions = (https: boolean) => ({
    httpOnly: true,
    secure: https,
    sameSite: 'Lax' as const,
    path: '/auth/oidc',
  })

  app.get('/auth/oidc/start', async (c) => {
    c.header('Cache-Control', 'no-store')
    const begun = await sso.begin(redirectUrl ?? `${ownOrigin(c)}${CALLBACK_PATH}`)
    if (begun === null) return c.redirect('/login?sso=unavailable', 303)
    setCookie(c, PENDING_COOKIE, begun.pending, { ...cookieOptions(isHttps(c)), maxAge: PENDING_MS / 1000 })
    return c.redirect(begun.url, 303)
  })

  app.get(CALLBACK_PATH, async (c) => {
    c.header('Cache-Control', 'no-store')
    const outcome = await sso.finish(new URL(c.req.url), getCookie(c, PENDING_COOKIE))
    deleteCookie(c, PENDING_COOKIE, cookieOptions(isHttps(c)))
    if (outcome.kind === 'failed') return c.redirect(`/login?sso=${outcome.reason}`, 303)
    // As with the login link: the tab key goes in the fragment, which never leaves the browser.
    const key = await startSession(c, auth, outcome.operator, 'oidc')
    return c.redirect(`/#${TAB_KEY_PARAM}=${key}`, 303)
  })

  return app
}
