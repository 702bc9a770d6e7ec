/**
 * The reference relay connector as a library: `startConnector()` listens, and returns its URLs
 * and a `stop()`. The BFF's embedded default, the tests and the CLI all start it this way.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { type Clock, systemClock } from '@relay-console/shared/clock'
import { createFailureThrottle, DEFAULT_THROTTLE, type ThrottleOptions } from '@relay-console/shared/failure-throttle'
import { CLOSE_GOING_AWAY, CLOSE_UNAUTHORIZED } from '@relay-console/shared/relay/close-codes'
import { DEFAULT_SKEW_SECONDS } from '@relay-console/shared/relay/token'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Logger } from 'pino'
import { createDemoTraffic } from './demo-traffic'
import { createIdentityVerifier } from './identity'
import { createLogger } from './log'
import { createRelayServer } from './relay-server'
import { adminRoutes } from './routes/admin'
import { createAuthFailures, hostGuard, loopbackOnly } from './routes/guards'
import { errorResponse } from './routes/http-errors'
import { manageRoutes } from './routes/manage'
import { relayRoutes } from './routes/relay'
import { openStore } from './store'

export type { UpgradeStats } from './relay-server'
export type { AdminInstanceView } from './routes/admin'

export interface ConnectorOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0: an ephemeral port. */
  port?: number
  /** Where the store lives; null keeps it in memory (gone at stop). */
  dataDir: string | null
  /** Bearer for `/admin/*`; generated when absent. */
  adminToken?: string
  /** Operator identity tokens → tenant; one is generated for tenant `default` when absent. */
  identityTokens?: Record<string, string>
  skewSeconds?: number
  pingIntervalMs?: number
  pongTimeoutMs?: number
  /** How long an unacked inbound waits on a live socket before it is sent again. */
  redeliverAfterMs?: number
  throttle?: ThrottleOptions
  /** Failed authentications on the HTTP routes (identity, admin and deprovision bearers), per client. */
  authThrottle?: ThrottleOptions
  /**
   * More `Host` values the admin API and provisioning answer for, besides loopback names on the
   * listening port: `name` (any port) or `name:port`.
   */
  allowedHosts?: readonly string[]
  /** Start demo inbound traffic at this interval. */
  demoTrafficMs?: number | null
  clock?: Clock
  logger?: Logger
}

export interface RunningConnector {
  /** `ws://host:port` — give this to a gateway; it appends `/relay`. */
  url: string
  httpUrl: string
  port: number
  adminToken: string
  identityTokens: Record<string, string>
  stop(): Promise<void>
}

export const generateToken = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`

export async function startConnector(options: ConnectorOptions): Promise<RunningConnector> {
  const clock = options.clock ?? systemClock
  const log = options.logger ?? createLogger()
  const now = () => clock.now()
  const skewSeconds = options.skewSeconds ?? DEFAULT_SKEW_SECONDS
  const adminToken = options.adminToken ?? generateToken('adm')
  const identityTokens = options.identityTokens ?? { [generateToken('idt')]: 'default' }
  const store = openStore(options.dataDir, now)
  const relay = createRelayServer({
    store,
    clock,
    log,
    throttle: createFailureThrottle(options.throttle ?? DEFAULT_THROTTLE),
    skewSeconds,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    pongTimeoutMs: options.pongTimeoutMs ?? 60_000,
    redeliverAfterMs: options.redeliverAfterMs ?? 10_000,
  })
  const demo = createDemoTraffic(relay, clock)
  if (options.demoTrafficMs != null) demo.start(options.demoTrafficMs)

  const revoke = (gatewayId: string) => {
    store.revoke(gatewayId)
    relay.closeGateway(gatewayId, CLOSE_UNAUTHORIZED, 'revoked')
  }

  const failures = createAuthFailures(createFailureThrottle(options.authThrottle ?? DEFAULT_THROTTLE), now)
  const host = options.host ?? '127.0.0.1'
  let listeningPort = 0

  const app = new Hono()
  app.onError(errorResponse)
  app.notFound((c) => c.json({ error: 'not found' }, 404))
  // The routes a browser could be tricked into calling (DNS rebinding) answer known Hosts only; the
  // /relay upgrade, /manage/deprovision and /healthz answer whatever name a peer dialled.
  const knownHosts = hostGuard({
    port: () => listeningPort,
    listenHost: host,
    allowedHosts: options.allowedHosts ?? [],
  })
  app.use('/admin/*', loopbackOnly, knownHosts)
  app.use('/relay/*', knownHosts)
  const tooLarge = (c: Context) => c.json({ error: 'body too large' }, 413)
  const smallBodies = bodyLimit({ maxSize: 64 * 1024, onError: tooLarge })
  // The admin API (loopback, admin token) takes bulk bodies: seeding thousands of gateways at once.
  const adminBodies = bodyLimit({ maxSize: 8 * 1024 * 1024, onError: tooLarge })
  app.use('*', (c, next) => (c.req.path.startsWith('/admin/') ? adminBodies(c, next) : smallBodies(c, next)))
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.route('/relay', relayRoutes({ store, identity: createIdentityVerifier(identityTokens), log, now, failures }))
  app.route('/manage', manageRoutes({ store, log, now, skewSeconds, revoke, failures }))
  app.route('/admin', adminRoutes({ store, relay, demo, adminToken, log, now, revoke, failures }))

  const server = createAdaptorServer({ fetch: app.fetch })
  server.on('upgrade', (req, socket, head) => relay.handleUpgrade(req, socket, head))

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  listeningPort = port
  const urlHost = host.includes(':') ? `[${host}]` : host
  log.info({ port }, 'relay connector listening')

  let stopped: Promise<void> | null = null
  return {
    url: `ws://${urlHost}:${port}`,
    httpUrl: `http://${urlHost}:${port}`,
    port,
    adminToken,
    identityTokens,
    stop() {
      stopped ??= (async () => {
        demo.stop()
        relay.setPaused(true)
        relay.dropAll(CLOSE_GOING_AWAY, 'connector shutting down')
        // Let the close frames reach the gateways, then cut whatever is left.
        const deadline = Date.now() + 500
        while (relay.sessions().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
        relay.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
        })
        store.close()
      })()
      return stopped
    },
  }
}
