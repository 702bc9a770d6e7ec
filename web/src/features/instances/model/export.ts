/**
 * The fleet as the operator sees it (filtered, sorted), as CSV or JSON for a spreadsheet, a ticket
 * or a script. Pure: instances in, text out. Names and labels come from a config and a connector:
 * a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return
 * first) is prefixed with `'`, so opening the file runs nothing.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'

export const CSV_COLUMNS = [
  'id',
  'displayName',
  'gatewayId',
  'optedIn',
  'pending',
  'platforms',
  'labels',
  'disabledBy',
  'lastChange',
] as const

const FORMULA_START = /^[=+\-@\t\r]/

/** One CSV field: neutralised if a spreadsheet would evaluate it, quoted when it must be. */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

function row(instance: ClientInstance): string[] {
  const last = Math.max(0, ...instance.platforms.map((p) => Date.parse(p.updatedAt) || 0))
  return [
    instance.id,
    instance.displayName,
    instance.gatewayId,
    String(instance.optedIn),
    instance.pending ?? '',
    instance.platforms.map((p) => `${p.platform}:${p.state}`).join(' '),
    Object.entries(instance.labels ?? {})
      .map(([k, v]) => `${k}:${v}`)
      .join(' '),
    instance.disabledBy ? `${instance.disabledBy.source}:${instance.disabledBy.actor}` : '',
    last === 0 ? '' : new Date(last).toISOString(),
  ]
}

/** A header line and one line per instance, CRLF-separated (RFC 4180). */
export function instancesCsv(instances: readonly ClientInstance[]): string {
  return [CSV_COLUMNS as readonly string[], ...instances.map(row)].map((r) => r.map(csvField).join(',')).join('\r\n')
}

/** The instances as the API gives them. */
export function instancesJson(instances: readonly ClientInstance[]): string {
  return `${JSON.stringify(instances, null, 2)}\n`
}
