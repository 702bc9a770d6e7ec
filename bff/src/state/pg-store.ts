/**
 * {@link StateStore} on PostgreSQL, shared by several console replicas: the schema is migrated at
 * open (`pg/migrations/`), every logged change takes its rev from the one-row counter in its own
 * transaction and notifies the others, and `onCommit` listens for them (`pg/commit-signal.ts`).
 *
 * Batches travel as one JSON parameter, written `${JSON.stringify(x)}::text::json`: as text, so the
 * driver sends the string as it is (a parameter the server types `json` would be encoded again),
 * and as json rather than jsonb, so the objects keep their keys in their order.
 * @module
 */

import { type Log, silentLog } from '../lib/log'
import { eventsOfChange } from '../notify/events'
import { NO_WEBHOOKS } from '../notify/outbox-plan'
import { CHANGES_CHANNEL, createCommitSignal } from './pg/commit-signal'
import { connect } from './pg/connect'
import { fenceStatusUpdates } from './pg/fence'
import { pgFleetOps, writeEvents } from './pg/fleet-ops'
import { migrate } from './pg/migrate'
import { planStatusChanges } from './pg/plan-statuses'
import {
  type AuditRow,
  type InstanceRow,
  jsonWithoutNul,
  type StatusRow,
  type TransitionRow,
  toAuditEntry,
  toStored,
  toTransition,
  withoutNul,
} from './pg/rows'
import { createPgSessionStore } from './pg/sessions'
import { createPgStoreTx, type PgStoreTx } from './pg/store-tx'
import {
  type LoggedChange,
  type OutboxPolicy,
  type StateStore,
  type StatusUpdate,
  StoreUnavailableError,
} from './store'
import { HISTORY_CAP, TRIM_SLACK } from './store-rules'

/** The driver's codes for a connection that could not be made or broke. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
])

/**
 * Whether an error says the server could not be reached or went away, rather than that the query
 * was wrong: a connection failure, SQLSTATE class 08 (connection exception), or 57P01–57P03 (the
 * server shutting down, crashed, or not yet accepting connections).
 */
export function unreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return CONNECTION_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)
}

/**
 * Errors after which nothing of the operation was done: the connection was refused or never made,
 * or the server ended the session (shutting down, crashed, starting up) before anything was
 * committed. Any operation may be tried again after one.
 */
