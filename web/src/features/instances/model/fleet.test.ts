import type { ClientInstance, ClientPlatformStatus } from '@relay-console/shared/instance'
import { describe, expect, it } from 'vitest'
import { platformStatus } from '../../../test-fixtures'
import {
  actionNeeded,
  countFleet,
  fleetRows,
  groupInstances,
  groupKey,
  keepInPlace,
  labelKeys,
  matchesSearch,
  selectInstances,
  worstState,
} from './fleet'

const platform = (state: string, extra: Partial<ClientPlatformStatus> = {}) =>
  platformStatus({ platform: `p-${state}`, state, ...extra })
const instance = (id: string, states: string[], extra: Partial<ClientInstance> = {}): ClientInstance => ({
  id,
  displayName: id.toUpperCase(),
  gatewayId: `gw-${id}`,
  optedIn: true,
  pending: null,
  platforms: states.map((s) => platform(s)),
  ...extra,
})

describe('fleet model', () => {
  const fleet = [
    instance('calm', ['connected', 'connected']),
    instance('off', ['disabled']),
    instance('broken', ['connected', 'fatal']),
    instance('flaky', ['retrying']),
    instance('future', ['hibernating']),
  ]

  it('counts instances and platforms per state (an instance once per state), unknown ones apart', () => {
    const counts = countFleet(fleet)
    expect(counts.byState).toEqual({
      connecting: { instances: 0, platforms: 0 },
      connected: { instances: 2, platforms: 3 },
      retrying: { instances: 1, platforms: 1 },
      fatal: { instances: 1, platforms: 1 },
      disabled: { instances: 1, platforms: 1 },
    })
    expect(counts.unknown).toBe(1)
    expect(counts.instances).toBe(5)
    // What a tile counts is what pressing it shows.
    expect(selectInstances(fleet, { filter: ['connected'], query: '', sort: 'name', locale: 'en' })).toHaveLength(
      counts.byState.connected.instances,
    )
  })

  it('names the worst state of an instance: fatal > retrying > connecting > disabled > connected', () => {
    expect(worstState(instance('a', ['connected', 'disabled']))).toBe('disabled')
    expect(worstState(instance('a', ['disabled', 'connecting']))).toBe('connecting')
    expect(worstState(instance('a', ['retrying', 'fatal']))).toBe('fatal')
    expect(worstState(instance('a', ['connected']))).toBe('connected')
    expect(worstState(instance('a', []))).toBeNull()
  })

  it('sorts by any column, either way, ties in name order', () => {
    const sorted = (sort: Parameters<typeof selectInstances>[1]['sort']) =>
      selectInstances(fleet, { filter: [], query: '', sort, locale: 'en' }).map((i) => i.id)
    expect(sorted('connected')).toEqual(['calm', 'broken', 'flaky', 'future', 'off'])
    expect(sorted('-connected')).toEqual(['flaky', 'future', 'off', 'broken', 'calm'])
    expect(sorted('-name')).toEqual(['off', 'future', 'flaky', 'calm', 'broken'])
    expect(sorted('-problems')).toEqual(['calm', 'off', 'future', 'flaky', 'broken'])
    expect(sorted('gateway')).toEqual(['broken', 'calm', 'flaky', 'future', 'off'])
    const labelled = [
      instance('x', ['connected'], { labels: { region: 'us' } }),
      instance('y', ['connected']),
      instance('z', ['connected'], { labels: { region: 'eu' } }),
    ]
    const byLabels = (sort: 'labels' | '-labels') =>
      selectInstances(labelled, { filter: [], query: '', sort, locale: 'en' }).map((i) => i.id)
    expect(byLabels('labels')).toEqual(['z', 'x', 'y'])
    expect(byLabels('-labels')).toEqual(['x', 'z', 'y'])
  })

  it('groups by a label in value order, those without it last, with instances per worst state', () => {
    const labelled = [
      instance('a', ['fatal', 'connected'], { labels: { region: 'us' } }),
      instance('b', ['connected']),
      instance('c', ['connected'], { labels: { region: 'eu', env: 'prod' } }),
      instance('d', ['disabled'], { labels: { region: 'us' } }),
    ]
    const groups = groupInstances(labelled, 'region', 'en')
    expect(groups.map((g) => [g.value, g.instances.map((i) => i.id)])).toEqual([
      ['eu', ['c']],
      ['us', ['a', 'd']],
      [null, ['b']],
    ])
    expect(groups[1]?.byWorst).toMatchObject({ fatal: 1, disabled: 1, connected: 0 })
    expect(labelKeys(labelled)).toEqual(['env', 'region'])
    const lines = (collapsed: string[]) =>
      fleetRows(labelled, 'region', new Set(collapsed), 'en').map((r) =>
        r.kind === 'group' ? `#${r.group.value}${r.collapsed ? '+' : ''}` : r.instance.id,
      )
    expect(lines([])).toEqual(['#eu', 'c', '#us', 'a', 'd', '#null', 'b'])
    expect(lines([groupKey('us'), groupKey(null)])).toEqual(['#eu', 'c', '#us+', '#null+'])
    expect(fleetRows(labelled, '', new Set(), 'en').map((r) => r.kind)).toEqual(Array(4).fill('instance'))
  })

  it('keeps an instance the operator acted on where it was until they move on', () => {
    const list = ['a', 'b', 'c', 'd'].map((id) => instance(id, ['connected']))
    const ids = (l: readonly ClientInstance[]) => l.map((i) => i.id)
    expect(ids(keepInPlace(list, { id: 'a', index: 2 }))).toEqual(['b', 'c', 'a', 'd'])
    expect(ids(keepInPlace(list, { id: 'd', index: 0 }))).toEqual(['d', 'a', 'b', 'c'])
    expect(ids(keepInPlace(list, { id: 'd', index: 9 }))).toEqual(['a', 'b', 'c', 'd'])
    expect(keepInPlace(list, { id: 'gone', index: 0 })).toBe(list)
    expect(keepInPlace(list, null)).toBe(list)
  })

  it('sorts problems first by default, then by name', () => {
    const ids = selectInstances(fleet, { filter: [], query: '', sort: 'problems', locale: 'en' }).map((i) => i.id)
    expect(ids).toEqual(['broken', 'flaky', 'future', 'off', 'calm'])
  })

  it('sorts by name with the locale collator', () => {
    const ids = selectInstances(fleet, { filter: [], query: '', sort: 'name', locale: 'en' }).map((i) => i.id)
    expect(ids).toEqual(['broken', 'calm', 'flaky', 'future', 'off'])
  })

  it('filters by state and attention, several at once (any of them), and searches name and gateway id', () => {
    const pick = (filter: Parameters<typeof selectInstances>[1]['filter'], query = '') =>
      selectInstances(fleet, { filter, query, sort: 'name', locale: 'en' }).map((i) => i.id)
    expect(pick(['connected'])).toEqual(['broken', 'calm'])
    expect(pick(['disabled'])).toEqual(['off'])
    expect(pick(['disabled', 'fatal'])).toEqual(['broken', 'off'])
    expect(pick([], 'GW-FL')).toEqual(['flaky'])
    expect(pick([], 'cal')).toEqual(['calm'])
    expect(pick(['fatal'], 'calm')).toEqual([])
    const attention = [
      instance('a', ['retrying']),
      { ...instance('b', []), platforms: [platform('retrying', { needsAttention: true })] },
    ]
    expect(
      selectInstances(attention, { filter: ['attention'], query: '', sort: 'name', locale: 'en' }).map((i) => i.id),
    ).toEqual(['b'])
  })

  it('raises action for fatal and long retries, never for disabled', () => {
    const list = [
      ...fleet,
      { ...instance('long', []), platforms: [platform('retrying', { needsAttention: true })] },
      { ...instance('calm-off', []), platforms: [platform('disabled', { needsAttention: true })] },
    ]
    expect(actionNeeded(list).map((a) => `${a.instance.id}:${a.kind}`)).toEqual(['broken:fatal', 'long:attention'])
  })
})

describe('matchesSearch', () => {
  const acme: ClientInstance = {
    id: 'acme-eu',
    displayName: 'Acme support',
    gatewayId: 'gw:acme-1',
    optedIn: true,
    pending: null,
    platforms: [platformStatus({ platform: 'telegram', label: 'Telegram' })],
    labels: { tenant: 'acme', region: 'eu-west', env: 'prod' },
  }

  it.each([
    ['', true],
    ['acme', true],
    ['SUPPORT', true],
    ['gw:acme-1', true],
    ['telegram', true],
    ['eu-west', true],
    ['tenant:acme', true],
    ['Region:EU-West', true],
    ['tenant:acme env:prod support', true],
    ['tenant:globex', false],
    ['region:eu', false],
    ['tenant:acme env:staging', false],
    ['acme slack', false],
  ])('"%s" → %s', (query, expected) => {
    expect(matchesSearch(acme, query)).toBe(expected)
  })

  it('finds instances without labels by everything else', () => {
    const { labels: _none, ...plain } = acme
    expect(matchesSearch(plain, 'acme telegram')).toBe(true)
    expect(matchesSearch(plain, 'tenant:acme')).toBe(false)
  })
})
