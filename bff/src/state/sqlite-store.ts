/**
 * {@link StateStore} on SQLite (better-sqlite3) in `stateDir`: one file, mode 0600, WAL.
 * @module
 */
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import type { AuditEntry, Transition } from '@relay-console/shared/api'
import type { PendingIntent } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import Database from 'better-sqlite3'
import type { InstanceDefinition, SessionRecord, StateStore, StoredInstance } from './store'

/** Revisions are reserved in blocks; a restart starts past the block, so none is ever reused. */
const REV_BLOCK = 1000
export const HISTORY_CAP = 200
/** Trimming is batched: an instance's history may grow this far past the cap between trims. */
const TRIM_SLACK = 50
const AUDIT_CAP = 10_000
/** The longest audit detail kept: details carry a connector's words, which are not ours to size. */
export const AUDIT_DETAIL_MAX = 1000

interface InstanceRow {
  id: string
  display_name: string
  gateway_id: string
  platforms: string
  opted_in: number
  pending: string | null
  secret: string | null
  config_secret_digest: string | null
  statuses: string
}

interface SessionRow {
  id_hash: string
  operator: string
  created_at: number
  last_seen_at: number
  expires_at: number
  client_address: string | null
  user_agent: string | null
  revoked_at: number | null
}

const toSession = (row: SessionRow): SessionRecord => ({
  idHash: row.id_hash,
  operator: row.operator,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
  clientAddress: row.client_address,
  userAgent: row.user_agent,
  revokedAt: row.revoked_at,
})

interface Behind {
  statuses: readonly PlatformStatus[]
  transitions: Transition[]
}

export interface SqliteStoreOptions {
  /** Directory of the database; null keeps it in memory (tests). */
  stateDir: string | null
  now: () => number
  /** Schedules the write-behind flush; setImmediate by default. */
  defer?: (flush: () => void) => void
}