const NOTHING_DONE = new Set(['ECONNREFUSED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '08001', '08004'])

/**
 * Operations that only read, or whose second run leaves what the first did: tried again after any
 * connection failure, even one that may have come after the server did the work.
 */
const REPEATABLE = new Set<string>([
  'changesAfter',
  'currentRev',
  'history',
  'audit',
  'auditOutcome',
  'instance',
  'findSession',
  'authFailures',
  'touchSession',
  'revokeSession',
  'pruneSessions',
  'pruneChanges',
  'settleInterrupted',
  'maintenanceWindows',
  'maintenanceWindow',
  'deliveries',
  'pruneDeliveries',
  'getOrCreateSecret',
])

/** Pauses before the tries after the first: a connection the server ended is replaced meanwhile. */
const RETRY_PAUSES_MS = [20, 100, 300]

/** Whether `operation` may be tried again after `error`. */
export function retryable(operation: string, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && NOTHING_DONE.has(code)) return true
  return REPEATABLE.has(operation) && unreachable(error)
}

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string
  now: () => number
  log?: Log
  /** Connections in the pool; one more listens for other replicas' commits. */
  poolSize?: number
  /** Which webhooks take which events; none when absent. */
  outbox?: OutboxPolicy
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<StateStore> {
  const log = options.log ?? silentLog
  const { now } = options
  const db = connect({ url: options.url, poolSize: options.poolSize, log })
  try {
    const applied = await migrate(db)
    if (applied.length > 0) log.info({ versions: applied }, 'migrated the state database')
  } catch (error) {
    await db.end({ timeout: 0 })
    throw error
  }
  const signal = createCommitSignal(db, log)
  const policy = () => options.outbox ?? NO_WEBHOOKS
  const fleetOps = pgFleetOps(db, policy, now)
  /** Transitions added per instance since this process last trimmed its history. */
  const untrimmed = new Map<string, number>()
  let closing: Promise<void> | null = null
  const inFlight = new Set<Promise<unknown>>()

  /** The instances whose history grew past the slack since their last trim (by this process). */
  function dueForTrim(changes: readonly LoggedChange[]): string[] {
    const due: string[] = []
    for (const { instance, transitions } of changes) {
      if (transitions.length === 0) continue
      const added = (untrimmed.get(instance.id) ?? TRIM_SLACK) + transitions.length
      if (added >= TRIM_SLACK) {
        due.push(instance.id)
        untrimmed.set(instance.id, 0)
      } else untrimmed.set(instance.id, added)
    }
    return [...new Set(due)]
  }

  async function saveStatuses(updates: readonly StatusUpdate[]): Promise<LoggedChange[]> {
    if (updates.length === 0) return []
    const clean = jsonWithoutNul(updates)
    const changes = await db.begin(async (q) => {
      const [counter] = await q<{ rev: number }[]>`SELECT rev FROM rev_counter FOR UPDATE`
      if (counter === undefined) throw new Error('the rev counter is missing')
      // Under the counter's lock: no new owner's statuses can land between the check and this commit.
      const kept = await fenceStatusUpdates(q, clean)
      if (kept.length === 0) return []
      const ids = [...new Set(kept.map((u) => u.id))]
      const rows = await q<StatusRow[]>`
        SELECT id, display_name, gateway_id, opted_in, pending, statuses, labels, disabled_by FROM instances
        WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(ids)}::text::json))`
      const planned = planStatusChanges(counter.rev, new Map(rows.map((r) => [r.id, r])), kept)
      const last = planned.at(-1)
      if (last === undefined) return planned
      const logged = planned.map((c) => ({
        rev: c.rev,
        instance_id: c.instance.id,
        instance: c.instance,
        transitions: c.transitions,
      }))
      const latest = new Map(planned.map((c) => [c.instance.id, c.instance.platforms]))
      const history = planned.flatMap((c) =>
        c.transitions.map((t, seq) => ({
          instance_id: c.instance.id,
          rev: c.rev,
          seq,
          at: t.at,
          platform: t.platform,
          from_state: t.from,
          to_state: t.to,
          error_code: t.errorCode,
          error_message: t.errorMessage,
        })),
      )
      // One statement for the whole batch: the log, each instance's latest statuses, the history,
      // the counter, and the notification. Each part is its own flat parameter, so the server
      // parses every JSON text once (json, unlike jsonb, is parsed again by each -> or ->>).
      await q`
        WITH logged AS (
          INSERT INTO changes (rev, instance_id, instance, transitions)
          SELECT * FROM json_to_recordset(${JSON.stringify(logged)}::text::json)
            AS x(rev bigint, instance_id text, instance json, transitions json)
        ), latest AS (
          UPDATE instances i SET statuses = l.statuses
          FROM json_to_recordset(${JSON.stringify([...latest].map(([id, statuses]) => ({ id, statuses })))}::text::json)
            AS l(id text, statuses json)
          WHERE i.id = l.id
        ), history AS (
          INSERT INTO transitions (instance_id, rev, seq, at, platform, from_state, to_state, error_code, error_message)
          SELECT * FROM json_to_recordset(${JSON.stringify(history)}::text::json)
            AS h(instance_id text, rev bigint, seq integer, at text, platform text, from_state text, to_state text,
                 error_code text, error_message text)
        ), counter AS (
          UPDATE rev_counter SET rev = ${last.rev}
        )
        SELECT pg_notify(${CHANGES_CHANNEL}, ${String(last.rev)})`
      // The notifications these changes raise, in their transaction (docs/notifications.md).
      const before = new Map(rows.map((r) => [r.id, r.statuses]))
      const at = now()
      const drafts = planned.flatMap((c) => {
        const was = before.get(c.instance.id) ?? []
        before.set(c.instance.id, c.instance.platforms)
        return eventsOfChange(was, c.instance, new Date(at).toISOString())
      })
      await writeEvents(q, policy(), drafts, at)
      const due = dueForTrim(planned)
      if (due.length > 0) {
        await q`
          DELETE FROM transitions t USING (
            SELECT i.id, cut.rev, cut.seq FROM json_array_elements_text(${JSON.stringify(due)}::text::json) AS i(id)
            CROSS JOIN LATERAL (
              SELECT rev, seq FROM transitions WHERE instance_id = i.id
              ORDER BY rev DESC, seq DESC OFFSET ${HISTORY_CAP} LIMIT 1
            ) cut
          ) d
          WHERE t.instance_id = d.id AND (t.rev, t.seq) <= (d.rev, d.seq)`
      }
      return planned
    })
    const last = changes.at(-1)
    if (last !== undefined) signal.committed(last.rev)
    return changes
  }

  const store: StateStore = {
    ...createPgSessionStore(db, now),

    async define(definitions) {
      // The last definition of an id wins, as it would written one after another.
      const byId = new Map(definitions.map((d) => [d.id, withoutNul(d)]))
      const order = new Map(definitions.map((d, index) => [d.id, index]))
      const ids = [...byId.keys()].sort()
      if (ids.length > 0) {
        const rows = ids.map((id) => {
          const d = byId.get(id) as (typeof definitions)[number]
          return {
            id,
            display_name: d.displayName,
            gateway_id: d.gatewayId,
            platforms: d.platforms,
            labels: d.labels ?? {},
          }
        })
        await db.begin(async (q) => {
          // Under the counter's lock, like every writer of instances (see pg/store-tx.ts).
          await q`SELECT rev FROM rev_counter FOR UPDATE`
          await q`
            INSERT INTO instances (id, display_name, gateway_id, platforms, labels)
            SELECT id, display_name, gateway_id, platforms, labels
            FROM json_to_recordset(${JSON.stringify(rows)}::text::json)
              AS d(id text, display_name text, gateway_id text, platforms json, labels json)
            ORDER BY id
            ON CONFLICT (id) DO UPDATE SET
              display_name = EXCLUDED.display_name, gateway_id = EXCLUDED.gateway_id, platforms = EXCLUDED.platforms,
              labels = EXCLUDED.labels
            WHERE (instances.display_name, instances.gateway_id, instances.platforms::text, instances.labels::text)
              IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.gateway_id, EXCLUDED.platforms::text, EXCLUDED.labels::text)`
        })
      }
      // One snapshot for the rows and the rev: the log after `rev` is exactly what they lack.
      return db.begin('isolation level repeatable read read only', async (q) => {
        const [counter] = await q<{ rev: number }[]>`SELECT rev FROM rev_counter`
        const rows = await q<InstanceRow[]>`
          SELECT * FROM instances WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(ids)}::text::json))`
        const instances = rows.map(toStored).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
        return { rev: counter?.rev ?? 0, instances }
      })
    },

    async transaction(work) {
      let tx: PgStoreTx | undefined
      const result = await db.begin((q) => {
        tx = createPgStoreTx(q, now)
        return work(tx)
      })
      const logged = tx?.loggedRev ?? null
      if (logged !== null) signal.committed(logged)
      return result as Awaited<ReturnType<typeof work>>
    },

    saveStatuses,

    async changesAfter(rev, limit) {
      // One statement, so one snapshot: the counter says what the page must reach back to.
      const rows = await db<{ current: number; rev: number | null; instance: unknown; transitions: unknown }[]>`
        SELECT r.rev AS current, c.rev, c.instance, c.transitions
        FROM rev_counter r LEFT JOIN LATERAL (
          SELECT rev, instance, transitions FROM changes WHERE rev > ${rev} ORDER BY rev LIMIT ${Math.max(0, limit)}
        ) c ON true
        ORDER BY c.rev`
      const current = rows[0]?.current ?? 0
      const page = rows.filter((r) => r.rev !== null) as unknown as LoggedChange[]
      if (page.length === 0) return current > rev && limit > 0 ? null : []
      if (page[0]?.rev !== rev + 1) return null
      return page.map(({ rev, instance, transitions }) => ({ rev, instance, transitions }))
    },

    async currentRev() {
      const [counter] = await db<{ rev: number }[]>`SELECT rev FROM rev_counter`
      return counter?.rev ?? 0
    },

    async pruneChanges(keep) {
      const result = await db`DELETE FROM changes WHERE rev <= (SELECT rev FROM rev_counter) - ${Math.max(0, keep)}`
      return result.count
    },

    onCommit: (listener) => signal.add(listener),

    addMaintenance: (window) => fleetOps.addWindow(window),
    maintenanceWindows: (recent) => fleetOps.windows(recent),
    maintenanceWindow: (id) => fleetOps.window(id),
    enqueue: (drafts, webhooks) => fleetOps.enqueue(drafts, webhooks),
    setConnectorUnreachable: (unreachable, draft) => fleetOps.setConnectorUnreachable(unreachable, draft),
    claimDeliveries: (claim) => fleetOps.claim(claim),
    finishDelivery: (id, owner, outcome) => fleetOps.finish(id, owner, outcome),
    deliveries: (limit) => fleetOps.deliveries(limit),
    pruneDeliveries: (before) => fleetOps.prune(before),

    async history(id, limit) {
      const rows = await db<TransitionRow[]>`
        SELECT rev, at, platform, from_state, to_state, error_code, error_message FROM transitions
        WHERE instance_id = ${id} ORDER BY rev DESC, seq DESC LIMIT ${Math.max(0, Math.min(limit, HISTORY_CAP))}`
      return rows.map(toTransition)
    },

    async audit({ limit, instanceId }) {
      const rows =
        instanceId === undefined
          ? await db<AuditRow[]>`SELECT * FROM audit ORDER BY id DESC LIMIT ${Math.max(0, limit)}`
          : await db<AuditRow[]>`
              SELECT * FROM audit WHERE instance_id = ${instanceId} ORDER BY id DESC LIMIT ${Math.max(0, limit)}`
      return rows.map(toAuditEntry)
    },

    async auditOutcome(entryId) {
      const [row] = await db<Pick<AuditRow, 'result' | 'detail' | 'error_code'>[]>`
        SELECT result, detail, error_code FROM audit WHERE id = ${entryId}`
      return row === undefined ? null : { result: row.result, detail: row.detail, errorCode: row.error_code }
    },

    async instance(id) {
      const [row] = await db<InstanceRow[]>`SELECT * FROM instances WHERE id = ${id}`
      return row === undefined ? null : toStored(row)
    },

    async settleInterrupted(detail, scope) {
      const result =
        scope === undefined
          ? await db`UPDATE audit SET result = 'failed', detail = ${withoutNul(detail)} WHERE result = 'pending'`
          : await db`
              UPDATE audit SET result = 'failed', detail = ${withoutNul(detail)}
              WHERE result = 'pending' AND instance_id = ${scope.instanceId}
                AND id IS DISTINCT FROM ${scope.except ?? null}`
      return result.count
    },

    close() {
      closing ??= (async () => {
        await signal.close()
        await Promise.allSettled(inFlight)
        // Nothing of ours is left to wait for. Ending at once (rather than letting the driver wait
        // for its queries) also ends a connection the server cut in mid-query, which the driver
        // would otherwise wait on until the timeout.
        await db.end({ timeout: 0 })
      })()
      return closing
    },
  }
  return tracked(store)

  /**
   * The store whose operations close() waits for, and which refuses new ones once closing. An
   * operation the database could not have carried out (see {@link retryable}) is tried again a few
   * times, so a restart of the server costs a request a pause rather than an error; past that, the
   * error is {@link StoreUnavailableError}.
   */
  function tracked(target: StateStore): StateStore {
    const wrapped = { ...target }
    for (const key of Object.keys(target) as (keyof StateStore)[]) {
      if (key === 'close' || key === 'onCommit') continue
      const operation = target[key] as (...args: unknown[]) => Promise<unknown>
      ;(wrapped as Record<string, unknown>)[key] = (...args: unknown[]) => {
        if (closing !== null) return Promise.reject(new Error('the state store is closed'))
        const attempt = async (): Promise<unknown> => {
          for (let tries = 0; ; tries++) {
            try {
              return await operation(...args)
            } catch (error) {
              const pause = RETRY_PAUSES_MS[tries]
              if (pause === undefined || closing !== null || !retryable(key, error)) {
                throw unreachable(error) ? new StoreUnavailableError(error) : error
              }
              await new Promise((resolve) => setTimeout(resolve, pause))
            }
          }
        }
        const running = attempt()
        inFlight.add(running)
        running.then(
          () => inFlight.delete(running),
          () => inFlight.delete(running),
        )
        return running
      }
    }
    return wrapped
  }
}
