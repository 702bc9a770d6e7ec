/**
 * {@link StateStore} on SQLite (better-sqlite3) in `stateDir`: one file, mode 0600, WAL, one
 * process. better-sqlite3 is synchronous, so a transaction is `BEGIN IMMEDIATE` … `COMMIT` around
 * the caller's work, and every write runs through one queue: no other write can land inside an
 * open transaction while its work awaits. The change log's latest entries are also kept in memory,
 * so this process's own change feed reads them without a query.
 * @module
 */
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import type { AuditEntry, AuditResult, Transition } from '@relay-console/shared/api'
import type { Instance, PendingIntent } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import Database from 'better-sqlite3'
import { eventsOfChange } from '../notify/events'
import { NO_WEBHOOKS } from '../notify/outbox-plan'
import { type SessionRow, toSession } from './session-rows'
import { sqliteFleetOps } from './sqlite-fleet-ops'
import { SQLITE_ADDED_COLUMNS, SQLITE_SCHEMA } from './sqlite-schema'
import type {
  InstanceDefinition,
  LoggedChange,
  NewAuditEntry,
  OutboxPolicy,
  StateStore,
  StoredInstance,
  StoreTx,
} from './store'
import { AUDIT_CAP, boundedDetail, HISTORY_CAP, sameStatuses, TRIM_SLACK, transitionsBetween } from './store-rules'

/** Logged changes kept in memory: this process's own feed reads them right after they commit. */
const RECENT_CHANGES = 512

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
  pending_entry: number | null
  labels: string
  disabled_by: string | null
}

const toRecord = (row: InstanceRow): StoredInstance => ({
  id: row.id,
  displayName: row.display_name,
  gatewayId: row.gateway_id,
  platforms: JSON.parse(row.platforms),
  labels: JSON.parse(row.labels),
  optedIn: row.opted_in === 1,
  disabledBy: row.disabled_by === null ? null : JSON.parse(row.disabled_by),
  pending: row.pending as PendingIntent | null,
  secret: row.secret,
  configSecretDigest: row.config_secret_digest,
  statuses: JSON.parse(row.statuses),
  pendingEntry: row.pending_entry,
})

const publicView = (row: InstanceRow): Instance => ({
  id: row.id,
  displayName: row.display_name,
  gatewayId: row.gateway_id,
  optedIn: row.opted_in === 1,
  pending: row.pending as PendingIntent | null,
  platforms: JSON.parse(row.statuses),
  labels: JSON.parse(row.labels),
  disabledBy: row.disabled_by === null ? null : JSON.parse(row.disabled_by),
})

