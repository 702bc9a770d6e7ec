import { connectingStatus } from '@relay-console/shared/platform-state'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createChangeFeed } from './change-feed'
import { ConsoleState, type StateChange } from './console-state'
import { openSqliteStore } from './sqlite-store'
import type { LoggedChange, StateStore } from './store'

const DEFINITIONS = [
  { id: 'acme', displayName: 'Acme', gatewayId: 'gw-acme', platforms: [{ platform: 'discord', botId: '1' }] },
]
const silent = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() })
const statuses = (at: number) => [connectingStatus('discord', new Date(at).toISOString())]

const stores: StateStore[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
})

async function setup() {
  const store = openSqliteStore({ stateDir: null, now: Date.now })
  stores.push(store)
  const defined = await store.define(DEFINITIONS)
  const log = silent()
  const state = new ConsoleState({ stored: defined.instances, rev: defined.rev, log })
  const seen: StateChange[] = []
  state.subscribe((change) => seen.push(change))
  const onGap = vi.fn(async () => {})
  const feed = createChangeFeed({ store, state, log, onGap })
  return { store, state, feed, seen, onGap }
}

describe('createChangeFeed', () => {
  it('reaches a committed rev: the state shows it and every listener heard it, once', async () => {
    const { store, state, feed, seen } = await setup()
    const change = await store.transaction((tx) => tx.setIntent('acme', false, 'opting_out'))
    await feed.reach(change.rev)
    expect(state.rev()).toBe(change.rev)
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: 'opting_out' })
    await feed.catchUp()
    expect(seen.map((c) => c.rev)).toEqual([change.rev])
  })

  it('follows whatever the store commits, without being asked', async () => {
    const { store, state, seen } = await setup()
    for (let i = 1; i <= 3; i++) await store.saveStatuses([{ id: 'acme', platforms: statuses(i) }])
    await vi.waitFor(() => expect(state.rev()).toBe(3))
    expect(seen.map((c) => c.rev)).toEqual([1, 2, 3])
  })

  it('shares one reader between callers, and reads again for what was committed during a read', async () => {
    const state = new ConsoleState({ stored: [], rev: 0, log: silent() })
    const change = (rev: number): LoggedChange => ({
      rev,
      instance: { id: 'x', displayName: 'X', gatewayId: 'gw-x', optedIn: true, pending: null, platforms: [] },
      transitions: [],
    })
    const reads: Array<(changes: LoggedChange[]) => void> = []
    const store = {
      changesAfter: () => new Promise<LoggedChange[]>((resolve) => reads.push(resolve)),
      onCommit: () => () => {},
    }
    const feed = createChangeFeed({ store, state, log: silent(), onGap: async () => {} })
    const callers = [feed.catchUp(), feed.catchUp(), feed.catchUp()]
    await vi.waitFor(() => expect(reads).toHaveLength(1))
    reads[0]?.([change(1)])
    await vi.waitFor(() => expect(reads).toHaveLength(2))
    reads[1]?.([change(2)])
    await Promise.all(callers)
    expect(reads).toHaveLength(2)
    expect(state.rev()).toBe(2)
  })

  it('asks for a rebuilt view when the log no longer reaches back, then goes on', async () => {
    const state = new ConsoleState({ stored: [], rev: 5, log: silent() })
    const later: LoggedChange = {
      rev: 101,
      instance: { id: 'x', displayName: 'X', gatewayId: 'gw-x', optedIn: true, pending: null, platforms: [] },
      transitions: [],
    }
    let pruned = true
    const store = {
      changesAfter: async (rev: number) => (pruned && rev < 100 ? null : rev < 101 ? [later] : []),
      onCommit: () => () => {},
    }
    const onGap = vi.fn(async () => {
      pruned = false
      state.replace({ rev: 100, instances: [] })
    })
    const feed = createChangeFeed({ store, state, log: silent(), onGap })
    await feed.reach(101)
    expect(onGap).toHaveBeenCalledOnce()
    expect(state.rev()).toBe(101)
  })

  it('says so when a committed rev is not in the log, rather than waiting for ever', async () => {
    const { feed } = await setup()
    await expect(feed.reach(42)).rejects.toThrow(/rev 42 was committed, but the log has nothing after 0/)
  })
})
