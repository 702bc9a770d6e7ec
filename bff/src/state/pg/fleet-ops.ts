/**
 * The PostgreSQL store's outbox and maintenance windows (docs/notifications.md, docs/api.md
 * "Maintenance windows"). A delivery is claimed with `FOR UPDATE SKIP LOCKED` and a claim that
 * lasts until a deadline, so each is sent by one replica, and one that dies holding it frees it.
 * @module
 */
import type { DeliveryState, MaintenanceState } from '@relay-console/shared/fleet-ops'
import type { NotificationDraft } from '../../notify/events'
import { FOLDED_EVENTS, type PlannedDelivery, planDeliveries } from '../../notify/outbox-plan'
import {
  type MaintenanceRow,
  type OutboxRow,
  type ReadJson,
  toMaintenance,
  toOutbox,
  UNREACHABLE_KEY,
} from '../fleet-ops-rows'
import type { DeliveryOutcome, MaintenanceRecord, OutboxPolicy, OutboxRecord } from '../store'
import type { Db, TxDb } from './connect'
import { withoutNul } from './rows'

/** PostgreSQL hands json columns over parsed. */
const parsed: ReadJson = (column) => column

async function insert(q: TxDb | Db, planned: readonly PlannedDelivery[], states: readonly DeliveryState[], at: number) {
  if (planned.length === 0) return
  const rows = planned.map((p, i) => ({
    event_id: p.eventId,
    type: p.type,
    webhook: p.webhook,
    instance_id: p.instanceId,
    platform: p.platform,
    subject: p.subject,
    draft: withoutNul(p.draft),
    state: states[i],
    created_at: at,
    due_at: p.dueAt,
  }))
  await q`
    INSERT INTO outbox (event_id, type, webhook, instance_id, platform, subject, draft, state, created_at, due_at)
    SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::text::json)
      AS r(event_id text, type text, webhook text, instance_id text, platform text, subject text, draft json,
           state text, created_at bigint, due_at bigint)`
}

const unreachableNow = async (q: TxDb) => {
  const [flag] = await q<{ value: boolean }[]>`SELECT value FROM console_flags WHERE key = ${UNREACHABLE_KEY}`
  return flag?.value === true
}

/** In the open transaction of the change that raised them. */
export async function writeEvents(q: TxDb, policy: OutboxPolicy, drafts: readonly NotificationDraft[], at: number) {
  if (drafts.length === 0) return
  const folded = await unreachableNow(q)
  const planned: PlannedDelivery[] = []
  const states: DeliveryState[] = []
  for (const draft of drafts) {
    if (folded && FOLDED_EVENTS.includes(draft.type)) continue
    let state: DeliveryState = 'pending'
    if (draft.type === 'instance.recovered') {
      // A recovery within the window cancels its failure for every webhook, and is not sent either.
      const cancelled = await q`
        UPDATE outbox SET state = 'debounced' WHERE subject = ${draft.subject}
          AND state = 'pending' AND attempts = 0 AND due_at > ${at}
          AND type IN ('instance.failed', 'instance.needs_attention')`
      if (cancelled.count > 0) state = 'debounced'
    }
    for (const p of planDeliveries([draft], policy, at)) {
      planned.push(p)
      states.push(state)
    }
  }
  await insert(q, planned, states, at)
}

