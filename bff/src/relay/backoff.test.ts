import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff'

const options = { baseMs: 1000, maxMs: 30_000 }

describe('backoffDelay', () => {
  it('climbs the nominal ladder 1, 2, 4, 8, 16, 30, 30 s at the top of the jitter range', () => {
    const ladder = [1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(n, options, () => 1))
    expect(ladder).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  })

  it('never waits less than half the nominal delay', () => {
    expect([1, 2, 6].map((n) => backoffDelay(n, options, () => 0))).toEqual([500, 1000, 15_000])
  })

  it('spreads uniformly inside [d/2, d]', () => {
    expect(backoffDelay(3, options, () => 0.5)).toBe(3000)
  })

  it('never overflows for huge attempt counts and waits 0 when disabled', () => {
    expect(backoffDelay(10_000, options, () => 1)).toBe(30_000)
    expect(backoffDelay(3, { baseMs: 0, maxMs: 30_000 }, () => 1)).toBe(0)
  })
})