export interface SqliteStoreOptions {
  /** Directory of the database; null keeps it in memory (tests). */
  stateDir: string | null
  now: () => number
  /** Which webhooks take which events; none when absent. */
  outbox?: OutboxPolicy
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
  db.exec(SQLITE_SCHEMA)
  for (const { table, column, type } of SQLITE_ADDED_COLUMNS) {
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all()
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`)
  }

  const q = {
    meta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    all: db.prepare<[], InstanceRow>('SELECT * FROM instances'),
    one: db.prepare<[string], InstanceRow>('SELECT * FROM instances WHERE id = ?'),
    upsertDefinition: db.prepare(
      `INSERT INTO instances (id, display_name, gateway_id, platforms, labels)
       VALUES (@id, @displayName, @gatewayId, @platforms, @labels)
       ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, gateway_id = excluded.gateway_id,
       platforms = excluded.platforms, labels = excluded.labels`,
    ),
    intent: db.prepare('UPDATE instances SET opted_in = ?, pending = ?, pending_entry = ? WHERE id = ?'),
    disabledBy: db.prepare('UPDATE instances SET disabled_by = ? WHERE id = ?'),
    secret: db.prepare(
      'UPDATE instances SET secret = ?, config_secret_digest = COALESCE(?, config_secret_digest) WHERE id = ?',
    ),
    statuses: db.prepare('UPDATE instances SET statuses = ? WHERE id = ?'),
    logChange: db.prepare('INSERT INTO changes (rev, instance_id, instance, transitions, at) VALUES (?, ?, ?, ?, ?)'),
    changesAfter: db.prepare<[number, number], { rev: number; instance: string; transitions: string }>(
      'SELECT rev, instance, transitions FROM changes WHERE rev > ? ORDER BY rev LIMIT ?',
    ),
    oldestChange: db.prepare<[], { rev: number | null }>('SELECT MIN(rev) AS rev FROM changes'),
    pruneChanges: db.prepare('DELETE FROM changes WHERE rev <= ?'),
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
      `INSERT INTO audit (at, actor, action, instance_id, result, detail, batch_id)
       VALUES (@at, @actor, @action, @instanceId, @result, @detail, @batchId)`,
    ),
    settleAudit: db.prepare(
      "UPDATE audit SET result = ?, detail = ?, error_code = ? WHERE id = ? AND result = 'pending'",
    ),
    settleIntent: db.prepare(
      'UPDATE instances SET opted_in = ?, pending = NULL, pending_entry = NULL WHERE id = ? AND pending_entry = ?',
    ),
    auditOutcome: db.prepare<[number], { result: string; detail: string | null; error_code: string | null }>(
      'SELECT result, detail, error_code FROM audit WHERE id = ?',
    ),
    settleInterrupted: db.prepare("UPDATE audit SET result = 'failed', detail = ? WHERE result = 'pending'"),
    settleInterruptedOf: db.prepare(
      "UPDATE audit SET result = 'failed', detail = ? WHERE result = 'pending' AND instance_id = ? AND id IS NOT ?",
    ),
    trimAudit: db.prepare(`DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ${AUDIT_CAP}`),
    auditAll: db.prepare<[number], Record<string, unknown>>('SELECT * FROM audit ORDER BY id DESC LIMIT ?'),
    auditFor: db.prepare<[string, number], Record<string, unknown>>(
      'SELECT * FROM audit WHERE instance_id = ? ORDER BY id DESC LIMIT ?',
    ),
    secretByName: db.prepare<[string], { value: Buffer }>('SELECT value FROM secrets WHERE name = ?'),
    addSecret: db.prepare(
      'INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
    ),
    addSession: db.prepare(
      `INSERT INTO sessions (id_hash, operator, role, via, created_at, last_seen_at, expires_at, client_address, user_agent)
       VALUES (@idHash, @operator, @role, @via, @createdAt, @lastSeenAt, @expiresAt, @clientAddress, @userAgent)`,
    ),
    session: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?'),
    touch: db.prepare('UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id_hash = ?'),
    revoke: db.prepare('UPDATE sessions SET revoked_at = COALESCE(revoked_at, ?) WHERE id_hash = ?'),
    pruneSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= @now OR last_seen_at < @idleBefore'),
    revokeOf: db.prepare<[number, string], { id_hash: string }>(
      'UPDATE sessions SET revoked_at = ? WHERE operator = ? AND revoked_at IS NULL RETURNING id_hash',
    ),
    openSessions: db.prepare<{ now: number; idleBefore: number }, SessionRow>(
      `SELECT * FROM sessions WHERE revoked_at IS NULL AND expires_at > @now AND last_seen_at >= @idleBefore
       ORDER BY created_at DESC, id_hash`,
    ),
    addCode: db.prepare('INSERT INTO login_codes (code_hash, expires_at) VALUES (?, ?)'),
    useCode: db.prepare('DELETE FROM login_codes WHERE code_hash = ? AND expires_at >= ?'),
    pruneCodes: db.prepare('DELETE FROM login_codes WHERE expires_at < ?'),
    addAuthFailure: db.prepare('INSERT INTO auth_failures (key, at) VALUES (?, ?)'),
    forgetAuthFailures: db.prepare('DELETE FROM auth_failures WHERE at < ?'),
    authFailures: db.prepare<[string, number, number], { at: number }>(
      'SELECT at FROM auth_failures WHERE key = ? AND at >= ? ORDER BY at DESC LIMIT ?',
    ),
  }

  // The one-row counter. A database from before the change log kept a reserved ceiling instead:
  // start past it, so no rev is ever reused.
  if (q.meta.get('rev') === undefined) q.setMeta.run('rev', q.meta.get('rev_ceiling')?.value ?? 0)
  const currentRev = () => (q.meta.get('rev') as { value: number }).value

  /** Logged in the open transaction; handed out once it commits. */
  let uncommitted: LoggedChange[] = []
  const recent: LoggedChange[] = []
  const listeners = new Set<() => void>()
  const untrimmed = new Map<string, number>()
  let closed = false

  const logChange = (row: InstanceRow, transitionsOf: (rev: number) => Transition[]): LoggedChange => {
    const rev = currentRev() + 1
    q.setMeta.run('rev', rev)
    const at = new Date(options.now()).toISOString()
    const change: LoggedChange = { rev, instance: publicView(row), transitions: transitionsOf(rev) }
    q.logChange.run(rev, row.id, JSON.stringify(change.instance), JSON.stringify(change.transitions), at)
    for (const t of change.transitions) q.addTransition.run({ instanceId: row.id, ...t })
    if (change.transitions.length > 0) {
      const added = (untrimmed.get(row.id) ?? TRIM_SLACK) + change.transitions.length
      if (added >= TRIM_SLACK) {
        q.trimTransitions.run(row.id, row.id)
        untrimmed.set(row.id, 0)
      } else untrimmed.set(row.id, added)
    }
    uncommitted.push(change)
    return change
  }

  const fleetOps = sqliteFleetOps(db, () => options.outbox ?? NO_WEBHOOKS, options.now)

  const mustRow = (id: string): InstanceRow => {
    const row = q.one.get(id)
    if (row === undefined) throw new Error(`unknown instance ${id}`)
    return row
  }

  const tx: StoreTx = {
    async setIntent(id, optedIn, pending, entryId, by) {
      q.intent.run(optedIn ? 1 : 0, pending, pending === null ? null : (entryId ?? null), id)
      if (optedIn) q.disabledBy.run(null, id)
      else if (by !== undefined) q.disabledBy.run(by === null ? null : JSON.stringify(by), id)
      return logChange(mustRow(id), () => [])
    },
    async settleIntent(id, optedIn, entryId) {
      if (q.settleIntent.run(optedIn ? 1 : 0, id, entryId).changes === 0) return null
      return logChange(mustRow(id), () => [])
    },
    async appendAudit(entry: NewAuditEntry) {
      const info = q.addAudit.run({
        at: new Date(options.now()).toISOString(),
        ...entry,
        detail: boundedDetail(entry.detail),
        batchId: entry.batchId ?? null,
      })
      q.trimAudit.run()
      return Number(info.lastInsertRowid)
    },
    async settleAudit(entryId: number, result: AuditResult, detail: string | null, errorCode?: string | null) {
      q.settleAudit.run(result, boundedDetail(detail), errorCode ?? null, entryId)
    },
    async saveSecret(id, secret, configSecretDigest) {
      q.secret.run(secret, configSecretDigest ?? null, id)
    },
    async moveMaintenance(id, from, to, at, optedOut) {
      return fleetOps.move(id, from, to, at, optedOut)
    },
    async instance(id) {
      const row = q.one.get(id)
      return row === undefined ? null : toRecord(row)
    },
  }

  // Every write goes through this queue, so none lands inside another's open transaction.
  let queue: Promise<unknown> = Promise.resolve()
  function exclusive<T>(work: () => Promise<T> | T): Promise<T> {
    const run = queue.then(() => {
      if (closed) throw new Error('the state store is closed')
      return work()
    })
    queue = run.catch(() => undefined)
    return run
  }

  /** Runs `work` in one SQLite transaction; the changes it logged go out once it commits. */
  function transaction<T>(work: () => Promise<T> | T): Promise<T> {
    return exclusive(async () => {
      db.exec('BEGIN IMMEDIATE')
      let result: T
      try {
        result = await work()
        db.exec('COMMIT')
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK')
        uncommitted = []
        throw error
      }
      const committed = uncommitted
      uncommitted = []
      if (committed.length > 0) {
        recent.push(...committed)
        if (recent.length > RECENT_CHANGES) recent.splice(0, recent.length - RECENT_CHANGES)
        for (const listener of listeners) queueMicrotask(listener)
      }
      return result
    })
  }

  const readChanges = (rev: number, limit: number): LoggedChange[] | null => {
    const latest = currentRev()
    if (rev >= latest) return []
    const first = recent[0]
    if (first !== undefined && first.rev <= rev + 1) {
      const from = rev + 1 - first.rev
      return recent.slice(from, from + limit)
    }
    const oldest = q.oldestChange.get()?.rev ?? null
    if (oldest === null || oldest > rev + 1) return null
    return q.changesAfter
      .all(rev, limit)
      .map((r) => ({ rev: r.rev, instance: JSON.parse(r.instance), transitions: JSON.parse(r.transitions) }))
  }

  return {
    define: (instances: readonly InstanceDefinition[]) =>
      transaction(() => {
        for (const i of instances)
          q.upsertDefinition.run({
            ...i,
            platforms: JSON.stringify(i.platforms),
            labels: JSON.stringify(i.labels ?? {}),
          })
        const order = new Map(instances.map((i, index) => [i.id, index]))
        const stored = q.all
          .all()
          .filter((row) => order.has(row.id))
          .map(toRecord)
          .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
        return { rev: currentRev(), instances: stored }
      }),

    transaction: (work) => transaction(() => work(tx)),

    saveStatuses: (updates) =>
      transaction(() => {
        const logged: LoggedChange[] = []
        const at = new Date(options.now()).toISOString()
        for (const { id, platforms } of updates) {
          const row = q.one.get(id)
          if (row === undefined) continue
          const before: PlatformStatus[] = JSON.parse(row.statuses)
          if (sameStatuses(before, platforms)) continue
          const statuses = JSON.stringify(platforms)
          q.statuses.run(statuses, id)
          const change = logChange({ ...row, statuses }, (rev) => transitionsBetween(rev, before, platforms))
          logged.push(change)
          fleetOps.writeEvents(eventsOfChange(before, change.instance, at))
        }
        return logged
      }),

    changesAfter: async (rev, limit) => readChanges(rev, limit),
    currentRev: async () => currentRev(),
    pruneChanges: (keep) =>
      exclusive(() => {
        const cutoff = currentRev() - keep
        const dropped = recent.findIndex((c) => c.rev > cutoff)
        recent.splice(0, dropped === -1 ? recent.length : dropped)
        return q.pruneChanges.run(cutoff).changes
      }),

    onCommit(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    history: async (id, limit) =>
      q.history.all(id, Math.min(limit, HISTORY_CAP)).map(
        (r): Transition => ({
          rev: r.rev as number,
          at: r.at as string,
          platform: r.platform as string,
          from: r.from_state as Transition['from'],
          to: r.to_state as Transition['to'],
          errorCode: r.error_code as string | null,
          errorMessage: r.error_message as string | null,
        }),
      ),

    audit: async ({ limit, instanceId }) => {
      const rows = instanceId === undefined ? q.auditAll.all(limit) : q.auditFor.all(instanceId, limit)
      return rows.map(
        (r): AuditEntry => ({
          at: r.at as string,
          actor: r.actor as string,
          action: r.action as AuditEntry['action'],
          instanceId: r.instance_id as string,
          result: r.result as AuditEntry['result'],
          detail: r.detail as string | null,
          batchId: r.batch_id as string | null,
        }),
      )
    },

    auditOutcome: async (entryId) => {
      const row = q.auditOutcome.get(entryId)
      if (row === undefined) return null
      return { result: row.result as AuditResult, detail: row.detail, errorCode: row.error_code }
    },
    instance: async (id) => {
      const row = q.one.get(id)
      return row === undefined ? null : toRecord(row)
    },
    settleInterrupted: (detail, scope) =>
      exclusive(() =>
        scope === undefined
          ? q.settleInterrupted.run(detail).changes
          : q.settleInterruptedOf.run(detail, scope.instanceId, scope.except ?? null).changes,
      ),

    getOrCreateSecret: (name, create) =>
      transaction(() => {
        const found = q.secretByName.get(name)
        if (found !== undefined) return found.value
        q.addSecret.run(name, create(), options.now())
        return (q.secretByName.get(name) as { value: Buffer }).value
      }),
    createSession: (session) => exclusive(() => void q.addSession.run(session)),
    findSession: async (idHash) => {
      const row = q.session.get(idHash)
      return row === undefined ? null : toSession(row)
    },
    touchSession: (idHash, at) => exclusive(() => void q.touch.run(at, idHash)),
    revokeSession: (idHash, at) => exclusive(() => void q.revoke.run(at, idHash)),
    pruneSessions: (cutoff) => exclusive(() => q.pruneSessions.run(cutoff).changes),
    revokeSessionsOf: (operator, at) => exclusive(() => q.revokeOf.all(at, operator).map((r) => r.id_hash)),
    openSessions: async (cutoff) => q.openSessions.all(cutoff).map(toSession),
    createLoginCode: ({ codeHash, expiresAt }) => exclusive(() => void q.addCode.run(codeHash, expiresAt)),
    consumeLoginCode: (codeHash, now) =>
      exclusive(() => {
        const used = q.useCode.run(codeHash, now).changes === 1
        q.pruneCodes.run(now)
        return used
      }),

    recordAuthFailure: (key, at, forgetBefore) =>
      exclusive(() => {
        q.forgetAuthFailures.run(forgetBefore)
        q.addAuthFailure.run(key, at)
      }),
    authFailures: async (key, since, limit) => q.authFailures.all(key, since, limit).map((r) => r.at),

    addMaintenance: (window) => exclusive(() => fleetOps.addWindow(window)),
    maintenanceWindows: async (recent) => fleetOps.windows(recent),
    maintenanceWindow: async (id) => fleetOps.window(id),
    enqueue: (drafts, webhooks) => transaction(() => fleetOps.enqueue(drafts, webhooks)),
    setConnectorUnreachable: (unreachable, draft) =>
      transaction(() => fleetOps.setConnectorUnreachable(unreachable, draft)),
    claimDeliveries: (claim) => exclusive(() => fleetOps.claim(claim)),
    finishDelivery: (id, owner, outcome) => exclusive(() => fleetOps.finish(id, owner, outcome)),
    deliveries: async (limit) => fleetOps.deliveries(limit),
    pruneDeliveries: (before) => exclusive(() => fleetOps.prune(before)),

    async close() {
      if (closed) return
      await queue
      closed = true
      listeners.clear()
      db.close()
    },
  }
}
