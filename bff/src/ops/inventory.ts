/**
 * What a reloaded config changes in the fleet (docs/configuration.md, "Changing the fleet without a
 * restart"): the instances it adds, those it removes, and for each one it keeps, what changed and
 * whether its relay socket has to be rebuilt for it. Pure: the service carries it out.
 * @module
 */
import type { PlatformIdentity } from '@relay-console/shared/instance'

/** One instance as the config defines it (a `ResolvedInstance`). */
export interface InventoryEntry {
  id: string
  displayName: string
  gatewayId: string
  platforms: readonly PlatformIdentity[]
  labels?: Readonly<Record<string, string>>
  /** The secret the config names; null: none (provisioned, or issued by the connector). */
  configSecret: string | null
}

/** The fields of an instance a reload can change, as the config file spells them. */
export type InventoryField = 'displayName' | 'gatewayId' | 'platforms' | 'labels' | 'secret'

export interface InstanceChange {
  id: string
  /** What differs, in the order above. */
  fields: InventoryField[]
  /** The store's definition differs (name, gateway, platforms or labels): the store and the view take the new one. */
  definition: boolean
  /** The socket is built from what changed (gateway, platforms, a new config secret): it is rebuilt. */
  socket: boolean
}

export interface InventoryDiff<T extends InventoryEntry = InventoryEntry> {
  /** In the order of the new config. */
  added: T[]
  /** Ids, in the order of the running config. */
  removed: string[]
  /** In the order of the new config; instances that did not change are not listed. */
  changed: InstanceChange[]
}

export function diffInventory<T extends InventoryEntry>(
  running: readonly InventoryEntry[],
  next: readonly T[],
): InventoryDiff<T> {
  const before = new Map(running.map((instance) => [instance.id, instance]))
  const after = new Set(next.map((instance) => instance.id))
  const added: T[] = []
  const changed: InstanceChange[] = []
  for (const instance of next) {
    const old = before.get(instance.id)
    if (old === undefined) {
      added.push(instance)
      continue
    }
    const change = changeOf(old, instance)
    if (change !== null) changed.push(change)
  }
  const removed = running.filter((instance) => !after.has(instance.id)).map((instance) => instance.id)
  return { added, removed, changed }
}

/** Whether the diff asks for anything at all. */
export function isEmptyDiff(diff: InventoryDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0
}

function changeOf(old: InventoryEntry, next: InventoryEntry): InstanceChange | null {
  const fields: InventoryField[] = []
  if (old.displayName !== next.displayName) fields.push('displayName')
  if (old.gatewayId !== next.gatewayId) fields.push('gatewayId')
  if (!samePlatforms(old.platforms, next.platforms)) fields.push('platforms')
  if (!sameLabels(old.labels ?? {}, next.labels ?? {})) fields.push('labels')
  if (old.configSecret !== next.configSecret) fields.push('secret')
  if (fields.length === 0) return null
  return {
    id: next.id,
    fields,
    definition: fields.some((field) => field !== 'secret'),
    // A secret taken out of the config changes nothing: the one in use (kept in the store) stays.
    socket:
      fields.includes('gatewayId') ||
      fields.includes('platforms') ||
      (fields.includes('secret') && next.configSecret !== null),
  }
}

/** Platforms in the same order: the hellos are sent in it. */
function samePlatforms(a: readonly PlatformIdentity[], b: readonly PlatformIdentity[]): boolean {
  return a.length === b.length && a.every((p, i) => p.platform === b[i]?.platform && p.botId === b[i]?.botId)
}

/** Labels are a set of pairs: their order means nothing. */
function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
}