export function pgFleetOps(db: Db, policy: () => OutboxPolicy, now: () => number) {
  return {
    async enqueue(drafts: readonly NotificationDraft[], webhooks?: readonly string[]) {
      const at = now()
      const planned = planDeliveries(drafts, policy(), at, webhooks)
      await insert(
        db,
        planned,
        planned.map(() => 'pending'),
        at,
      )
      return [...new Set(planned.map((p) => p.eventId))]
    },
    async setConnectorUnreachable(unreachable: boolean, draft: NotificationDraft): Promise<boolean> {
      return db.begin(async (q) => {
        // One row, locked: two replicas judging the same change write one event between them.
        await q`INSERT INTO console_flags (key, value) VALUES (${UNREACHABLE_KEY}, false) ON CONFLICT (key) DO NOTHING`
        const [flag] = await q<{ value: boolean }[]>`
          SELECT value FROM console_flags WHERE key = ${UNREACHABLE_KEY} FOR UPDATE`
        if ((flag?.value ?? false) === unreachable) return false
        await q`UPDATE console_flags SET value = ${unreachable} WHERE key = ${UNREACHABLE_KEY}`
        if (unreachable) {
          await q`
            UPDATE outbox SET state = 'grouped' WHERE state = 'pending' AND attempts = 0
              AND type IN ('instance.failed', 'instance.needs_attention')`
        }
        const at = now()
        const planned = planDeliveries([draft], policy(), at)
        await insert(
          q,
          planned,
          planned.map(() => 'pending'),
          at,
        )
        return true
      }) as Promise<boolean>
    },
    async claim(c: { owner: string; now: number; leaseUntil: number; limit: number }): Promise<OutboxRecord[]> {
      const rows = await db<OutboxRow[]>`
        UPDATE outbox SET claimed_by = ${c.owner}, claimed_until = ${c.leaseUntil}, attempts = attempts + 1 WHERE id IN (
          SELECT id FROM outbox WHERE state = 'pending' AND due_at <= ${c.now}
            AND (claimed_until IS NULL OR claimed_until < ${c.now})
          ORDER BY due_at, id LIMIT ${c.limit} FOR UPDATE SKIP LOCKED)
        RETURNING *`
      return rows.map((r) => toOutbox(r, parsed)).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)
    },
    async finish(id: number, owner: string, outcome: DeliveryOutcome) {
      const dueAt = outcome.state === 'pending' ? outcome.retryAt : null
      const deliveredAt = outcome.state === 'delivered' ? outcome.at : null
      const error = outcome.state === 'delivered' ? null : withoutNul(outcome.error)
      await db`
        UPDATE outbox SET state = ${outcome.state}, due_at = COALESCE(${dueAt}::bigint, due_at),
          delivered_at = ${deliveredAt}, last_status = ${outcome.status}, last_error = ${error},
          claimed_by = NULL, claimed_until = NULL
        WHERE id = ${id} AND claimed_by = ${owner} AND state = 'pending'`
    },
    async deliveries(limit: number) {
      const rows = await db<OutboxRow[]>`SELECT * FROM outbox ORDER BY id DESC LIMIT ${Math.max(0, limit)}`
      return rows.map((r) => toOutbox(r, parsed))
    },
    async prune(before: number) {
      const result = await db`DELETE FROM outbox WHERE created_at < ${before} AND state != 'pending'`
      return result.count
    },
    async addWindow(w: MaintenanceRecord) {
      await db`
        INSERT INTO maintenance (id, name, ids, selector, starts_at, ends_at, state, created_by, created_at)
        VALUES (${w.id}, ${withoutNul(w.name)}, ${w.ids === null ? null : JSON.stringify(w.ids)}::text::json,
          ${w.selector === null ? null : JSON.stringify(w.selector)}::text::json, ${w.startsAt}, ${w.endsAt},
          'scheduled', ${w.createdBy}, ${w.createdAt})`
    },
    async windows(recent: number) {
      const rows = await db<MaintenanceRow[]>`
        SELECT * FROM (
          SELECT * FROM maintenance WHERE state IN ('scheduled', 'active')
          UNION ALL (SELECT * FROM maintenance WHERE state IN ('ended', 'cancelled')
            ORDER BY COALESCE(ended_at, created_at) DESC LIMIT ${Math.max(0, recent)})
        ) w ORDER BY starts_at, id`
      return rows.map((r) => toMaintenance(r, parsed))
    },
    async window(id: string) {
      const [row] = await db<MaintenanceRow[]>`SELECT * FROM maintenance WHERE id = ${id}`
      return row === undefined ? null : toMaintenance(row, parsed)
    },
  }
}

/** Moves a window, in the caller's transaction (see StoreTx.moveMaintenance). */
export async function moveMaintenance(
  q: TxDb,
  id: string,
  from: MaintenanceState,
  to: MaintenanceState,
  at: number,
  optedOut?: string[],
): Promise<boolean> {
  const started = to === 'active' ? at : null
  const ended = to === 'ended' || to === 'cancelled' ? at : null
  const result = await q`
    UPDATE maintenance SET state = ${to},
      started_at = COALESCE(${started}::bigint, started_at),
      ended_at = COALESCE(${ended}::bigint, ended_at),
      opted_out = COALESCE(${optedOut === undefined ? null : JSON.stringify(optedOut)}::text::json, opted_out)
    WHERE id = ${id} AND state = ${from}`
  return result.count === 1
}
