import { describe, expect, it } from 'vitest'
import { createFailureThrottle } from './failure-throttle'

describe('createFailureThrottle', () => {
  it('lets a key fail up to the limit inside a window, then refuses it until the window moves on', () => {
    const t = createFailureThrottle({ maxFailures: 3, windowMs: 1000 })
    for (const at of [0, 100, 200]) {
      expect(t.retryAfterMs('gw', at)).toBe(0)
      t.recordFailure('gw', at)
    }
    expect(t.retryAfterMs('gw', 300)).toBe(700)
    expect(t.retryAfterMs('gw', 999)).toBe(1)
    expect(t.retryAfterMs('gw', 1000)).toBe(0)
  })

  it('keeps keys apart', () => {
    const t = createFailureThrottle({ maxFailures: 1, windowMs: 1000 })
    t.recordFailure('a', 0)
    expect(t.retryAfterMs('a', 1)).toBeGreaterThan(0)
    expect(t.retryAfterMs('b', 1)).toBe(0)
  })

  it('forgets a key on success', () => {
    const t = createFailureThrottle({ maxFailures: 1, windowMs: 1000 })
    t.recordFailure('a', 0)
    t.recordSuccess('a')
    expect(t.retryAfterMs('a', 1)).toBe(0)
  })

  it('holds bounded memory under a flood and forgets idle keys', () => {
    const t = createFailureThrottle({ maxFailures: 5, windowMs: 1000 })
    for (let i = 0; i < 10_000; i++) t.recordFailure('flood', i / 100)
    expect(t.retryAfterMs('flood', 100)).toBeGreaterThan(0)
    expect(t.retryAfterMs('flood', 5000)).toBe(0)
    expect(t.size).toBe(0)
  })
  it('holds a bounded number of keys when every failure invents a new one, idle keys first', () => {
    const t = createFailureThrottle({ maxFailures: 2, windowMs: 1000, maxKeys: 100 })
    for (let i = 0; i < 50_000; i++) t.recordFailure(`gw-invented-${i}`, i / 100)
    expect(t.size).toBeLessThanOrEqual(100)
    // A key failing right now is still judged however many came before it.
    t.recordFailure('recent', 500)
    t.recordFailure('recent', 500)
    expect(t.retryAfterMs('recent', 500)).toBeGreaterThan(0)
  })
})
