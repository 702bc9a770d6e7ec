/**
 * `POST /manage/deprovision` (docs/relay-contract.md §6): the instance's own upgrade token names it; the
 * connector revokes its secret, closes its live sockets 4401 `revoked`, and refuses it from then on.
 * @module
 */
import { Hono } from 'hono'
import type { Logger } from 'pino'
import type { ConnectorStore } from '../store'
import { authenticateGateway, bearerToken } from '../verify'
import { fail } from './http-errors'

export interface ManageRouteDeps {
  store: ConnectorStore
  log: Logger
  now: () => number
  skewSeconds: number
  /** Revokes and closes the gateway's live sockets. */
  revoke: (gatewayId: string) => void
}

export function manageRoutes({ store, log, now, skewSeconds, revoke }: ManageRouteDeps): Hono {
  const app = new Hono()

  app.post('/deprovision', (c) => {
    const auth = authenticateGateway(bearerToken(c.req.header('authorization')), store, now(), skewSeconds)
    if (!auth.ok) {
      // Idempotent: a gateway already revoked that proves its old secret gets the same answer.
      if (auth.reason === 'revoked' && auth.gatewayId !== null) {
        return c.json({ gatewayId: auth.gatewayId, revoked: true, alreadyRevoked: true })
      }
      fail(401, auth.reason === 'expired' ? 'token expired' : 'unauthorized')
    }
    // Any id in the body is ignored: the instance is the one the token names.
    revoke(auth.record.gatewayId)
    log.info({ gatewayId: auth.record.gatewayId }, 'gateway deprovisioned')
    return c.json({ gatewayId: auth.record.gatewayId, revoked: true, alreadyRevoked: false })
  })

  return app
}
