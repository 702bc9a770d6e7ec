/**
 * `POST /manage/deprovision` (docs/relay-contract.md §6): the instance's own upgrade token names it; the
 * connector revokes its secret, closes its live sockets 4401 `revoked`, and refuses it from then on.
 * Failed bearers are throttled per gateway (per address when the token names no known gateway), so
 * one client's guessing never turns another gateway's stale-credential 401 into a 429: a console
 * reads that 401 as "already out" (docs/relay-contract.md §6).
 * @module
 */
import { Hono } from 'hono'
import type { Logger } from 'pino'
import type { ConnectorStore } from '../store'
import { authenticateGateway, bearerToken } from '../verify'
import { type AuthFailures, clientAddress } from './guards'
import { fail } from './http-errors'

export interface ManageRouteDeps {
  store: ConnectorStore
  log: Logger
  now: () => number
  skewSeconds: number
  /** Revokes and closes the gateway's live sockets. */
  revoke: (gatewayId: string) => void
  failures: AuthFailures
}

export function manageRoutes({ store, log, now, skewSeconds, revoke, failures }: ManageRouteDeps): Hono {
  const app = new Hono()

  app.post('/deprovision', (c) => {
    const authorization = c.req.header('authorization')
    const auth = authenticateGateway(bearerToken(authorization), store, now(), skewSeconds)
    if (!auth.ok) {
      // Idempotent: a gateway already revoked that proves its old secret gets the same answer.
      if (auth.reason === 'revoked' && auth.gatewayId !== null) {
        return c.json({ gatewayId: auth.gatewayId, revoked: true, alreadyRevoked: true })
      }
      const message = auth.reason === 'expired' ? 'token expired' : 'unauthorized'
      if (authorization === undefined) fail(401, message)
      const known = auth.gatewayId !== null && store.get(auth.gatewayId) !== undefined
      return failures.refuse(c, known ? `gw:${auth.gatewayId}` : `addr:${clientAddress(c)}`, 401, message)
    }
    // Any id in the body is ignored: the instance is the one the token names.
    revoke(auth.record.gatewayId)
    log.info({ gatewayId: auth.record.gatewayId }, 'gateway deprovisioned')
    return c.json({ gatewayId: auth.record.gatewayId, revoked: true, alreadyRevoked: false })
  })

  return app
}
