/**
 * The admin API, for tests, demos and benchmarks: loopback callers with the admin token only.
 * The loopback and Host checks run before it (`connector.ts`); a client whose admin tokens keep
 * failing is throttled. See connector/README.md for every route.
 * @module
 */
import { Hono } from 'hono'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { DemoTraffic } from '../demo-traffic'
import { secretsEqual } from '../identity'
import type { RelayServer } from '../relay-server'
import type { ConnectorStore, GatewayRecord } from '../store'
import { bearerToken } from '../verify'
import { type AuthFailures, clientAddress } from './guards'
import { fail, readBody } from './http-errors'

/** A code a close frame may carry (RFC 6455 §7.4), or 1006: drop the socket without a frame. */
const CloseCode = z
  .number()
  .int()
  .refine(
    (code) => (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005) || (code >= 3000 && code <= 4999),
    'must be 1000–1014 (not 1004 or 1005) or 3000–4999; 1006 drops the socket without a close frame',
  )
const Reason = z.string().max(120)

const CloseBody = z.object({ code: CloseCode.default(1011), reason: Reason.default('closed by admin') })
const RejectBody = z.object({
  gatewayId: z.string().min(1).nullable().default(null),
  count: z.number().int().min(1).max(1_000_000),
  code: CloseCode.default(4401),
  reason: Reason.default('unauthorized'),
  httpStatus: z.number().int().min(400).max(599).nullable().default(null),
})
const ClearRejectBody = z.object({ gatewayId: z.string().min(1).nullable().default(null) })
const DemoBody = z.object({ enabled: z.boolean(), intervalMs: z.number().int().min(10).max(3_600_000).default(2000) })
const SeedBody = z.object({
  gatewayId: z.string().trim().min(1).max(200),
  secret: z.string().refine((s) => s.trim() !== '', 'secret must not be blank'),
  tenant: z.string().min(1).default('default'),
  displayName: z.string().max(64).optional(),
  platforms: z.array(z.object({ platform: z.string().min(1), botId: z.string().default('') })).default([]),
})
const EnrollmentBody = z.object({
  tenant: z.string().min(1).default('default'),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(3600),
})
const InboundBody = z.object({ event: z.record(z.string(), z.unknown()) })
const BulkSeedBody = z.object({
  tenant: z.string().min(1).default('default'),
  instances: z
    .array(
      z.object({
        gatewayId: z.string().trim().min(1).max(200),
        secret: z.string().refine((s) => s.trim() !== '', 'secret must not be blank'),
        platforms: z.array(z.object({ platform: z.string().min(1), botId: z.string().default('') })).default([]),
      }),
    )
    .max(20_000),
})
const CloseManyBody = z.object({
  gatewayIds: z.array(z.string().min(1)).max(20_000),
  code: CloseCode.default(1011),
  reason: Reason.default('closed by admin'),
})
const FaultsBody = z.object({
  silentHellos: z.boolean().default(false),
  descriptors: z.record(z.string(), z.unknown()).default({}),
  helloDelayMs: z.number().int().min(0).max(600_000).default(0),
})

export interface AdminRouteDeps {
  store: ConnectorStore
  relay: RelayServer
  demo: DemoTraffic
  adminToken: string
  log: Logger
  now: () => number
  revoke: (gatewayId: string) => void
  failures: AuthFailures
}

/** An instance as the admin API lists it: state, counters, and a fingerprint — never a secret. */
function describe(record: GatewayRecord, relay: RelayServer) {
  const sessions = relay.sessions(record.gatewayId)
  return {
    gatewayId: record.gatewayId,
    tenant: record.tenant,
    instanceId: record.instanceId,
    displayName: record.displayName,
    revoked: record.revoked,
    revokedAt: record.revokedAt,
    secretVersion: record.secretVersion,
    platforms: record.platforms,
    // The live socket only (0 or 1): one a newer socket superseded is not counted while it closes.
    connections: sessions.length,
    peakConnections: relay.peakOpen(record.gatewayId),
    supersededTotal: relay.superseded(record.gatewayId),
    connected: sessions.some((s) => s.handshaken),
    hellos: sessions.flatMap((s) => [...s.hellos.keys()]),
    upgrades: relay.stats(record.gatewayId),
    inboundBacklog: relay.backlog(record.gatewayId),
    faults: relay.faults(record.gatewayId),
  }
}

/** What `GET /admin/instances/:gatewayId` answers (and each entry of `GET /admin/instances`). */
export type AdminInstanceView = ReturnType<typeof describe>

