/**
 * The outbox's and maintenance windows' rows as both backends read them, and the records they
 * make. The backends differ in one thing only: SQLite keeps JSON columns as text, PostgreSQL hands
 * them over parsed; each passes its own `json` to read them.
 * @module
 */
import type { DeliveryState, MaintenanceState } from '@relay-console/shared/fleet-ops'
import type { MaintenanceRecord, OutboxRecord } from './store'

/** The flag, in each backend's key-value table, that says `connector.unreachable` stands. */
export const UNREACHABLE_KEY = 'connector_unreachable'

/** Reads a JSON column as the backend hands it over. */
// biome-ignore lint/suspicious/noExplicitAny: a column's JSON is read into the record's typed field
export type ReadJson = (column: unknown) => any

/** Numbers may come as bigints' strings from a driver that keeps them exact. */
type Int = number | string

export interface OutboxRow {
  id: Int
  event_id: string
  type: string
  webhook: string
  instance_id: string | null
  platform: string | null
  subject: string
  draft: unknown
  state: string
  attempts: number
  created_at: Int
  due_at: Int
  delivered_at: Int | null
  last_status: number | null
  last_error: string | null
}

export interface MaintenanceRow {
  id: string
  name: string
  ids: unknown
  selector: unknown
  starts_at: Int
  ends_at: Int
  state: string
  created_by: string
  created_at: Int
  started_at: Int | null
  ended_at: Int | null
  opted_out: unknown
}

const orNull = (value: Int | null) => (value === null ? null : Number(value))

export const toOutbox = (r: OutboxRow, json: ReadJson): OutboxRecord => ({
  id: Number(r.id),
  eventId: r.event_id,
  type: r.type,
  webhook: r.webhook,
  instanceId: r.instance_id,
  platform: r.platform,
  subject: r.subject,
  draft: json(r.draft),
  state: r.state as DeliveryState,
  attempts: r.attempts,
  createdAt: Number(r.created_at),
  dueAt: Number(r.due_at),
  deliveredAt: orNull(r.delivered_at),
  lastStatus: r.last_status,
  lastError: r.last_error,
})

export const toMaintenance = (r: MaintenanceRow, json: ReadJson): MaintenanceRecord => ({
  id: r.id,
  name: r.name,
  ids: r.ids === null ? null : json(r.ids),
  selector: r.selector === null ? null : json(r.selector),
  startsAt: Number(r.starts_at),
  endsAt: Number(r.ends_at),
  state: r.state as MaintenanceState,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  startedAt: orNull(r.started_at),
  endedAt: orNull(r.ended_at),
  optedOut: json(r.opted_out),
})