export function openSqliteStore(options: SqliteStoreOptions): StateStore {
  let file = ':memory:'
  if (options.stateDir !== null) {
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 })
    file = join(options.stateDir, 'console.db')
    // Create it owner-only before SQLite does; its WAL and SHM files inherit the mode.
    closeSync(openSync(file, 'a', 0o600))
  }
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS instances (
      id TEXT PRIMARY KEY,
      display_name TEXT NOT NULL,
      gateway_id TEXT NOT NULL,
      platforms TEXT NOT NULL,
      opted_in INTEGER NOT NULL DEFAULT 1,
      pending TEXT,
      secret TEXT,
      config_secret_digest TEXT,
      statuses TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE IF NOT EXISTS transitions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      instance_id TEXT NOT NULL,
      rev INTEGER NOT NULL,
      at TEXT NOT NULL,
      platform TEXT NOT NULL,
      from_state TEXT,
      to_state TEXT NOT NULL,
      error_code TEXT,
      error_message TEXT
    );
    CREATE INDEX IF NOT EXISTS transitions_by_instance ON transitions (instance_id, id);
    CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      instance_id TEXT NOT NULL,
      result TEXT NOT NULL,
      detail TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_by_instance ON audit (instance_id, id);
    CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS sessions (
      id_hash TEXT PRIMARY KEY,
      operator TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      client_address TEXT,
      user_agent TEXT,
      revoked_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS login_codes (code_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
  `)

  const q = {
    meta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    all: db.prepare<[], InstanceRow>('SELECT * FROM instances'),
    upsertDefinition: db.prepare(
      `INSERT INTO instances (id, display_name, gateway_id, platforms) VALUES (@id, @displayName, @gatewayId, @platforms)
       ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, gateway_id = excluded.gateway_id,
       platforms = excluded.platforms`,
    ),
    intent: db.prepare('UPDATE instances SET opted_in = ?, pending = ? WHERE id = ?'),
    secret: db.prepare(
      'UPDATE instances SET secret = ?, config_secret_digest = COALESCE(?, config_secret_digest) WHERE id = ?',
    ),
    statuses: db.prepare('UPDATE instances SET statuses = ? WHERE id = ?'),
    addTransition: db.prepare(
      `INSERT INTO transitions (instance_id, rev, at, platform, from_state, to_state, error_code, error_message)
       VALUES (@instanceId, @rev, @at, @platform, @from, @to, @errorCode, @errorMessage)`,
    ),
    trimTransitions: db.prepare(
      `DELETE FROM transitions WHERE instance_id = ? AND id <= COALESCE(
         (SELECT id FROM transitions WHERE instance_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${HISTORY_CAP}), -1)`,
    ),
    history: db.prepare<[string, number], Record<string, unknown>>(
      'SELECT * FROM transitions WHERE instance_id = ? ORDER BY id DESC LIMIT ?',
    ),
    addAudit: db.prepare(
      `INSERT INTO audit (at, actor, action, instance_id, result, detail)
       VALUES (@at, @actor, @action, @instanceId, @result, @detail)`,
    ),
    settleAudit: db.prepare('UPDATE audit SET result = ?, detail = ? WHERE id = ?'),
    settleInterrupted: db.prepare("UPDATE audit SET result = 'failed', detail = ? WHERE result = 'pending'"),
    trimAudit: db.prepare(`DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ${AUDIT_CAP}`),
    auditAll: db.prepare<[number], Record<string, unknown>>('SELECT * FROM audit ORDER BY id DESC LIMIT ?'),
    auditFor: db.prepare<[string, number], Record<string, unknown>>(
      'SELECT * FROM audit WHERE instance_id = ? ORDER BY id DESC LIMIT ?',
    ),
  }

  const sq = {
    secret: db.prepare<[string], { value: Buffer }>('SELECT value FROM secrets WHERE name = ?'),
    addSecret: db.prepare(
      'INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
    ),
    addSession: db.prepare(
      `INSERT INTO sessions (id_hash, operator, created_at, last_seen_at, expires_at, client_address, user_agent)
       VALUES (@idHash, @operator, @createdAt, @lastSeenAt, @expiresAt, @clientAddress, @userAgent)`,
    ),
    session: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?'),
    touch: db.prepare('UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id_hash = ?'),
    revoke: db.prepare('UPDATE sessions SET revoked_at = COALESCE(revoked_at, ?) WHERE id_hash = ?'),
    pruneSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= @now OR last_seen_at < @idleBefore'),
    addCode: db.prepare('INSERT INTO login_codes (code_hash, expires_at) VALUES (?, ?)'),
    useCode: db.prepare('DELETE FROM login_codes WHERE code_hash = ? AND expires_at >= ?'),
    pruneCodes: db.prepare('DELETE FROM login_codes WHERE expires_at < ?'),
  }
  const getOrCreateSecret = db.transaction((name: string, create: () => Buffer): Buffer => {
    const found = sq.secret.get(name)
    if (found !== undefined) return found.value
    sq.addSecret.run(name, create(), options.now())
    return (sq.secret.get(name) as { value: Buffer }).value
  })

  let ceiling = q.meta.get('rev_ceiling')?.value ?? 0
  let rev = ceiling

  const behind = new Map<string, Behind>()
  let flushScheduled = false
  let closed = false
  const defer = options.defer ?? ((flush) => setImmediate(flush))

  const untrimmed = new Map<string, number>()
  const flush = db.transaction(() => {
    for (const [id, pending] of behind) {
      q.statuses.run(JSON.stringify(pending.statuses), id)
      for (const t of pending.transitions) q.addTransition.run({ instanceId: id, ...t })
      const added = (untrimmed.get(id) ?? TRIM_SLACK) + pending.transitions.length
      if (added >= TRIM_SLACK) {
        q.trimTransitions.run(id, id)
        untrimmed.set(id, 0)
      } else untrimmed.set(id, added)
    }
    behind.clear()
  })

  const toRecord = (row: InstanceRow): StoredInstance => ({
    id: row.id,
    displayName: row.display_name,
    gatewayId: row.gateway_id,
    platforms: JSON.parse(row.platforms),
    optedIn: row.opted_in === 1,
    pending: row.pending as PendingIntent | null,
    secret: row.secret,
    configSecretDigest: row.config_secret_digest,
    statuses: JSON.parse(row.statuses),
  })

  return {
    define: db.transaction((instances: readonly InstanceDefinition[]) => {
      for (const i of instances) q.upsertDefinition.run({ ...i, platforms: JSON.stringify(i.platforms) })
      const order = new Map(instances.map((i, index) => [i.id, index]))
      return q.all
        .all()
        .filter((row) => order.has(row.id))
        .map(toRecord)
        .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
    }),
    nextRev() {
      rev += 1
      if (rev > ceiling) {
        ceiling = rev + REV_BLOCK
        q.setMeta.run('rev_ceiling', ceiling)
      }
      return rev
    },
    currentRev: () => rev,
    saveIntent(id, optedIn, pending) {
      q.intent.run(optedIn ? 1 : 0, pending, id)
    },
    saveSecret(id, secret, configSecretDigest) {
      q.secret.run(secret, configSecretDigest ?? null, id)
    },
    saveStatuses(id, statuses, transitions) {
      const entry = behind.get(id)
      if (entry === undefined) behind.set(id, { statuses, transitions: [...transitions] })
      else {
        entry.statuses = statuses
        entry.transitions.push(...transitions)
      }
      if (!flushScheduled && !closed) {
        flushScheduled = true
        defer(() => {
          flushScheduled = false
          if (!closed) flush()
        })
      }
    },
    history(id, limit) {
      flush()
      return q.history.all(id, Math.min(limit, HISTORY_CAP)).map(
        (r): Transition => ({
          rev: r.rev as number,
          at: r.at as string,
          platform: r.platform as string,
          from: r.from_state as Transition['from'],
          to: r.to_state as Transition['to'],
          errorCode: r.error_code as string | null,
          errorMessage: r.error_message as string | null,
        }),
      )
    },
    appendAudit(entry) {
      const info = q.addAudit.run({
        at: new Date(options.now()).toISOString(),
        ...entry,
        detail: boundedDetail(entry.detail),
      })
      q.trimAudit.run()
      return Number(info.lastInsertRowid)
    },
    settleAudit(entryId, result, detail) {
      q.settleAudit.run(result, boundedDetail(detail), entryId)
    },
    settleInterrupted(detail) {
      return q.settleInterrupted.run(detail).changes
    },
    transaction(work) {
      return db.transaction(work)()
    },
    audit({ limit, instanceId }) {
      const rows = instanceId === undefined ? q.auditAll.all(limit) : q.auditFor.all(instanceId, limit)
      return rows.map(
        (r): AuditEntry => ({
          at: r.at as string,
          actor: r.actor as string,
          action: r.action as AuditEntry['action'],
          instanceId: r.instance_id as string,
          result: r.result as AuditEntry['result'],
          detail: r.detail as string | null,
        }),
      )
    },
    getOrCreateSecret: (name, create) => getOrCreateSecret(name, create),
    createSession(session) {
      sq.addSession.run(session)
    },
    findSession(idHash) {
      const row = sq.session.get(idHash)
      return row === undefined ? null : toSession(row)
    },
    touchSession(idHash, at) {
      sq.touch.run(at, idHash)
    },
    revokeSession(idHash, at) {
      sq.revoke.run(at, idHash)
    },
    pruneSessions(cutoff) {
      return sq.pruneSessions.run(cutoff).changes
    },
    createLoginCode({ codeHash, expiresAt }) {
      sq.addCode.run(codeHash, expiresAt)
    },
    consumeLoginCode(codeHash, now) {
      const used = sq.useCode.run(codeHash, now).changes === 1
      sq.pruneCodes.run(now)
      return used
    },
    flush: () => flush(),
    close() {
      if (closed) return
      flush()
      closed = true
      db.close()
    },
  }
}

const boundedDetail = (detail: string | null) =>
  detail === null || detail.length <= AUDIT_DETAIL_MAX ? detail : `${detail.slice(0, AUDIT_DETAIL_MAX)}…`
