/**
 * Decides whether an upgrade token (or a `/manage/*` bearer) authenticates a gateway, and which
 * 4401 reason to give when it does not (docs/relay-contract.md §2, §4).
 * @module
 */
import type { UnauthorizedReason } from '@relay-console/shared/relay/close-codes'
import { verifyUpgradeToken } from '@relay-console/shared/relay/token'
import type { ConnectorStore, GatewayRecord } from './store'

export type GatewayAuth =
  | { ok: true; record: GatewayRecord }
  | { ok: false; reason: UnauthorizedReason; gatewayId: string | null }

export function authenticateGateway(
  token: string | null,
  store: Pick<ConnectorStore, 'get'>,
  nowMs: number,
  skewSeconds: number,
): GatewayAuth {
  if (token === null) return { ok: false, reason: 'unauthorized', gatewayId: null }
  let record: GatewayRecord | undefined
  const result = verifyUpgradeToken(token, {
    secretsFor: (gatewayId) => {
      record = store.get(gatewayId)
      return record?.secrets
    },
    nowMs,
    skewSeconds,
  })
  if (!result.ok) {
    // A gateway that proves it holds the (now revoked) secret is told so; the signature is
    // checked before expiry, so `expired` also means "a valid signature".
    if (result.reason === 'expired' && record?.revoked)
      return { ok: false, reason: 'revoked', gatewayId: result.gatewayId }
    return { ok: false, reason: result.reason === 'expired' ? 'expired' : 'unauthorized', gatewayId: result.gatewayId }
  }
  if (record === undefined) return { ok: false, reason: 'unauthorized', gatewayId: result.gatewayId }
  if (record.revoked) return { ok: false, reason: 'revoked', gatewayId: record.gatewayId }
  return { ok: true, record }
}

/** `Authorization: Bearer <token>` → the token, or null. */
export function bearerToken(header: string | undefined | null): string | null {
  if (header === undefined || header === null) return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1] ?? null
}