export function adminRoutes(deps: AdminRouteDeps): Hono {
  const { store, relay, demo, log } = deps
  const app = new Hono()

  app.use('*', async (c, next) => {
    const authorization = c.req.header('authorization')
    const token = bearerToken(authorization)
    if (token === null || !secretsEqual(token, deps.adminToken)) {
      if (authorization === undefined) fail(401, 'admin token required')
      deps.failures.refuse(c, `addr:${clientAddress(c)}`, 401, 'admin token required')
    }
    await next()
  })

  const mustExist = (gatewayId: string) => store.get(gatewayId) ?? fail(404, `unknown gateway ${gatewayId}`)

  app.get('/instances', (c) => c.json({ instances: store.list().map((r) => describe(r, relay)) }))

  app.get('/instances/:gatewayId', (c) => c.json(describe(mustExist(c.req.param('gatewayId')), relay)))

  app.post('/instances', async (c) => {
    const body = await readBody(c, SeedBody)
    store.seed(body.gatewayId, body)
    for (const p of body.platforms) store.bindPlatform(body.gatewayId, p)
    log.info({ gatewayId: body.gatewayId }, 'gateway seeded by admin')
    return c.json(describe(mustExist(body.gatewayId), relay), 201)
  })

  app.post('/instances/bulk', async (c) => {
    const body = await readBody(c, BulkSeedBody)
    const seeded = store.seedMany(body.instances.map((i) => ({ ...i, tenant: body.tenant })))
    log.info({ seeded }, 'gateways seeded in bulk by admin')
    return c.json({ seeded }, 201)
  })

  app.post('/close-many', async (c) => {
    const { gatewayIds, code, reason } = await readBody(c, CloseManyBody)
    // Sub-millisecond wall-clock time, comparable with other processes' (benchmarks measure from it).
    const at = performance.timeOrigin + performance.now()
    let closed = 0
    for (const gatewayId of gatewayIds) closed += relay.closeGateway(gatewayId, code, reason)
    return c.json({ closed, at })
  })

  app.get('/upgrade-log', (c) => c.json({ accepted: relay.acceptedSince(Number(c.req.query('since') ?? 0) || 0) }))

  app.post('/instances/:gatewayId/revoke', (c) => {
    const gatewayId = c.req.param('gatewayId')
    mustExist(gatewayId)
    deps.revoke(gatewayId)
    return c.json(describe(mustExist(gatewayId), relay))
  })

  app.post('/instances/:gatewayId/close', async (c) => {
    const gatewayId = c.req.param('gatewayId')
    mustExist(gatewayId)
    const { code, reason } = await readBody(c, CloseBody)
    return c.json({ closed: relay.closeGateway(gatewayId, code, reason) })
  })

  app.post('/instances/:gatewayId/inbound', async (c) => {
    const gatewayId = c.req.param('gatewayId')
    mustExist(gatewayId)
    const { event } = await readBody(c, InboundBody)
    return c.json({ bufferId: relay.pushInbound(gatewayId, event) }, 202)
  })

  // Faults may be set before the gateway exists (e.g. before a console provisions it).
  app.put('/instances/:gatewayId/faults', async (c) => {
    const faults = await readBody(c, FaultsBody)
    relay.setFaults(c.req.param('gatewayId'), faults)
    return c.json(faults)
  })

  app.delete('/instances/:gatewayId/faults', (c) => {
    relay.setFaults(c.req.param('gatewayId'), null)
    return c.json(relay.faults(c.req.param('gatewayId')))
  })

  app.post('/reject-upgrades', async (c) => {
    const rule = await readBody(c, RejectBody)
    relay.addRejection(rule)
    return c.json({ ok: true })
  })

  app.post('/reject-upgrades/clear', async (c) => {
    const { gatewayId } = await readBody(c, ClearRejectBody)
    relay.clearRejections(gatewayId)
    return c.json({ ok: true })
  })

  app.post('/drop-all', async (c) => {
    const { code, reason } = await readBody(c, CloseBody)
    return c.json({ closed: relay.dropAll(code, reason) })
  })

  app.post('/pause', (c) => {
    relay.setPaused(true)
    return c.json({ paused: true })
  })

  app.post('/resume', (c) => {
    relay.setPaused(false)
    return c.json({ paused: false })
  })

  app.post('/demo-traffic', async (c) => {
    const body = await readBody(c, DemoBody)
    if (body.enabled) demo.start(body.intervalMs)
    else demo.stop()
    return c.json({ enabled: demo.running, intervalMs: demo.intervalMs })
  })

  app.post('/enrollment-tokens', async (c) => {
    const body = await readBody(c, EnrollmentBody)
    const token = store.createEnrollmentToken(body.tenant, deps.now() + body.ttlSeconds * 1000)
    return c.json({ token, tenant: body.tenant }, 201)
  })

  app.get('/status', (c) =>
    c.json({
      paused: relay.paused,
      connections: relay.sessions().length,
      supersededTotal: relay.superseded(),
      demoTraffic: { enabled: demo.running, intervalMs: demo.intervalMs },
    }),
  )

  return app
}
