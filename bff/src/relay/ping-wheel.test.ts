import { FakeClock } from '@relay-console/shared/fake-clock'
import { describe, expect, it } from 'vitest'
import { createPingWheel } from './ping-wheel'

describe('createPingWheel', () => {
  it('ticks each member once per interval, one timer for all, spread over the slots', () => {
    const clock = new FakeClock(0)
    const wheel = createPingWheel(clock, 30_000)
    const ticks: Array<[string, number]> = []
    wheel.add(() => ticks.push(['a', clock.now()]))
    clock.advance(10_000)
    wheel.add(() => ticks.push(['b', clock.now()]))
    expect(clock.pendingCount).toBe(1)
    clock.advance(65_000)
    expect(ticks).toEqual([
      ['a', 30_000],
      ['b', 40_000],
      ['a', 60_000],
      ['b', 70_000],
    ])
  })

  it('stops ticking a removed member and leaves no timer when empty', () => {
    const clock = new FakeClock(0)
    const wheel = createPingWheel(clock, 3000)
    let count = 0
    const remove = wheel.add(() => count++)
    clock.advance(3000)
    remove()
    remove()
    clock.advance(30_000)
    expect(count).toBe(1)
    expect(wheel.size).toBe(0)
    expect(clock.pendingCount).toBe(0)
  })
})
