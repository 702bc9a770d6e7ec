import { FakeClock } from '@relay-console/shared/fake-clock'
import { describe, expect, it } from 'vitest'
import { createSoloOwnership } from './solo-ownership'

const recorder = () => {
  const calls: string[] = []
  return {
    calls,
    events: {
      acquired: async (id: string) => void calls.push(`+${id}`),
      released: async (id: string) => void calls.push(`-${id}`),
    },
  }
}

describe('solo ownership (one process on SQLite)', () => {
  it('acquires every instance at start, owns everything without a fence, and releases all at drain', async () => {
    const clock = new FakeClock()
    const solo = createSoloOwnership({
      instanceIds: () => ['a', 'b', 'a'],
      replicaId: 'solo',
      listen: 'http://127.0.0.1:8787',
      clock,
    })
    const { calls, events } = recorder()
    await solo.start(events)
    expect(calls).toEqual(['+a', '+b'])
    expect(solo.owns('a')).toBe(true)
    expect(solo.owns('not-configured')).toBe(true)
    expect(solo.fence('a')).toBeNull()
    expect(solo.self).toBe('solo')

    await solo.drain()
    await solo.drain()
    expect(calls).toEqual(['+a', '+b', '-a', '-b'])
    expect(solo.owns('a')).toBe(false)
  })

  it('lets go of instances no longer managed and takes on new ones when refreshed, leaving the rest alone', async () => {
    let ids = ['a', 'b', 'c']
    const solo = createSoloOwnership({ instanceIds: () => ids, replicaId: 's', listen: 'x', clock: new FakeClock() })
    const { calls, events } = recorder()
    await solo.start(events)
    calls.length = 0
    ids = ['c', 'd', 'a']
    await solo.refresh()
    expect(calls).toEqual(['-b', '+d'])
    await solo.refresh()
    expect(calls).toEqual(['-b', '+d'])
    expect((await solo.view()).replicas[0]?.owned).toBe(3)

    await solo.drain()
    expect(calls.slice(2).sort()).toEqual(['-a', '-c', '-d'])
    ids = ['e']
    await solo.refresh()
    expect(calls).not.toContain('+e')
  })

  it('shows itself alone in the cluster view', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1))
    const solo = createSoloOwnership({ instanceIds: () => ['a', 'b'], replicaId: 'solo', listen: 'http://h:1', clock })
    await solo.start(recorder().events)
    clock.advance(5000)
    expect(await solo.view()).toEqual({
      self: 'solo',
      replicas: [
        {
          id: 'solo',
          listen: 'http://h:1',
          startedAt: '2026-01-01T00:00:00.000Z',
          lastSeenAt: '2026-01-01T00:00:05.000Z',
          owned: 2,
        },
      ],
    })
  })

  it('refuses a second start', async () => {
    const solo = createSoloOwnership({ instanceIds: () => [], replicaId: 's', listen: 'x', clock: new FakeClock() })
    await solo.start(recorder().events)
    await expect(solo.start(recorder().events)).rejects.toThrow(/started already/)
  })
})
