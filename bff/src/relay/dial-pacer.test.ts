import { FakeClock } from '@relay-console/shared/fake-clock'
import { describe, expect, it } from 'vitest'
import { createDialPacer } from './dial-pacer'

describe('createDialPacer', () => {
  it('dials at once within the burst, then at the steady rate, in order', () => {
    const clock = new FakeClock(0)
    const pacer = createDialPacer({ perSecond: 10, burst: 3, clock })
    const dialled: Array<[number, number]> = []
    for (let i = 0; i < 8; i++) pacer.request(() => dialled.push([i, clock.now()]))
    expect(dialled).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ])
    expect(pacer.waiting).toBe(5)
    clock.advance(1000)
    expect(dialled.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(dialled.slice(3).map(([, at]) => at)).toEqual([100, 200, 300, 400, 500])
  })

  it('never dials more than rate × time + burst', () => {
    const clock = new FakeClock(0)
    const pacer = createDialPacer({ perSecond: 100, burst: 50, clock })
    let count = 0
    for (let i = 0; i < 1000; i++) pacer.request(() => count++)
    for (let second = 1; second <= 5; second++) {
      clock.advance(1000)
      expect(count).toBeLessThanOrEqual(50 + 100 * second)
    }
    clock.advance(10_000)
    expect(count).toBe(1000)
    expect(clock.pendingCount).toBe(0)
  })

  it('skips cancelled requests and refills after a quiet spell', () => {
    const clock = new FakeClock(0)
    const pacer = createDialPacer({ perSecond: 10, burst: 1, clock })
    const dialled: string[] = []
    pacer.request(() => dialled.push('a'))
    const cancel = pacer.request(() => dialled.push('b'))
    pacer.request(() => dialled.push('c'))
    cancel()
    clock.advance(1000)
    expect(dialled).toEqual(['a', 'c'])
    clock.advance(5000)
    pacer.request(() => dialled.push('d'))
    expect(dialled).toEqual(['a', 'c', 'd'])
  })
})
