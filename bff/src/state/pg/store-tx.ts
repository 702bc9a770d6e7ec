/**
 * The writes of one PostgreSQL transaction ({@link StoreTx}). Whatever writes an instance row takes
 * the rev counter's row lock first and keeps it to commit: changes then commit in rev order, and
 * since every writer of instances queues on that one lock before touching any instance, two
 * writers can never hold each other's rows (no deadlock). Audit writes need no such lock.
 * @module
 */
import type { LoggedChange, StoreTx } from '../store'
import { AUDIT_CAP, boundedDetail } from '../store-rules'
import { CHANGES_CHANNEL } from './commit-signal'
import type { TxDb } from './connect'
import { moveMaintenance } from './fleet-ops'
import { type InstanceRow, publicView, type StatusRow, toStored, withoutNul } from './rows'

export interface PgStoreTx extends StoreTx {
  /** The latest rev this transaction logged, if any. */
  readonly loggedRev: number | null
}

export function createPgStoreTx(q: TxDb, now: () => number): PgStoreTx {
  let counterHeld = false
  let loggedRev: number | null = null

  async function holdCounter(): Promise<void> {
    if (counterHeld) return
    await q`SELECT rev FROM rev_counter FOR UPDATE`
    counterHeld = true
  }

  /** Logs an intent change (no transitions) with the next rev, and notifies the other replicas at commit. */
  async function logIntent(row: StatusRow): Promise<LoggedChange> {
    const instance = publicView(row)
    const [logged] = await q<{ rev: number }[]>`
      WITH next AS (UPDATE rev_counter SET rev = rev + 1 RETURNING rev)
      INSERT INTO changes (rev, instance_id, instance, transitions)
      SELECT next.rev, ${row.id}, ${JSON.stringify(instance)}::text::json, '[]'::json FROM next
      RETURNING rev, pg_notify(${CHANGES_CHANNEL}, rev::text)`
    if (logged === undefined) throw new Error('the rev counter is missing')
    loggedRev = logged.rev
    return { rev: logged.rev, instance, transitions: [] }
  }

  return {
    get loggedRev() {
      return loggedRev
    },

    moveMaintenance: (id, from, to, at, optedOut) => moveMaintenance(q, id, from, to, at, optedOut),

    async instance(id) {
      // Under the counter's lock, which every writer of instances takes first: nothing changes the
      // row between this read and the commit.
      await holdCounter()
      const [row] = await q<InstanceRow[]>`SELECT * FROM instances WHERE id = ${id}`
      return row === undefined ? null : toStored(row)
    },

    async setIntent(id, optedIn, pending, entryId, by) {
      await holdCounter()
      const pendingEntry = pending === null ? null : (entryId ?? null)
      // Opting in clears who opted it out; an opt-out names them, or keeps the name already there.
      const keep = !optedIn && by === undefined
      const disabledBy = optedIn || by === undefined || by === null ? null : JSON.stringify(withoutNul(by))
      const [row] = await q<StatusRow[]>`
        UPDATE instances SET opted_in = ${optedIn}, pending = ${pending}, pending_entry = ${pendingEntry},
          disabled_by = CASE WHEN ${keep} THEN disabled_by ELSE ${disabledBy}::text::json END
        WHERE id = ${id}
        RETURNING id, display_name, gateway_id, opted_in, pending, statuses, labels, disabled_by`
      if (row === undefined) throw new Error(`unknown instance ${id}`)
      return logIntent(row)
    },

    async settleIntent(id, optedIn, entryId) {
      await holdCounter()
      const [row] = await q<StatusRow[]>`
        UPDATE instances SET opted_in = ${optedIn}, pending = NULL, pending_entry = NULL
        WHERE id = ${id} AND pending_entry = ${entryId}
        RETURNING id, display_name, gateway_id, opted_in, pending, statuses, labels, disabled_by`
      return row === undefined ? null : logIntent(row)
    },

    async appendAudit(entry) {
      // Kept to the newest AUDIT_CAP; rows another transaction holds are left for a later trim.
      const [row] = await q<{ id: number }[]>`
        WITH added AS (
          INSERT INTO audit (at, actor, action, instance_id, result, detail, batch_id)
          VALUES (${new Date(now()).toISOString()}, ${withoutNul(entry.actor)}, ${entry.action},
            ${withoutNul(entry.instanceId)}, ${entry.result}, ${withoutNul(boundedDetail(entry.detail))},
            ${withoutNul(entry.batchId ?? null)})
          RETURNING id
        ), trimmed AS (
          DELETE FROM audit WHERE id IN (
            SELECT a.id FROM audit a, added WHERE a.id <= added.id - ${AUDIT_CAP} FOR UPDATE OF a SKIP LOCKED
          )
        )
        SELECT id FROM added`
      if (row === undefined) throw new Error('the audit entry was not added')
      return row.id
    },

    async settleAudit(entryId, result, detail, errorCode) {
      await q`
        UPDATE audit SET result = ${result}, detail = ${withoutNul(boundedDetail(detail))},
          error_code = ${withoutNul(errorCode ?? null)}
        WHERE id = ${entryId} AND result = 'pending'`
    },

    async saveSecret(id, secret, configSecretDigest) {
      await holdCounter()
      await q`
        UPDATE instances SET secret = ${secret}, config_secret_digest = COALESCE(${configSecretDigest ?? null}, config_secret_digest)
        WHERE id = ${id}`
    },
  }
}
