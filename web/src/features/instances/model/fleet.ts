/**
 * Pure views of the fleet: counts per state, problem ranking, filtering, sorting, and the
 * platforms that need an operator's action. No React, no network.
 * @module
 */
import type { ClientInstance, ClientPlatformStatus } from '@relay-console/shared/instance'
import { PLATFORM_STATES, type PlatformState } from '@relay-console/shared/platform-state'

/** A state tile: a platform state, or "needs attention". */
export type StateKey = PlatformState | 'attention'
/** The state tiles pressed: an instance shows when it matches any of them; none pressed shows all. */
export type StateFilter = readonly StateKey[]
export type SortOrder = 'problems' | 'name' | 'recent'

export interface FleetCounts {
  byState: Record<PlatformState, number>
  /** Platforms in a state this version does not know. */
  unknown: number
  attention: number
  instances: number
}

export function countFleet(instances: readonly ClientInstance[]): FleetCounts {
  const byState = Object.fromEntries(PLATFORM_STATES.map((s) => [s, 0])) as Record<PlatformState, number>
  let unknown = 0
  let attention = 0
  for (const instance of instances) {
    for (const p of instance.platforms) {
      if (p.state in byState) byState[p.state as PlatformState] += 1
      else unknown += 1
      if (p.needsAttention) attention += 1
    }
  }
  return { byState, unknown, attention, instances: instances.length }
}

/** Lower is worse. Disabled is calm: an operator chose it. */
const SEVERITY: Record<string, number> = { fatal: 0, retrying: 2, connecting: 3, disabled: 5, connected: 6 }

export function platformSeverity(p: ClientPlatformStatus): number {
  if (p.needsAttention) return 1
  return SEVERITY[p.state] ?? 4
}

export function instanceSeverity(instance: ClientInstance): number {
  return Math.min(6, ...instance.platforms.map(platformSeverity))
}

const lastChange = (instance: ClientInstance) =>
  Math.max(0, ...instance.platforms.map((p) => Date.parse(p.updatedAt) || 0))

export function matchesFilter(instance: ClientInstance, filter: StateFilter): boolean {
  if (filter.length === 0) return true
  return filter.some((key) =>
    key === 'attention'
      ? instance.platforms.some((p) => p.needsAttention)
      : instance.platforms.some((p) => p.state === key),
  )
}

/**
 * The search box: terms separated by spaces, all of which must match (AND). A term matches when
 * the instance's name, id, gateway id, a platform (its name or label) or a label key or value
 * contains it, case aside; a `key:value` term matches the label `key` whose value is `value`
 * (case aside), and, so that an id with a colon can still be found, also what contains it.
 */
export function matchesSearch(instance: ClientInstance, query: string): boolean {
  const terms = query
    .trim()
    .toLocaleLowerCase()
    .split(/\s+/)
    .filter((t) => t !== '')
  if (terms.length === 0) return true
  const labels = Object.entries(instance.labels ?? {}).map(([k, v]) => [k.toLocaleLowerCase(), v.toLocaleLowerCase()])
  const texts = [
    instance.displayName,
    instance.gatewayId,
    instance.id,
    ...instance.platforms.flatMap((p) => [p.platform, p.label ?? '']),
  ].map((t) => t.toLocaleLowerCase())
  for (const [key, value] of labels) texts.push(key as string, value as string)
  return terms.every((term) => {
    const colon = term.indexOf(':')
    if (colon > 0 && colon < term.length - 1) {
      const key = term.slice(0, colon)
      const value = term.slice(colon + 1)
      if (labels.some(([k, v]) => k === key && v === value)) return true
    }
    return texts.some((text) => text.includes(term))
  })
}

/**
 * Each instance's place in name order (locale collation). Names change rarely and states often, so
 * callers keep this between renders and sorting by state stays linear.
 */
export function nameRanks(instances: readonly ClientInstance[], locale: string): Map<string, number> {
  const collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true })
  const sorted = [...instances].sort(
    (a, b) => collator.compare(a.displayName, b.displayName) || collator.compare(a.id, b.id),
  )
  return new Map(sorted.map((i, rank) => [i.id, rank]))
}

export function selectInstances(
  instances: readonly ClientInstance[],
  options: { filter: StateFilter; query: string; sort: SortOrder; locale: string; ranks?: Map<string, number> },
): ClientInstance[] {
  const ranks = options.ranks ?? nameRanks(instances, options.locale)
  const rank = (i: ClientInstance) => ranks.get(i.id) ?? Number.MAX_SAFE_INTEGER
  const selected = instances.filter((i) => matchesFilter(i, options.filter) && matchesSearch(i, options.query))
  const byName = (a: ClientInstance, b: ClientInstance) => rank(a) - rank(b)
  switch (options.sort) {
    case 'name':
      return selected.sort(byName)
    case 'recent':
      return selected.sort((a, b) => lastChange(b) - lastChange(a) || byName(a, b))
    case 'problems': {
      // Severity takes seven values: bucket by it, in name order. Linear, however large the fleet.
      const buckets: ClientInstance[][] = Array.from({ length: 7 }, () => [])
      for (const i of selected.sort(byName)) buckets[instanceSeverity(i)]?.push(i)
      return buckets.flat()
    }
  }
}

export interface ActionNeeded {
  instance: ClientInstance
  platform: ClientPlatformStatus
  kind: 'fatal' | 'attention'
}

/** Platforms that need an operator: failed ones and long retries. Never disabled ones. */
export function actionNeeded(instances: readonly ClientInstance[]): ActionNeeded[] {
  const out: ActionNeeded[] = []
  for (const instance of instances) {
    for (const platform of instance.platforms) {
      if (platform.state === 'fatal') out.push({ instance, platform, kind: 'fatal' })
      else if (platform.needsAttention && platform.state !== 'disabled')
        out.push({ instance, platform, kind: 'attention' })
    }
  }
  return out
}
