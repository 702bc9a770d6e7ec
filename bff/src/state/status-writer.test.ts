import { FakeClock } from '@relay-console/shared/fake-clock'
import { connectingStatus, type PlatformStatus } from '@relay-console/shared/platform-state'
import { describe, expect, it, vi } from 'vitest'
import { createStatusWriter, STALL_MS } from './status-writer'
import type { LoggedChange, StatusUpdate } from './store'

const silent = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() })
const platforms = (state: PlatformStatus['state']): PlatformStatus[] => [
  { ...connectingStatus('discord', '2026-11-29T09:00:00.000Z'), state },
]

/** A store that records each batch, answers a change per update, and fails while told to. */
function recordingStore() {
  const batches: StatusUpdate[][] = []
  let rev = 0
  let failing = false
  const store = {
    async saveStatuses(updates: readonly StatusUpdate[]): Promise<LoggedChange[]> {
      if (failing) throw new Error('connection refused')
      batches.push([...updates])
      return updates.map((u) => ({
        rev: ++rev,
        instance: {
          id: u.id,
          displayName: u.id,
          gatewayId: u.id,
          optedIn: true,
          pending: null,
          platforms: [...u.platforms],
        },
        transitions: [],
      }))
    },
  }
  const reached: number[] = []
  const feed = {
    committed: async (changes: readonly LoggedChange[]) => void reached.push(...changes.map((c) => c.rev)),
  }
  return { store, feed, batches, reached, fail: (on: boolean) => (failing = on) }
}

function setup() {
  const clock = new FakeClock()
  const turns: Array<() => void> = []
  const world = recordingStore()
  const log = silent()
  const writer = createStatusWriter({
    store: world.store,
    feed: world.feed,
    clock,
    log,
    retryMs: 1000,
    defer: (write) => turns.push(write),
  })
  /** Ends the current turn of the event loop, and lets the writes it started finish. */
  const endTurn = async () => {
    for (const turn of turns.splice(0)) turn()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { ...world, clock, writer, endTurn, log }
}

describe('createStatusWriter', () => {
  it('writes what one turn observed in one batch, only the latest of each instance, and waits to see it', async () => {
    const { writer, batches, reached, endTurn } = setup()
    writer.write('acme', platforms('connecting'))
    writer.write('acme', platforms('connected'))
    writer.write('globex', platforms('retrying'))
    expect(batches).toEqual([])
    await endTurn()
    expect(batches).toEqual([
      [
        { id: 'acme', platforms: platforms('connected'), fence: null },
        { id: 'globex', platforms: platforms('retrying'), fence: null },
      ],
    ])
    expect(reached).toEqual([1, 2])
  })

  it('keeps what it could not write and writes it after a pause, never older over newer', async () => {
    const { writer, batches, endTurn, clock, fail, log } = setup()
    fail(true)
    writer.write('acme', platforms('connecting'))
    writer.write('globex', platforms('connecting'))
    await endTurn()
    expect(log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ instances: 2 }),
      expect.stringMatching(/will retry/),
    )
    writer.write('acme', platforms('connected')) // observed while the store is down
    fail(false)
    clock.advance(1000)
    await endTurn()
    expect(batches).toEqual([
      [
        { id: 'acme', platforms: platforms('connected'), fence: null },
        { id: 'globex', platforms: platforms('connecting'), fence: null },
      ],
    ])
  })

  it('goes on writing when its retry comes after a later write has already written everything', async () => {
    const { writer, batches, endTurn, clock, fail } = setup()
    fail(true)
    writer.write('acme', platforms('connecting'))
    await endTurn() // fails: a retry is due in a second
    fail(false)
    writer.write('acme', platforms('connected'))
    await endTurn() // the store is back: written before the retry comes
    clock.advance(1000)
    await endTurn() // the retry finds nothing left to write
    writer.write('globex', platforms('retrying'))
    await endTurn()
    expect(batches).toEqual([
      [{ id: 'acme', platforms: platforms('connected'), fence: null }],
      [{ id: 'globex', platforms: platforms('retrying'), fence: null }],
    ])
  })

  it('flushes on demand, and writes what is queued when it stops, then takes no more', async () => {
    const { writer, batches } = setup()
    writer.write('acme', platforms('connected'))
    await writer.flush()
    expect(batches).toHaveLength(1)
    writer.write('acme', platforms('retrying'))
    await writer.stop()
    expect(batches).toHaveLength(2)
    writer.write('acme', platforms('connected'))
    await writer.flush()
    expect(batches).toHaveLength(2)
  })

  it(`reports a write that neither lands nor fails within ${STALL_MS} ms, and stops reporting once it ends`, async () => {
    const { writer, store, clock, log, endTurn } = setup()
    let land: () => void = () => {}
    const save = store.saveStatuses
    store.saveStatuses = (updates) =>
      new Promise((resolve) => {
        land = () => resolve(save(updates))
      })
    writer.write('acme', platforms('connected'))
    await endTurn()
    clock.advance(STALL_MS - 1)
    expect(log.error).not.toHaveBeenCalled()
    clock.advance(1)
    expect(log.error).toHaveBeenCalledWith(
      { instances: 1, sinceMs: STALL_MS, step: 'saving' },
      'writing platform statuses stalled',
    )
    land()
    await writer.flush()
    expect(clock.pendingDelays()).toEqual([])
  })
})
