/**
 * The fleet view's search, state filters, sort, grouping and view as URL query keys (`q`, `state`
 * — several, comma-separated —, `sort`, `group` — a label key — and `view=cards|table`), so a
 * reload or a shared link shows the same view. Defaults are left out of the URL; a value this
 * version does not know reads as the default. Other keys of the URL are kept as they are.
 * @module
 */
import { isPlatformState } from '@relay-console/shared/platform-state'
import { isSortOrder, type SortOrder, type StateFilter, type StateKey } from './fleet'

export type FleetViewKind = 'cards' | 'table'

export interface FleetQuery {
  q: string
  state: StateFilter
  sort: SortOrder
  /** The label key the view is grouped by; '' for none. */
  group: string
  /** null: not in the URL, the operator's remembered choice applies. */
  view: FleetViewKind | null
}

export const DEFAULT_FLEET_QUERY: FleetQuery = { q: '', state: [], sort: 'problems', group: '', view: null }

export function parseFleetQuery(search: string): FleetQuery {
  const params = new URLSearchParams(search)
  const states = (params.get('state') ?? '').split(',')
  const sort = params.get('sort')
  return {
    q: params.get('q') ?? '',
    // Several, comma-separated; unknown ones and repeats are left out.
    state: [...new Set(states.filter((s): s is StateKey => s === 'attention' || isPlatformState(s)))],
    sort: sort !== null && isSortOrder(sort) ? sort : DEFAULT_FLEET_QUERY.sort,
    group: params.get('group') ?? '',
    view: params.get('view') === 'table' ? 'table' : params.get('view') === 'cards' ? 'cards' : null,
  }
}

/** `search` (a URL's query string) with the fleet's keys set to `query`: `?q=acme&state=fatal`, or ''. */
export function withFleetQuery(search: string, query: FleetQuery): string {
  const params = new URLSearchParams(search)
  const set = (key: string, value: string, fallback: string) => {
    if (value === fallback) params.delete(key)
    else params.set(key, value)
  }
  set('q', query.q, '')
  set('state', query.state.join(','), '')
  set('sort', query.sort, DEFAULT_FLEET_QUERY.sort)
  set('group', query.group, '')
  set('view', query.view ?? '', '')
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}
