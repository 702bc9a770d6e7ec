/**
 * The console's HTTP surface: Hono only. Security headers on every response; guards first (source,
 * Host, body size, cross-site, media type, operator), then the API, the event stream, health,
 * metrics, and the built web app.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Clock } from '@relay-console/shared/clock'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { compress } from 'hono/compress'
import type { ClusterView } from '../cluster/ownership'
import type { EventsOptions } from '../config/schema'
import type { Log } from '../lib/log'
import type { Metrics } from '../lib/metrics'
import type { Maintenance } from '../maintenance/windows'
import type { Notifications } from '../notify/notifications'
import type { RelayIntents } from '../ops/intents'
import type { ChangeFeed } from '../state/change-feed'
import type { ConsoleState } from '../state/console-state'
import type { StateStore } from '../state/store'
import type { OperatorAuth } from './auth'
import { ApiError, errorBody, renderError } from './errors'
import type { EventHub } from './event-hub'
import { type AppEnv, crossSiteGuard, hostGuard, jsonBodyGuard, operatorGuard, roleGuard, sourceGuard } from './guards'
import type { SingleSignOn } from './oidc'
import { createProxyTrust } from './request-source'
import { bulkRoutes } from './routes/bulk'
import { maintenanceRoutes, notificationRoutes } from './routes/fleet-ops'
import { auditRoutes, instanceRoutes } from './routes/instances'
import { oidcRoutes } from './routes/oidc'
import { loginRoutes, sessionAdminRoutes, sessionRoutes } from './routes/session'
import { contentSecurityPolicy, inlineScriptHashes, securityHeaders, withStyleNonce } from './security-headers'
import { eventRoutes } from './sse'

export interface AppDeps {
  state: ConsoleState
  store: StateStore
  /** Where this process's view catches up with the store's change log. */
  feed: Pick<ChangeFeed, 'reach'>
  hub: EventHub
  intents: RelayIntents
  auth: OperatorAuth
  metrics: Metrics
  clock: Clock
  log: Log
  /** The port the server listens on (known after listen). */
  port: () => number
  allowedHosts: readonly string[]
  /** Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (config `trustProxy`). */
  trustProxy: readonly string[]
  /** The built web app (`web/dist`); null or missing serves a short notice instead. */
  webRoot: string | null
  events: EventsOptions
  /** Single sign-on, when the config has `oidc`; and the redirect URL it sets, if any. */
  sso?: { flow: SingleSignOn; redirectUrl: string | null } | null
  maintenance: Maintenance
  notifications: Notifications
  /** This replica's id, and the cluster as the database sees it (one process: itself alone). */
  cluster: { self: () => string | null; view: () => Promise<ClusterView> }
}

export const MAX_BODY_BYTES = 64 * 1024
/** A bulk request may name 10,000 instances: room for 10,000 ids of up to 64 characters. */
export const MAX_BULK_BODY_BYTES = 1024 * 1024
/** Routes whose bodies may list up to 10,000 instances. */
const BULK_PATHS = new Set(['/api/relay/bulk', '/api/maintenance'])

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { clock, metrics } = deps
  const app = new Hono<AppEnv>()
  // The app shell is read once, at start: its inline scripts' hashes go into the policy, and the
  // same bytes are what the console serves (docs/api.md, "Security headers").
  const webRoot = deps.webRoot !== null && existsSync(join(deps.webRoot, 'index.html')) ? deps.webRoot : null
  const shell = webRoot === null ? null : readFileSync(join(webRoot, 'index.html'), 'utf8')
  const scriptHashes = shell === null ? [] : inlineScriptHashes(shell)
  const headers = securityHeaders(scriptHashes)

  app.use('*', async (c, next) => {
    await next()
    for (const [name, value] of Object.entries(headers)) if (!c.res.headers.has(name)) c.header(name, value)
    // Nothing of the API or the login link may be kept by a cache (the answers carry sessions and keys).
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/auth/')) c.header('Cache-Control', 'no-store')
  })
  app.onError(renderError(deps.log))
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404))

  app.use('*', async (c, next) => {
    const started = performance.now()
    await next()
    const route = c.req.routePath === '/*' || c.req.routePath === '*' ? 'static' : c.req.routePath
    metrics.httpSeconds.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    )
  })
  app.use('*', sourceGuard(createProxyTrust(deps.trustProxy)))
  app.use('*', hostGuard(deps.port, deps.allowedHosts))
  const limitTo = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(413, 'body_too_large', `bodies are limited to ${maxSize / 1024} KB here`)
      },
    })
  const anyBody = limitTo(MAX_BODY_BYTES)
  const bulkBody = limitTo(MAX_BULK_BODY_BYTES)
  app.use('*', (c, next) => (BULK_PATHS.has(c.req.path) ? bulkBody(c, next) : anyBody(c, next)))
  app.use('*', crossSiteGuard)
  app.use('*', jsonBodyGuard)

  app.get('/healthz', (c) => {
    const replica = deps.cluster.self()
    return c.json(replica === null ? { status: 'ok' } : { status: 'ok', replica })
  })
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })

  app.route('/', loginRoutes(deps.auth))
  app.route('/', oidcRoutes(deps.auth, deps.sso?.flow ?? null, deps.sso?.redirectUrl ?? null))
  app.use('/api/*', operatorGuard(deps.auth))
  app.use('/api/*', roleGuard)
  app.route('/api/session', sessionRoutes(deps.auth))
  app.route('/api/sessions', sessionAdminRoutes(deps.auth))
  app.route('/api/instances', instanceRoutes(deps.state, deps.intents, deps.store))
  app.route('/api/audit', auditRoutes(deps.store))
  app.route('/api/relay', bulkRoutes(deps.state, deps.intents, deps.log))
  app.route(
    '/api/maintenance',
    maintenanceRoutes(deps.state, deps.maintenance, () => clock.now()),
  )
  app.route('/api/notifications', notificationRoutes(deps.notifications, deps.store))
  app.get('/api/cluster', async (c) => c.json(await deps.cluster.view()))
  app.route(
    '/api/events',
    eventRoutes({
      state: deps.state,
      hub: deps.hub,
      clock,
      metrics,
      pingIntervalMs: deps.events.pingIntervalMs,
      maxQueuedBytes: deps.events.maxClientBacklogBytes,
      headers,
      watchSession: deps.auth.watchSession,
      sessionOpen: deps.auth.isOpen,
      reach: deps.feed.reach,
    }),
  )
  app.all('/api/*', (c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404))

  if (webRoot === null || shell === null) {
    app.get('/*', (c) =>
      c.text(
        'Relay Console: the web app is not built. Run `npm run build --workspace web` (npm start does this).',
        503,
      ),
    )
  } else {
    app.use('/assets/*', async (c, next) => {
      await next()
      c.header('Cache-Control', 'public, max-age=31536000, immutable')
    })
    app.use('/*', compress())
    // The shell, with a fresh style nonce each time it is served; never cached, so never stale.
    const serveShell = (c: Context) => {
      const nonce = randomBytes(16).toString('base64')
      c.header('Content-Security-Policy', contentSecurityPolicy({ scriptHashes, styleNonce: nonce }))
      c.header('Cache-Control', 'no-store')
      return c.html(withStyleNonce(shell, nonce))
    }
    app.get('/', serveShell)
    app.get('/index.html', serveShell)
    app.use('/*', serveStatic({ root: webRoot }))
    // Client-side routes (e.g. /login) get the app shell.
    app.get('/*', serveShell)
  }
  return app
}
