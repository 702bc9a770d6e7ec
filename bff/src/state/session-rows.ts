/**
 * A session's row, as both state store backends keep it (the same columns), and the record it
 * stands for.
 * @module
 */
import type { Role } from '@relay-console/shared/roles'
import type { SessionRecord, SessionVia } from './store'

export interface SessionRow {
  id_hash: string
  operator: string
  role: Role
  via: SessionVia
  created_at: number
  last_seen_at: number
  expires_at: number
  client_address: string | null
  user_agent: string | null
  revoked_at: number | null
}

export const toSession = (row: SessionRow): SessionRecord => ({
  idHash: row.id_hash,
  operator: row.operator,
  role: row.role,
  via: row.via,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
  clientAddress: row.client_address,
  userAgent: row.user_agent,
  revokedAt: row.revoked_at,
})
