import type { Instance } from '@relay-console/shared/instance'
import { connectingStatus, type PlatformStatus } from '@relay-console/shared/platform-state'
import { describe, expect, it, vi } from 'vitest'
import { ConsoleState, type StateChange } from './console-state'
import type { LoggedChange, StoredInstance } from './store'

const AT = '2026-11-29T09:00:00.000Z'
const status = (platform: string, patch: Partial<PlatformStatus> = {}): PlatformStatus => ({
  ...connectingStatus(platform, AT),
  ...patch,
})
const stored = (id: string, patch: Partial<StoredInstance> = {}): StoredInstance => ({
  id,
  displayName: id.toUpperCase(),
  gatewayId: `gw-${id}`,
  platforms: [{ platform: 'discord', botId: '1' }],
  labels: {},
  disabledBy: null,
  optedIn: true,
  pending: null,
  secret: null,
  configSecretDigest: null,
  statuses: [status('discord')],
  pendingEntry: null,
  ...patch,
})
const instanceOf = (s: StoredInstance, patch: Partial<Instance> = {}): Instance => ({
  id: s.id,
  displayName: s.displayName,
  gatewayId: s.gatewayId,
  optedIn: s.optedIn,
  pending: s.pending,
  platforms: s.statuses,
  labels: s.labels,
  disabledBy: s.disabledBy,
  ...patch,
})

function setup(rev = 10) {
  const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
  const acme = stored('acme')
  const globex = stored('globex', { optedIn: false, statuses: [status('discord', { state: 'disabled' })] })
  const state = new ConsoleState({ stored: [acme, globex], rev, log })
  const changes: StateChange[] = []
  state.subscribe((change) => changes.push(change))
  return { state, changes, log, acme, globex }
}

describe('ConsoleState', () => {
  it('starts from the stored view, statuses as stored, at its rev', () => {
    const { state, globex } = setup()
    expect(state.rev()).toBe(10)
    expect(state.get('globex')).toEqual(instanceOf(globex))
    expect(state.ids()).toEqual(['acme', 'globex'])
    expect(state.snapshot()).toMatchObject({ rev: 10, instances: [{ id: 'acme' }, { id: 'globex' }] })
    expect(state.managed('acme')?.identities).toEqual([{ platform: 'discord', botId: '1' }])
  })

  it('applies logged changes in rev order and hands each to every listener once, with its transitions', () => {
    const { state, changes, acme } = setup()
    const connected = [status('discord', { state: 'connected' })]
    const transitions = [
      {
        rev: 11,
        at: AT,
        platform: 'discord',
        from: 'connecting',
        to: 'connected',
        errorCode: null,
        errorMessage: null,
      },
    ] as const
    const logged: LoggedChange[] = [
      { rev: 11, instance: instanceOf(acme, { platforms: connected }), transitions: [...transitions] },
      {
        rev: 12,
        instance: instanceOf(acme, { platforms: connected, optedIn: false, pending: 'opting_out' }),
        transitions: [],
      },
    ]
    state.apply(logged)
    state.apply(logged) // a repeat changes nothing
    expect(changes.map((c) => c.rev)).toEqual([11, 12])
    expect(changes[0]?.transitions).toEqual(transitions)
    expect(changes[1]?.instance).toMatchObject({ id: 'acme', optedIn: false, pending: 'opting_out' })
    expect(state.rev()).toBe(12)
    expect(state.get('acme')?.platforms).toEqual(connected)
  })

  it('refuses a change that would leave a gap', () => {
    const { state, acme } = setup()
    expect(() => state.apply([{ rev: 12, instance: instanceOf(acme), transitions: [] }])).toThrow(/gap after 10/)
    expect(state.rev()).toBe(10)
  })

  it('moves its rev past a change of an instance it does not manage, and tells no one', () => {
    const { state, changes } = setup()
    state.apply([{ rev: 11, instance: instanceOf(stored('initech')), transitions: [] }])
    expect(state.rev()).toBe(11)
    expect(changes).toEqual([])
  })

  it('takes a whole new view without telling anyone change by change', () => {
    const { state, changes, acme } = setup()
    state.replace({ rev: 500, instances: [{ ...acme, optedIn: false }] })
    expect(state.rev()).toBe(500)
    expect(state.get('acme')?.optedIn).toBe(false)
    expect(changes).toEqual([])
  })

  it('takes a new set of instances: drops, adds, redefines the rest and keeps their state, telling no one', () => {
    const { state, changes, acme } = setup()
    state.apply([{ rev: 11, instance: instanceOf(acme, { optedIn: false }), transitions: [] }])
    changes.length = 0
    const platforms = [{ platform: 'slack', botId: 'B1' }]
    // The store's row of acme is older than what the state applied: only its definition is taken.
    state.redefine([stored('initech'), { ...acme, displayName: 'Acme', labels: { tenant: 'acme' }, platforms }])
    expect(state.ids()).toEqual(['initech', 'acme'])
    expect(state.get('globex')).toBeUndefined()
    expect(state.get('acme')).toMatchObject({ displayName: 'Acme', labels: { tenant: 'acme' }, optedIn: false })
    expect(state.managed('acme')?.identities).toEqual(platforms)
    expect(state.get('initech')).toEqual(instanceOf(stored('initech')))
    expect(state.rev()).toBe(11)
    expect(changes).toEqual([])
  })

  it('still reaches every other listener when one throws, and logs it', () => {
    const { state, changes, log, acme } = setup()
    state.subscribe(() => {
      throw new Error('boom')
    })
    const late: StateChange[] = []
    state.subscribe((change) => late.push(change))
    state.apply([{ rev: 11, instance: instanceOf(acme), transitions: [] }])
    expect(changes).toHaveLength(1)
    expect(late).toHaveLength(1)
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ instanceId: 'acme' }), 'change listener failed')
  })

  it('stops calling a listener once it unsubscribes', () => {
    const { state, acme } = setup()
    const got: StateChange[] = []
    const unsubscribe = state.subscribe((change) => got.push(change))
    state.apply([{ rev: 11, instance: instanceOf(acme), transitions: [] }])
    unsubscribe()
    state.apply([{ rev: 12, instance: instanceOf(acme), transitions: [] }])
    expect(got).toHaveLength(1)
  })
})
