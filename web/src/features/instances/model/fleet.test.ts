import type { ClientInstance, ClientPlatformStatus } from '@relay-console/shared/instance'
import { describe, expect, it } from 'vitest'
import { platformStatus } from '../../../test-fixtures'
import { actionNeeded, countFleet, matchesSearch, selectInstances } from './fleet'

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

  it('counts platforms per state, unknown ones apart', () => {
    const counts = countFleet(fleet)
    expect(counts.byState).toEqual({ connecting: 0, connected: 3, retrying: 1, fatal: 1, disabled: 1 })
    expect(counts.unknown).toBe(1)
    expect(counts.instances).toBe(5)
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
