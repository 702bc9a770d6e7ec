import { describe, expect, it } from 'vitest'
import { FakeClock } from './fake-clock'

describe('FakeClock', () => {
  it('fires due timers in deadline order, including ones set while advancing', () => {
    const clock = new FakeClock(0)
    const fired: string[] = []
    clock.setTimeout(() => fired.push('b@20'), 20)
    clock.setTimeout(() => {
      fired.push('a@10')
      clock.setTimeout(() => fired.push('c@15'), 5)
    }, 10)
    clock.advance(19)
    expect(fired).toEqual(['a@10', 'c@15'])
    expect(clock.now()).toBe(19)
    clock.advance(1)
    expect(fired).toEqual(['a@10', 'c@15', 'b@20'])
  })

  it('cancels, reports what is pending, and runs the next timer on demand', () => {
    const clock = new FakeClock(0)
    const t = clock.setTimeout(() => {
      throw new Error('cancelled timer fired')
    }, 5)
    clock.setTimeout(() => {}, 30)
    clock.clearTimeout(t)
    expect(clock.pendingDelays()).toEqual([30])
    expect(clock.runNext()).toBe(30)
    expect(clock.pendingCount).toBe(0)
    expect(clock.runNext()).toBeUndefined()
  })
})
