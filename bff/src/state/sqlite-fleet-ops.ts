/**
 * The SQLite store's outbox and maintenance windows (docs/notifications.md, docs/api.md
 * "Maintenance windows"): statements over the same database, called inside the store's queue
 * (writes) or straight (reads), like the rest of the store.
 * @module
 */
import type { DeliveryState, MaintenanceState } from '@relay-console/shared/fleet-ops'
import type Database from 'better-sqlite3'
import type { NotificationDraft } from '../notify/events'
import { FOLDED_EVENTS, type PlannedDelivery, planDeliveries } from '../notify/outbox-plan'
import {
  type MaintenanceRow,
  type OutboxRow,
  type ReadJson,
  toMaintenance,
  toOutbox,
  UNREACHABLE_KEY,
} from './fleet-ops-rows'
import type { DeliveryOutcome, MaintenanceRecord, OutboxPolicy, OutboxRecord } from './store'

const parse: ReadJson = (column) => JSON.parse(column as string)

export function sqliteFleetOps(db: Database.Database, policy: () => OutboxPolicy, now: () => number) {
  const q = {
    flag: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
    setFlag: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    add: db.prepare(
      `INSERT INTO outbox (event_id, type, webhook, instance_id, platform, subject, draft, state, created_at, due_at)
       VALUES (@eventId, @type, @webhook, @instanceId, @platform, @subject, @draft, @state, @createdAt, @dueAt)`,
    ),
    debounce: db.prepare(
      `UPDATE outbox SET state = 'debounced' WHERE subject = ? AND state = 'pending' AND attempts = 0
       AND due_at > ? AND type IN ('instance.failed', 'instance.needs_attention')`,
    ),
    fold: db.prepare(
      `UPDATE outbox SET state = 'grouped' WHERE state = 'pending' AND attempts = 0
       AND type IN ('instance.failed', 'instance.needs_attention')`,
    ),
    claim: db.prepare<[string, number, number, number, number], OutboxRow>(
      `UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1 WHERE id IN (
         SELECT id FROM outbox WHERE state = 'pending' AND due_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
         ORDER BY due_at, id LIMIT ?) RETURNING *`,
    ),
    finish: db.prepare(
      `UPDATE outbox SET state = @state, due_at = COALESCE(@dueAt, due_at),
       delivered_at = @deliveredAt, last_status = @status, last_error = @error, claimed_by = NULL, claimed_until = NULL
       WHERE id = @id AND claimed_by = @owner AND state = 'pending'`,
    ),
    log: db.prepare<[number], OutboxRow>('SELECT * FROM outbox ORDER BY id DESC LIMIT ?'),
    prune: db.prepare("DELETE FROM outbox WHERE created_at < ? AND state != 'pending'"),
    addWindow: db.prepare(
      `INSERT INTO maintenance (id, name, ids, selector, starts_at, ends_at, state, created_by, created_at)
       VALUES (@id, @name, @ids, @selector, @startsAt, @endsAt, 'scheduled', @createdBy, @createdAt)`,
    ),
    windows: db.prepare<[number], MaintenanceRow>(
      `SELECT * FROM maintenance WHERE state IN ('scheduled', 'active')
       UNION ALL SELECT * FROM (SELECT * FROM maintenance WHERE state IN ('ended', 'cancelled')
         ORDER BY COALESCE(ended_at, created_at) DESC LIMIT ?)
       ORDER BY starts_at, id`,
    ),
    window: db.prepare<[string], MaintenanceRow>('SELECT * FROM maintenance WHERE id = ?'),
    move: db.prepare(
      `UPDATE maintenance SET state = @to,
         started_at = CASE WHEN @to = 'active' THEN @at ELSE started_at END,
         ended_at = CASE WHEN @to IN ('ended', 'cancelled') THEN @at ELSE ended_at END,
         opted_out = COALESCE(@optedOut, opted_out)
       WHERE id = @id AND state = @from`,
    ),
  }

  const insert = (planned: PlannedDelivery, state: DeliveryState) =>
    q.add.run({ ...planned, draft: JSON.stringify(planned.draft), state, createdAt: now() })

  return {
    /** In the open transaction of the change that raised them. */
    writeEvents(drafts: readonly NotificationDraft[]) {
      if (drafts.length === 0) return
      const at = now()
      const folded = q.flag.get(UNREACHABLE_KEY)?.value === 1
      for (const draft of drafts) {
        if (folded && FOLDED_EVENTS.includes(draft.type)) continue
        // A recovery within the window cancels its failure for every webhook, and is not sent either.
        const cancelled = draft.type === 'instance.recovered' && q.debounce.run(draft.subject, at).changes > 0
        for (const planned of planDeliveries([draft], policy(), at))
          insert(planned, cancelled ? 'debounced' : 'pending')
      }
    },
    enqueue(drafts: readonly NotificationDraft[], webhooks?: readonly string[]): string[] {
      const planned = planDeliveries(drafts, policy(), now(), webhooks)
      for (const p of planned) insert(p, 'pending')
      return [...new Set(planned.map((p) => p.eventId))]
    },
    setConnectorUnreachable(unreachable: boolean, draft: NotificationDraft): boolean {
      const was = q.flag.get(UNREACHABLE_KEY)?.value === 1
      if (was === unreachable) return false
      q.setFlag.run(UNREACHABLE_KEY, unreachable ? 1 : 0)
      if (unreachable) q.fold.run()
      for (const planned of planDeliveries([draft], policy(), now())) insert(planned, 'pending')
      return true
    },
    claim(c: { owner: string; now: number; leaseUntil: number; limit: number }): OutboxRecord[] {
      return q.claim.all(c.owner, c.leaseUntil, c.now, c.now, c.limit).map((r) => toOutbox(r, parse))
    },
    finish(id: number, owner: string, outcome: DeliveryOutcome) {
      q.finish.run({
        id,
        owner,
        state: outcome.state,
        dueAt: outcome.state === 'pending' ? outcome.retryAt : null,
        deliveredAt: outcome.state === 'delivered' ? outcome.at : null,
        status: outcome.status,
        error: outcome.state === 'delivered' ? null : outcome.error,
      })
    },
    deliveries: (limit: number) => q.log.all(limit).map((r) => toOutbox(r, parse)),
    prune: (before: number) => q.prune.run(before).changes,
    addWindow(w: MaintenanceRecord) {
      q.addWindow.run({
        ...w,
        ids: w.ids === null ? null : JSON.stringify(w.ids),
        selector: w.selector === null ? null : JSON.stringify(w.selector),
      })
    },
    windows: (recent: number) => q.windows.all(recent).map((r) => toMaintenance(r, parse)),
    window(id: string) {
      const row = q.window.get(id)
      return row === undefined ? null : toMaintenance(row, parse)
    },
    move(id: string, from: MaintenanceState, to: MaintenanceState, at: number, optedOut?: string[]) {
      const optedOutJson = optedOut === undefined ? null : JSON.stringify(optedOut)
      return q.move.run({ id, from, to, at, optedOut: optedOutJson }).changes === 1
    },
  }
}
