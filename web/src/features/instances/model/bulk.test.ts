import { describe, expect, it } from 'vitest'
import { inBatches } from './bulk'

describe('bulk batches', () => {
  it('splits a selection larger than one request takes, in order, nothing lost or repeated', () => {
    const ids = Array.from({ length: 25_001 }, (_, i) => `i${i}`)
    const batches = inBatches(ids, 10_000)
    expect(batches.map((b) => b.length)).toEqual([10_000, 10_000, 5_001])
    expect(batches.flat()).toEqual(ids)
    expect(inBatches(['a'], 10_000)).toEqual([['a']])
    expect(inBatches([], 10_000)).toEqual([])
  })
})
