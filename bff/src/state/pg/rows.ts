/**
 * Rows of the PostgreSQL store and the records of the store's interface they turn into; and the
 * one thing PostgreSQL refuses that SQLite keeps: a NUL character in text.
 * @module
 */
import type { AuditEntry, Transition } from '@relay-console/shared/api'
import type { DisabledBy, Instance, Labels, PendingIntent, PlatformIdentity } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import type { StoredInstance } from '../store'

export interface InstanceRow {
  id: string
  display_name: string
  gateway_id: string
  platforms: PlatformIdentity[]
  opted_in: boolean
  pending: PendingIntent | null
  secret: string | null
  config_secret_digest: string | null
  statuses: PlatformStatus[]
  pending_entry: number | null
  labels: Labels
  disabled_by: DisabledBy | null
}

/** The columns of an instance its public view and its statuses' changes are made of. */
export type StatusRow = Omit<InstanceRow, 'platforms' | 'secret' | 'config_secret_digest' | 'pending_entry'>

export const toStored = (row: InstanceRow): StoredInstance => ({
  id: row.id,
  displayName: row.display_name,
  gatewayId: row.gateway_id,
  platforms: row.platforms,
  labels: row.labels,
  optedIn: row.opted_in,
  disabledBy: row.disabled_by,
  pending: row.pending,
  secret: row.secret,
  configSecretDigest: row.config_secret_digest,
  statuses: row.statuses,
  pendingEntry: row.pending_entry,
})

/** The public instance, keys in the order every backend logs them. */
export const publicView = (row: StatusRow): Instance => ({
  id: row.id,
  displayName: row.display_name,
  gatewayId: row.gateway_id,
  optedIn: row.opted_in,
  pending: row.pending,
  platforms: row.statuses,
  labels: row.labels,
  disabledBy: row.disabled_by,
})

export interface TransitionRow {
  rev: number
  at: string
  platform: string
  from_state: Transition['from']
  to_state: Transition['to']
  error_code: string | null
  error_message: string | null
}

export const toTransition = (r: TransitionRow): Transition => ({
  rev: r.rev,
  at: r.at,
  platform: r.platform,
  from: r.from_state,
  to: r.to_state,
  errorCode: r.error_code,
  errorMessage: r.error_message,
})

export interface AuditRow {
  at: Date
  actor: string
  action: AuditEntry['action']
  instance_id: string
  result: AuditEntry['result']
  detail: string | null
  error_code: string | null
  batch_id: string | null
}

export const toAuditEntry = (r: AuditRow): AuditEntry => ({
  at: r.at.toISOString(),
  actor: r.actor,
  action: r.action,
  instanceId: r.instance_id,
  result: r.result,
  detail: r.detail,
  batchId: r.batch_id,
})

/**
 * PostgreSQL text (and JSON read as text) cannot hold U+0000, and a connector's words (an error
 * message, a label) could carry one: it becomes U+FFFD, so one odd character never fails a write.
 */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T
  if (Array.isArray(value)) return value.map(withoutNul) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T
  }
  return value
}

/** {@link withoutNul} for a batch: a copy only when some string has a NUL (JSON shows it as `\u0000`). */
export const jsonWithoutNul = <T>(value: T): T =>
  JSON.stringify(value).includes('\\u0000') ? withoutNul(value) : value
