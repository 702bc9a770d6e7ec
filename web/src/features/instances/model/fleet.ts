/**
 * Pure views of the fleet: counts per state, problem ranking, filtering, sorting, and the
 * platforms that need an operator's action. No React, no network.
 * @module
 */

import { assertNever } from '@relay-console/shared/assert-never'
import type { ClientInstance, ClientPlatformStatus } from '@relay-console/shared/instance'
import { PLATFORM_STATES, type PlatformState } from '@relay-console/shared/platform-state'

/** A state tile: a platform state, or "needs attention". */
export type StateKey = PlatformState | 'attention'
/** The state tiles pressed: an instance shows when it matches any of them; none pressed shows all. */
export type StateFilter = readonly StateKey[]
/**
 * What the fleet can be sorted by: the card view's three orders and the table's columns. Each has
 * a natural direction (problems: worst first; recent and the state counts: most first; text: A to
 * Z); a leading `-` reverses it. Ties are always in name order.
 */
export const SORT_COLUMNS = [
  'problems',
  'name',
  'recent',
  'gateway',
  'labels',
  'fatal',
  'retrying',
  'connecting',
  'connected',
  'disabled',
] as const
export type SortColumn = (typeof SORT_COLUMNS)[number]
export type SortOrder = SortColumn | `-${SortColumn}`

export function sortColumn(sort: SortOrder): { column: SortColumn; reversed: boolean } {
  return sort.startsWith('-')
    ? { column: sort.slice(1) as SortColumn, reversed: true }
    : { column: sort as SortColumn, reversed: false }
}

export function isSortOrder(value: string): value is SortOrder {
  return (SORT_COLUMNS as readonly string[]).includes(value.startsWith('-') ? value.slice(1) : value)
}

/**
 * A tile counts both: instances with at least one platform in its state (what pressing it shows)
 * and the platforms themselves.
 */
export interface StateCount {
  instances: number
  platforms: number
}

export interface FleetCounts {
  byState: Record<PlatformState, StateCount>
  /** Platforms in a state this version does not know. */
  unknown: number
  attention: StateCount
  instances: number
}

export function countFleet(instances: readonly ClientInstance[]): FleetCounts {
  const byState = Object.fromEntries(PLATFORM_STATES.map((s) => [s, { instances: 0, platforms: 0 }])) as Record<
    PlatformState,
    StateCount
  >
  let unknown = 0
  const attention: StateCount = { instances: 0, platforms: 0 }
  const seen = new Set<string>()
  for (const instance of instances) {
    seen.clear()
    for (const p of instance.platforms) {
      const count = byState[p.state as PlatformState]
      if (count === undefined) unknown += 1
      else {
        count.platforms += 1
        if (!seen.has(p.state)) count.instances += 1
        seen.add(p.state)
      }
      if (p.needsAttention) {
        attention.platforms += 1
        if (!seen.has('attention')) attention.instances += 1
        seen.add('attention')
      }
    }
  }
  return { byState, unknown, attention, instances: instances.length }
}

/** The worst state among an instance's platforms, in the order fatal > retrying > connecting > disabled > connected. */
export const WORST_ORDER: readonly PlatformState[] = ['fatal', 'retrying', 'connecting', 'disabled', 'connected']

export function worstState(instance: ClientInstance): PlatformState | null {
  for (const state of WORST_ORDER) if (instance.platforms.some((p) => p.state === state)) return state
  return null
}

