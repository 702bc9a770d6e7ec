import { connectingStatus, type PlatformStatus } from '@relay-console/shared/platform-state'
import { describe, expect, it, vi } from 'vitest'
import { ConsoleState, type StateChange } from './console-state'
import { openSqliteStore } from './sqlite-store'

const T0 = Date.UTC(2026, 10, 29, 9, 0, 0)
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const DEFINITIONS = [
  {
    id: 'acme',
    displayName: 'Acme',
    gatewayId: 'gw-acme',
    platforms: [
      { platform: 'discord', botId: '1' },
      { platform: 'telegram', botId: '2' },
    ],
  },
  { id: 'globex', displayName: 'Globex', gatewayId: 'gw-globex', platforms: [{ platform: 'slack', botId: '3' }] },
]

function setup() {
  const store = openSqliteStore({ stateDir: null, now: () => T0 })
  const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
  const state = new ConsoleState({ store, stored: store.define(DEFINITIONS), now: () => T0, log })
  const changes: StateChange[] = []
  state.subscribe((change) => changes.push(change))
  return { store, state, changes, log }
}

const status = (platform: string, patch: Partial<PlatformStatus>): PlatformStatus => ({
  ...connectingStatus(platform, at(0)),
  ...patch,
})

describe('ConsoleState', () => {
  it('starts every platform connecting, keeping the labels a restart left behind', () => {
    const store = openSqliteStore({ stateDir: null, now: () => T0 })
    store.define(DEFINITIONS)
    store.saveStatuses(
      'acme',
      [status('discord', { state: 'connected', label: 'Discord', emoji: '💬', updatedAt: at(-60) })],
      [],
    )
    store.flush()
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const state = new ConsoleState({ store, stored: store.define(DEFINITIONS), now: () => T0, log })
    expect(state.get('acme')?.platforms).toEqual([
      status('discord', { label: 'Discord', emoji: '💬' }),
      status('telegram', {}),
    ])
    expect(state.ids()).toEqual(['acme', 'globex'])
  })

  it('numbers each status change and emits the whole instance with the transitions it made', () => {
    const { state, changes } = setup()
    state.applyStatus('acme', [
      status('discord', { state: 'connected', label: 'Discord', updatedAt: at(1) }),
      status('telegram', {}),
    ])
    state.applyStatus('acme', [
      status('discord', { state: 'connected', label: 'Discord', updatedAt: at(1) }),
      status('telegram', { state: 'retrying', errorCode: 'relay_connection_lost', errorMessage: 'lost', attempt: 1 }),
    ])
    expect(changes).toHaveLength(2)
    const [first, second] = changes as [StateChange, StateChange]
    expect(second.rev).toBe(first.rev + 1)
    expect(first.instance).toMatchObject({ id: 'acme', gatewayId: 'gw-acme', optedIn: true, pending: null })
    expect(first.instance.platforms.map((p) => p.state)).toEqual(['connected', 'connecting'])
    expect(first.transitions).toEqual([
      {
        rev: first.rev,
        at: at(1),
        platform: 'discord',
        from: 'connecting',
        to: 'connected',
        errorCode: null,
        errorMessage: null,
      },
    ])
    expect(second.transitions).toEqual([
      expect.objectContaining({ rev: second.rev, platform: 'telegram', from: 'connecting', to: 'retrying' }),
    ])
    expect(second.instance.platforms.map((p) => p.state)).toEqual(['connected', 'retrying'])
    expect(state.snapshot().rev).toBe(second.rev)
  })

  it('emits a change within one state (a retry count) with no transition, and writes transitions behind', () => {
    const { state, store, changes } = setup()
    const retrying = (attempt: number) =>
      status('slack', { state: 'retrying', errorCode: 'relay_dial_failed', errorMessage: 'refused', attempt })
    state.applyStatus('globex', [retrying(1)])
    state.applyStatus('globex', [retrying(2)])
    expect(changes.map((c) => c.transitions.length)).toEqual([1, 0])
    expect(changes[1]?.instance.platforms[0]?.attempt).toBe(2)
    expect(store.history('globex', 10)).toEqual([
      expect.objectContaining({ platform: 'slack', from: 'connecting', to: 'retrying', rev: changes[0]?.rev }),
    ])
  })

  it('persists an intent before any listener hears of it, and emits nothing for a repeat', () => {
    const { state, store } = setup()
    const seen: Array<{ rev: number; storedOptedIn: boolean | undefined }> = []
    state.subscribe((change) =>
      seen.push({ rev: change.rev, storedOptedIn: store.define(DEFINITIONS).find((s) => s.id === 'acme')?.optedIn }),
    )
    const view = state.setIntent('acme', false, 'opting_out')
    expect(view).toMatchObject({ id: 'acme', optedIn: false, pending: 'opting_out' })
    expect(seen).toEqual([{ rev: state.rev(), storedOptedIn: false }])
    state.setIntent('acme', false, 'opting_out')
    expect(seen).toHaveLength(1)
    expect(() => state.setIntent('nope', true, null)).toThrow(/unknown instance nope/)
  })

  it('keeps one revision order across status and intent changes', () => {
    const { state, changes } = setup()
    state.applyStatus('acme', [status('discord', { state: 'connected' }), status('telegram', { state: 'connected' })])
    state.setIntent('globex', false, 'opting_out')
    state.applyStatus('globex', [status('slack', { state: 'disabled', errorCode: 'relay_disabled' })])
    state.setIntent('globex', false, null)
    const revs = changes.map((c) => c.rev)
    expect(revs).toEqual([...revs].sort((a, b) => a - b))
    expect(new Set(revs).size).toBe(4)
    expect(changes.map((c) => c.instance.id)).toEqual(['acme', 'globex', 'globex', 'globex'])
  })

  it('ignores statuses for an instance it does not manage', () => {
    const { state, changes } = setup()
    state.applyStatus('nope', [status('discord', { state: 'connected' })])
    expect(changes).toEqual([])
  })

  it('still reaches every other listener when one throws, and logs it', () => {
    const { state, changes, log } = setup()
    state.subscribe(() => {
      throw new Error('boom')
    })
    const late: StateChange[] = []
    state.subscribe((change) => late.push(change))
    state.setIntent('acme', false, null)
    expect(changes).toHaveLength(1)
    expect(late).toHaveLength(1)
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ instanceId: 'acme' }), 'change listener failed')
  })

  it('stops calling a listener once it unsubscribes', () => {
    const { state } = setup()
    const got: StateChange[] = []
    const unsubscribe = state.subscribe((change) => got.push(change))
    state.setIntent('acme', false, null)
    unsubscribe()
    state.setIntent('acme', true, null)
    expect(got).toHaveLength(1)
  })
})
