/**
 * `POST /relay/provision` and `POST /relay/enroll` (docs/relay-contract.md §6): an operator identity
 * token proves the tenant; the connector issues the per-gateway secret. A client whose identity
 * tokens keep failing is throttled (`guards.ts`).
 * @module
 */
import { type Context, Hono } from 'hono'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { IdentityVerifier } from '../identity'
import type { ConnectorStore } from '../store'
import { bearerToken } from '../verify'
import { type AuthFailures, clientAddress } from './guards'
import { fail, readBody } from './http-errors'

const GatewayId = z.string().trim().min(1).max(200)

const ProvisionBody = z.object({
  gatewayId: GatewayId,
  platform: z.string().trim().min(1).max(64),
  botId: z.string().max(200).default(''),
  gatewayEndpoint: z.string().max(2048).default(''),
  routeKeys: z.array(z.string().max(200)).max(100).default([]),
  instanceId: z.string().max(200).optional(),
  displayName: z
    .string()
    .transform((s) => s.trim().slice(0, 64))
    .optional(),
  wakeUrl: z.string().max(2048).optional(),
})

const EnrollBody = z.object({
  enrollmentToken: z.string().min(1).max(512),
  gatewayId: GatewayId,
})

export interface RelayRouteDeps {
  store: ConnectorStore
  identity: IdentityVerifier
  log: Logger
  now: () => number
  failures: AuthFailures
}

export function relayRoutes({ store, identity, log, now, failures }: RelayRouteDeps): Hono {
  const app = new Hono()

  const tenantOf = (c: Context): string => {
    const authorization = c.req.header('authorization')
    const tenant = identity(bearerToken(authorization))
    if (tenant !== null) return tenant
    // Only a credential that was tried and failed counts against the client.
    if (authorization === undefined) fail(401, 'caller identity not verified')
    return failures.refuse(c, `addr:${clientAddress(c)}`, 401, 'caller identity not verified')
  }

  app.post('/provision', async (c) => {
    const tenant = tenantOf(c)
    const body = await readBody(c, ProvisionBody)
    const existing = store.get(body.gatewayId)
    if (existing !== undefined && existing.tenant !== tenant) fail(403, 'gatewayId belongs to another tenant')
    let secret: string
    if (existing === undefined || existing.revoked) {
      // First provision, or opting back in after a deprovision: a NEW secret (docs/relay-contract.md §7).
      secret = store.issueSecret(body.gatewayId, {
        tenant,
        instanceId: body.instanceId,
        displayName: body.displayName,
        mode: 'replace',
      }).secret
      log.info({ gatewayId: body.gatewayId, reissued: existing !== undefined }, 'secret issued')
    } else {
      // Idempotent on the secret: the caller proved the tenant that owns it.
      secret = existing.secrets[0] ?? fail(500, 'gateway has no secret')
      store.annotate(body.gatewayId, { instanceId: body.instanceId, displayName: body.displayName })
    }
    store.bindPlatform(body.gatewayId, { platform: body.platform, botId: body.botId })
    return c.json({
      secret,
      deliveryKey: store.deliveryKey(tenant),
      tenant,
      gatewayId: body.gatewayId,
      routeKeys: body.routeKeys,
      secretIssued: true,
    })
  })

  app.post('/enroll', async (c) => {
    const tenant = tenantOf(c)
    const body = await readBody(c, EnrollBody)
    const outcome = store.consumeEnrollmentToken(body.enrollmentToken, tenant, now())
    if (outcome !== 'ok') fail(403, `enrollment token ${outcome === 'unknown' ? 'invalid' : outcome.replace('_', ' ')}`)
    const existing = store.get(body.gatewayId)
    if (existing !== undefined && existing.tenant !== tenant) fail(403, 'gatewayId belongs to another tenant')
    // Re-enrolling a live gateway rotates: the previous secret stays valid for the window.
    const mode = existing !== undefined && !existing.revoked ? 'rotate' : 'replace'
    const { secret } = store.issueSecret(body.gatewayId, { tenant, mode })
    log.info({ gatewayId: body.gatewayId, mode }, 'gateway enrolled')
    return c.json({ secret, deliveryKey: store.deliveryKey(tenant), tenant, gatewayId: body.gatewayId })
  })

  return app
}