export function platformsIn(instance: ClientInstance, state: PlatformState): number {
  let n = 0
  for (const p of instance.platforms) if (p.state === state) n += 1
  return n
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

export const lastChange = (instance: ClientInstance) =>
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
  const { labels, texts } = searchIndex(instance)
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

interface SearchIndex {
  labels: ReadonlyArray<readonly [string, string]>
  texts: readonly string[]
}

/**
 * What a search looks through, lower-cased once per instance: instances are replaced whole when
 * they change, so the index lives as long as the instance it was made from, and a keystroke over
 * 10,000 instances lower-cases nothing.
 */
const indexes = new WeakMap<ClientInstance, SearchIndex>()

function searchIndex(instance: ClientInstance): SearchIndex {
  let index = indexes.get(instance)
  if (index === undefined) {
    const labels = Object.entries(instance.labels ?? {}).map(
      ([k, v]) => [k.toLocaleLowerCase(), v.toLocaleLowerCase()] as const,
    )
    const texts = [
      instance.displayName,
      instance.gatewayId,
      instance.id,
      ...instance.platforms.flatMap((p) => [p.platform, p.label ?? '']),
    ].map((t) => t.toLocaleLowerCase())
    for (const [key, value] of labels) texts.push(key, value)
    index = { labels, texts }
    indexes.set(instance, index)
  }
  return index
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

/** The instance's labels as one text, `key:value` in key order: how the labels column sorts. */
export function labelText(instance: ClientInstance): string {
  return Object.entries(instance.labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}`)
    .join(' ')
}

export function selectInstances(
  instances: readonly ClientInstance[],
  options: { filter: StateFilter; query: string; sort: SortOrder; locale: string; ranks?: Map<string, number> },
): ClientInstance[] {
  const selected = instances.filter((i) => matchesFilter(i, options.filter) && matchesSearch(i, options.query))
  return sortInstances(selected, options.sort, options.ranks ?? nameRanks(instances, options.locale), options.locale)
}

/** Sorts `list` in place by `sort`, ties in name order (`ranks`, from nameRanks). */
export function sortInstances(
  list: ClientInstance[],
  sort: SortOrder,
  ranks: Map<string, number>,
  locale: string,
): ClientInstance[] {
  const rank = (i: ClientInstance) => ranks.get(i.id) ?? Number.MAX_SAFE_INTEGER
  const byName = (a: ClientInstance, b: ClientInstance) => rank(a) - rank(b)
  const { column, reversed } = sortColumn(sort)
  const direction = reversed ? -1 : 1
  // Each instance's key worked out once, not once per comparison (this runs on live updates).
  const by = <T>(key: (i: ClientInstance) => T, compare: (a: T, b: T) => number) => {
    const keys = new Map(list.map((i) => [i, key(i)]))
    return (a: ClientInstance, b: ClientInstance) =>
      direction * compare(keys.get(a) as T, keys.get(b) as T) || byName(a, b)
  }
  const text = () => new Intl.Collator(locale, { sensitivity: 'base', numeric: true }).compare
  const mostFirst = (a: number, b: number) => b - a
  switch (column) {
    case 'name':
      return reversed ? inNameOrder(list, ranks).reverse() : inNameOrder(list, ranks)
    case 'recent':
      return list.sort(by(lastChange, mostFirst))
    case 'gateway':
      return list.sort(by((i) => i.gatewayId, text()))
    case 'labels': {
      // Instances without labels come last either way.
      const compare = text()
      return list.sort(
        by(labelText, (x, y) => ((x === '') !== (y === '') ? direction * (x === '' ? 1 : -1) : compare(x, y))),
      )
    }
    case 'fatal':
    case 'retrying':
    case 'connecting':
    case 'connected':
    case 'disabled':
      return list.sort(by((i) => platformsIn(i, column), mostFirst))
    case 'problems': {
      // Severity takes seven values: bucket by it, in name order. Linear, however large the fleet.
      const buckets: ClientInstance[][] = Array.from({ length: 7 }, () => [])
      for (const i of inNameOrder(list, ranks)) buckets[instanceSeverity(i)]?.push(i)
      if (reversed) buckets.reverse()
      return buckets.flat()
    }
    default:
      return assertNever(column)
  }
}

/**
 * `list` in name order, in linear time: each instance goes to the slot of its rank (ranks are
 * distinct), so a live update to 10,000 instances re-orders them without sorting. Instances
 * without a rank (not yet ranked) come last, in the order given.
 */
function inNameOrder(list: readonly ClientInstance[], ranks: Map<string, number>): ClientInstance[] {
  const slots: Array<ClientInstance | undefined> = new Array(ranks.size)
  const unranked: ClientInstance[] = []
  for (const instance of list) {
    const rank = ranks.get(instance.id)
    if (rank === undefined || slots[rank] !== undefined) unranked.push(instance)
    else slots[rank] = instance
  }
  const out: ClientInstance[] = []
  for (const instance of slots) if (instance !== undefined) out.push(instance)
  for (const instance of unranked) out.push(instance)
  return out
}

/** Instances sharing one value of the grouping label, with how many are in each worst state. */
export interface FleetGroup {
  /** The label's value; null for the instances without that label (listed last). */
  value: string | null
  instances: ClientInstance[]
  byWorst: Record<PlatformState, number>
}

/** `shown` grouped by the label `key`, in value order; each group keeps the order it had in `shown`. */
export function groupInstances(shown: readonly ClientInstance[], key: string, locale: string): FleetGroup[] {
  const groups = new Map<string | null, FleetGroup>()
  for (const instance of shown) {
    const value = instance.labels?.[key] ?? null
    let group = groups.get(value)
    if (group === undefined) {
      group = {
        value,
        instances: [],
        byWorst: Object.fromEntries(PLATFORM_STATES.map((s) => [s, 0])) as Record<PlatformState, number>,
      }
      groups.set(value, group)
    }
    group.instances.push(instance)
    const worst = worstState(instance)
    if (worst !== null) group.byWorst[worst] += 1
  }
  const collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true })
  return [...groups.values()].sort((a, b) =>
    a.value === null ? 1 : b.value === null ? -1 : collator.compare(a.value, b.value),
  )
}

/** The label keys the fleet uses, in order: what it can be grouped by. */
export function labelKeys(instances: readonly ClientInstance[]): string[] {
  const keys = new Set<string>()
  for (const i of instances) for (const key of Object.keys(i.labels ?? {})) keys.add(key)
  return [...keys].sort()
}

/**
 * `list` with the instance `held.id` kept at `held.index`: an instance the operator just acted on
 * stays under their keyboard until they move on, instead of jumping to where the sort puts it now.
 */
export function keepInPlace(
  list: readonly ClientInstance[],
  held: { id: string; index: number } | null,
): readonly ClientInstance[] {
  if (held === null) return list
  const at = list.findIndex((i) => i.id === held.id)
  const index = Math.min(held.index, list.length - 1)
  if (at === -1 || at === index) return list
  const next = [...list]
  const [instance] = next.splice(at, 1)
  if (instance !== undefined) next.splice(index, 0, instance)
  return next
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

/** One line of the list or table: a group's heading, or an instance. */
export type FleetRow =
  | { kind: 'group'; key: string; group: FleetGroup; collapsed: boolean }
  | { kind: 'instance'; instance: ClientInstance }

/** A line's stable key in a virtualised list: the group's key, or the instance's id. */
export function fleetRowKey(rows: readonly FleetRow[], index: number): string | number {
  const row = rows[index]
  return row === undefined ? index : row.kind === 'group' ? row.key : row.instance.id
}

/** The key a group is collapsed by; the group without the label has its own. */
export const groupKey = (value: string | null) => (value === null ? '\u0000none' : `=${value}`)

/** `shown` as lines: as they are without a grouping label, else each group's heading then its instances (unless collapsed). */
export function fleetRows(
  shown: readonly ClientInstance[],
  group: string,
  collapsed: ReadonlySet<string>,
  locale: string,
): FleetRow[] {
  if (group === '') return shown.map((instance) => ({ kind: 'instance', instance }))
  const rows: FleetRow[] = []
  for (const g of groupInstances(shown, group, locale)) {
    const key = groupKey(g.value)
    const isCollapsed = collapsed.has(key)
    rows.push({ kind: 'group', key, group: g, collapsed: isCollapsed })
    if (!isCollapsed) for (const instance of g.instances) rows.push({ kind: 'instance', instance })
  }
  return rows
}
