/**
 * Sessions, login codes and named secrets on PostgreSQL. Each is one statement, so every replica
 * may call any of them at any time: a code is consumed by exactly one DELETE, and the first
 * replica to create a named secret wins while the others read it back.
 * @module
 */

import { type SessionRow, toSession } from '../session-rows'
import type { SessionStore } from '../store'
import type { Db } from './connect'
import { withoutNul } from './rows'

export function createPgSessionStore(db: Db, now: () => number): SessionStore {
  const secretNamed = async (name: string): Promise<Buffer | null> => {
    const [row] = await db<{ value: Buffer }[]>`SELECT value FROM secrets WHERE name = ${name}`
    return row?.value ?? null
  }

  return {
    async getOrCreateSecret(name, create) {
      const found = await secretNamed(name)
      if (found !== null) return found
      await db`
        INSERT INTO secrets (name, value, created_at) VALUES (${name}, ${create()}, ${now()})
        ON CONFLICT (name) DO NOTHING`
      const kept = await secretNamed(name)
      if (kept === null) throw new Error(`the secret ${name} was not kept`)
      return kept
    },

    async createSession(s) {
      await db`
        INSERT INTO sessions (id_hash, operator, role, via, created_at, last_seen_at, expires_at, client_address, user_agent)
        VALUES (${s.idHash}, ${withoutNul(s.operator)}, ${s.role}, ${s.via}, ${s.createdAt}, ${s.lastSeenAt}, ${s.expiresAt},
          ${withoutNul(s.clientAddress)}, ${withoutNul(s.userAgent)})`
    },

    async findSession(idHash) {
      const [row] = await db<SessionRow[]>`SELECT * FROM sessions WHERE id_hash = ${idHash}`
      return row === undefined ? null : toSession(row)
    },

    async touchSession(idHash, at) {
      await db`UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, ${at}) WHERE id_hash = ${idHash}`
    },

    async revokeSession(idHash, at) {
      await db`UPDATE sessions SET revoked_at = COALESCE(revoked_at, ${at}) WHERE id_hash = ${idHash}`
    },

    async revokeSessionsOf(operator, at) {
      const rows = await db<{ id_hash: string }[]>`
        UPDATE sessions SET revoked_at = ${at} WHERE operator = ${withoutNul(operator)} AND revoked_at IS NULL
        RETURNING id_hash`
      return rows.map((r) => r.id_hash)
    },

    async openSessions({ now: at, idleBefore }) {
      const rows = await db<SessionRow[]>`
        SELECT * FROM sessions WHERE revoked_at IS NULL AND expires_at > ${at} AND last_seen_at >= ${idleBefore}
        ORDER BY created_at DESC, id_hash`
      return rows.map(toSession)
    },

    async pruneSessions({ now: at, idleBefore }) {
      const result = await db`DELETE FROM sessions WHERE expires_at <= ${at} OR last_seen_at < ${idleBefore}`
      return result.count
    },

    async createLoginCode({ codeHash, expiresAt }) {
      await db`INSERT INTO login_codes (code_hash, expires_at) VALUES (${codeHash}, ${expiresAt})`
    },

    async consumeLoginCode(codeHash, at) {
      // Of two replicas deleting the same row, the second finds it gone: true exactly once.
      const used = await db`DELETE FROM login_codes WHERE code_hash = ${codeHash} AND expires_at >= ${at}`
      await db`DELETE FROM login_codes WHERE expires_at < ${at}`
      return used.count === 1
    },

    async recordAuthFailure(key, at, forgetBefore) {
      await db`DELETE FROM auth_failures WHERE at < ${forgetBefore}`
      await db`INSERT INTO auth_failures (key, at) VALUES (${withoutNul(key)}, ${at})`
    },

    async authFailures(key, since, limit) {
      const rows = await db<{ at: number }[]>`
        SELECT at FROM auth_failures WHERE key = ${withoutNul(key)} AND at >= ${since} ORDER BY at DESC LIMIT ${limit}`
      return rows.map((r) => Number(r.at))
    },
  }
}
