import { systemClock } from '@relay-console/shared/clock'
import { FakeClock } from '@relay-console/shared/fake-clock'
import { connectingStatus } from '@relay-console/shared/platform-state'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createChangeFeed, RETRY_FIRST_MS, RETRY_MAX_MS } from './change-feed'
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
  const feed = createChangeFeed({ store, state, log, clock: systemClock, onGap })
  return { store, state, feed, seen, onGap }
}

const changeOf = (rev: number): LoggedChange => ({
  rev,
  instance: { id: 'x', displayName: 'X', gatewayId: 'gw-x', optedIn: true, pending: null, platforms: [] },
  transitions: [],
})

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
    const feed = createChangeFeed({ store, state, log: silent(), clock: systemClock, onGap: async () => {} })
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
    const feed = createChangeFeed({ store, state, log: silent(), clock: systemClock, onGap })
    await feed.reach(101)
    expect(onGap).toHaveBeenCalledOnce()
    expect(state.rev()).toBe(101)
  })

  it('tries a failed read again, pausing longer each time, until the log is read: no signal needed', async () => {
    const clock = new FakeClock()
    const state = new ConsoleState({ stored: [], rev: 0, log: silent() })
    let signal = () => {}
    let failures = 4
    const store = {
      changesAfter: async (rev: number): Promise<LoggedChange[]> => {
        if (failures > 0) {
          failures -= 1
          throw new Error('write CONNECTION_CLOSED 127.0.0.1:5432')
        }
        return rev < 1 ? [changeOf(1)] : []
      },
      onCommit: (listener: () => void) => {
        signal = listener
        return () => {}
      },
    }
    const log = silent()
    const feed = createChangeFeed({ store, state, log, clock, onGap: async () => {} })
    signal() // the one notification there will be
    const pauses: number[] = []
    for (;;) {
      await vi.waitFor(() => expect(state.rev() === 1 || clock.pendingDelays().length === 1).toBe(true))
      if (state.rev() === 1) break
      const next = clock.pendingDelays()[0] as number
      pauses.push(next)
      clock.advance(next)
    }
    expect(log.warn).toHaveBeenCalledOnce()
    expect(pauses).toEqual([RETRY_FIRST_MS, RETRY_FIRST_MS * 2, RETRY_FIRST_MS * 4, RETRY_FIRST_MS * 8])
    expect(clock.pendingDelays()).toEqual([])
    expect(log.info).toHaveBeenCalledWith({ rev: 1 }, 'change feed caught up again')
    feed.stop()
  })

  it('pauses at most RETRY_MAX_MS between tries, and leaves no timer behind once stopped', async () => {
    const clock = new FakeClock()
    const state = new ConsoleState({ stored: [], rev: 0, log: silent() })
    let signal = () => {}
    const store = {
      changesAfter: async (): Promise<LoggedChange[]> => {
        throw new Error('the server is away')
      },
      onCommit: (listener: () => void) => {
        signal = listener
        return () => {}
      },
    }
    const feed = createChangeFeed({ store, state, log: silent(), clock, onGap: async () => {} })
    signal()
    const pauses: number[] = []
    for (let i = 0; i < 10; i++) {
      await vi.waitFor(() => expect(clock.pendingDelays()).toHaveLength(1))
      const [next] = clock.pendingDelays()
      pauses.push(next as number)
      clock.advance(next as number)
    }
    expect(Math.max(...pauses)).toBe(RETRY_MAX_MS)
    expect(pauses.at(-1)).toBe(RETRY_MAX_MS)
    await vi.waitFor(() => expect(clock.pendingDelays()).toHaveLength(1))
    feed.stop()
    expect(clock.pendingDelays()).toEqual([])
  })

  /** A feed at rev 4 over a log that answers with `changesAfter`. */
  const feedAtRev4 = (changesAfter: (rev: number) => Promise<LoggedChange[]>) => {
    const state = new ConsoleState({ stored: [], rev: 4, log: silent() })
    const store = { changesAfter, onCommit: () => () => {} }
    return { state, feed: createChangeFeed({ store, state, log: silent(), clock: systemClock, onGap: async () => {} }) }
  }

  it('applies what this process committed at once when it follows the state, without reading it back', async () => {
    const changesAfter = vi.fn(async () => [] as LoggedChange[])
    const { state, feed } = feedAtRev4(changesAfter)
    await feed.committed([changeOf(5), changeOf(6)])
    expect(state.rev()).toBe(6)
    await feed.committed([])
    expect(changesAfter).not.toHaveBeenCalled()
  })

  it('reads the log for what this process committed when another commit sits before it, so nothing is skipped', async () => {
    const log = [changeOf(5), changeOf(6), changeOf(7)]
    const changesAfter = vi.fn(async (rev: number) => log.filter((c) => c.rev > rev))
    const { state, feed } = feedAtRev4(changesAfter)
    // Rev 5 came from another replica; this process committed 6 and 7.
    await feed.committed([changeOf(6), changeOf(7)])
    expect(changesAfter).toHaveBeenCalledWith(4, expect.any(Number))
    expect(state.rev()).toBe(7)
  })

  it('says so when a committed rev is not in the log, rather than waiting for ever', async () => {
    const { feed } = await setup()
    await expect(feed.reach(42)).rejects.toThrow(/rev 42 was committed, but the log has nothing after 0/)
  })
})
