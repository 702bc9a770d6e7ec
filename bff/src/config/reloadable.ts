/**
 * What a reload of the config file may change (docs/configuration.md, "Changing the fleet without
 * a restart"): `instances` and `notifications`. Everything else is read once, at start; a reload that changes it
 * is told which fields keep their running values until a restart.
 * @module
 */
import type { RuntimeConfig } from './load'

/** The runtime config's own names that the file spells otherwise. */
const FILE_NAMES: Partial<Record<keyof RuntimeConfig, string>> = {
  connectorUrl: 'connector.url',
  identityTokenEnv: 'connector.identityTokenEnv',
  identityToken: 'connector.identityTokenEnv',
  databaseUrl: 'database.url',
}

/**
 * The fields outside `instances` and `notifications` whose values differ between the running config and a reloaded
 * one, as the file names them (`relay.backoffBaseMs`, `operators`), sorted. Names only: some of
 * them hold secrets.
 */
export function fieldsNeedingRestart(running: RuntimeConfig, next: RuntimeConfig): string[] {
  const keys = new Set([...Object.keys(running), ...Object.keys(next)] as Array<keyof RuntimeConfig>)
  keys.delete('instances')
  keys.delete('notifications')
  const fields = new Set<string>()
  for (const key of keys) {
    for (const path of differences(running[key], next[key], FILE_NAMES[key] ?? key)) fields.add(path)
  }
  return [...fields].sort()
}

/** Paths where two values differ: into plain objects key by key; a list or a leaf as a whole. */
function differences(a: unknown, b: unknown, path: string): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].flatMap((key) => differences(a[key], b[key], `${path}.${key}`))
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path]
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
