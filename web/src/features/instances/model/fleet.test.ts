import type { ClientInstance, ClientPlatformStatus } from '@relay-console/shared/instance'
import { describe, expect, it } from 'vitest'
import { platformStatus } from '../../../test-fixtures'
import { actionNeeded, countFleet, selectInstances } from './fleet'

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
    const ids = selectInstances(fleet, { filter: null, query: '', sort: 'problems', locale: 'en' }).map((i) => i.id)
    expect(ids).toEqual(['broken', 'flaky', 'future', 'off', 'calm'])
  })

  it('sorts by name with the locale collator', () => {
    const ids = selectInstances(fleet, { filter: null, query: '', sort: 'name', locale: 'en' }).map((i) => i.id)
    expect(ids).toEqual(['broken', 'calm', 'flaky', 'future', 'off'])
  })

  it('filters by state and attention, and searches name and gateway id', () => {
    const pick = (filter: Parameters<typeof selectInstances>[1]['filter'], query = '') =>
      selectInstances(fleet, { filter, query, sort: 'name', locale: 'en' }).map((i) => i.id)
    expect(pick('connected')).toEqual(['broken', 'calm'])
    expect(pick('disabled')).toEqual(['off'])
    expect(pick(null, 'GW-FL')).toEqual(['flaky'])
    expect(pick(null, 'cal')).toEqual(['calm'])
    expect(pick('fatal', 'calm')).toEqual([])
    const attention = [
      instance('a', ['retrying']),
      { ...instance('b', []), platforms: [platform('retrying', { needsAttention: true })] },
    ]
    expect(
      selectInstances(attention, { filter: 'attention', query: '', sort: 'name', locale: 'en' }).map((i) => i.id),
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
