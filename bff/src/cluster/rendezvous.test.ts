import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { desiredFor, hashId, ownerOf, weight } from './rendezvous'

const ids = (count: number, prefix = 'inst') => Array.from({ length: count }, (_, i) => `${prefix}-${i}`)

function countBy(instanceIds: string[], replicas: string[]): Map<string, number> {
  const counts = new Map(replicas.map((r) => [r, 0]))
  for (const id of instanceIds) {
    const owner = ownerOf(id, replicas)
    if (owner !== undefined) counts.set(owner, (counts.get(owner) ?? 0) + 1)
  }
  return counts
}

describe('rendezvous hashing', () => {
  it('is deterministic and independent of the order of the replica list', () => {
    const replicas = ['r-a', 'r-b', 'r-c']
    for (const id of ids(500)) {
      const owner = ownerOf(id, replicas)
      expect(owner).toBeDefined()
      expect(ownerOf(id, [...replicas].reverse())).toBe(owner)
      expect(ownerOf(id, ['r-b', 'r-a', 'r-c', 'r-a'])).toBe(owner)
    }
  })

  it('has no owner without live replicas, and the only replica owns everything', () => {
    expect(ownerOf('x', [])).toBeUndefined()
    expect(desiredFor('solo', ids(100), [])).toEqual(new Set(ids(100)))
  })

  it('keeps the hash stable across versions (the cluster protocol depends on it)', () => {
    const pair = weight(hashId('instance-42'), hashId('replica-1'))
    expect([hashId(''), hashId('a'), hashId('replica-1'), hashId('instance-42'), pair]).toMatchInlineSnapshot(`
      [
        2872998923,
        711464985,
        2001290816,
        2004682071,
        2681317801,
      ]
    `)
  })

  it.each([
    ['numbered ids', ids(4, 'replica')],
    // Fixed, so the test is the same every run.
    [
      'uuids',
      [
        '6cee75e8-c983-46a0-a944-51264fc357f0',
        '0a094362-4885-47a9-b5f8-415961c670ad',
        'c73a294c-3397-4746-abe4-fa3322e20531',
        '362a813e-e556-409c-b4de-f615bbc41b2d',
      ],
    ],
    ['host:port ids', ['10.0.0.1:8787', '10.0.0.1:8788', '10.0.0.2:8787', '10.0.0.2:8788']],
  ])('spreads 10,000 instances as evenly as a fair draw would (%s)', (_name, replicas) => {
    for (const n of [2, 3, 4]) {
      const counts = countBy(ids(10_000), replicas.slice(0, n))
      const even = 10_000 / n
      // As a fair draw would: within 5 standard deviations (5 % of even at n = 2, 8.7 % at n = 4).
      const sigma = Math.sqrt(10_000 * (1 / n) * (1 - 1 / n))
      for (const c of counts.values()) expect(Math.abs(c - even)).toBeLessThan(5 * sigma)
    }
  })

  it('moves about 1/4 of 10,000 instances when a 4th replica joins, all of them to the newcomer', () => {
    const before = ['r1', 'r2', 'r3']
    const after = [...before, 'r4']
    const moved = new Map<string, number>()
    let movedTotal = 0
    for (const id of ids(10_000)) {
      const a = ownerOf(id, before)
      const b = ownerOf(id, after)
      if (a === b) continue
      movedTotal++
      expect(b).toBe('r4')
      moved.set(a as string, (moved.get(a as string) ?? 0) + 1)
    }
    expect(Math.abs(movedTotal - 2500) / 2500).toBeLessThan(0.05)
    // The newcomer takes from every old replica alike.
    for (const r of before) expect(Math.abs((moved.get(r) ?? 0) - 2500 / 3) / (2500 / 3)).toBeLessThan(0.12)
  })

  it('moves only the leaver’s instances when a replica leaves, spread over the rest', () => {
    const before = ['r1', 'r2', 'r3', 'r4']
    const after = ['r1', 'r2', 'r4']
    const gained = new Map<string, number>()
    for (const id of ids(10_000)) {
      const a = ownerOf(id, before)
      const b = ownerOf(id, after) as string
      if (a !== 'r3') expect(b).toBe(a)
      else gained.set(b, (gained.get(b) ?? 0) + 1)
    }
    const total = [...gained.values()].reduce((s, n) => s + n, 0)
    for (const n of gained.values()) expect(Math.abs(n - total / 3) / (total / 3)).toBeLessThan(0.12)
  })

  it('gives every instance to exactly one replica (desiredFor partitions the ids)', () => {
    const replicas = ['a', 'b', 'c', 'd']
    const all = ids(3000)
    const parts = replicas.map((r) => desiredFor(r, all, replicas))
    expect(parts.reduce((s, p) => s + p.size, 0)).toBe(all.length)
    expect(new Set(parts.flatMap((p) => [...p])).size).toBe(all.length)
    for (const id of all) expect(parts[replicas.indexOf(ownerOf(id, replicas) as string)]?.has(id)).toBe(true)
  })

  it('counts itself among the live replicas even when the list lacks it', () => {
    const all = ids(1000)
    expect(desiredFor('c', all, ['a', 'b'])).toEqual(desiredFor('c', all, ['a', 'b', 'c']))
  })

  it('stays cheap: 30,000 instances × 4 replicas in well under 150 ms', () => {
    const all = ids(30_000, 'instance-with-a-longer-name')
    const replicas = Array.from({ length: 4 }, () => randomUUID())
    desiredFor(replicas[0] as string, all, replicas) // warm-up
    const started = performance.now()
    const mine = desiredFor(replicas[0] as string, all, replicas)
    const elapsed = performance.now() - started
    expect(mine.size).toBeGreaterThan(6000)
    expect(elapsed).toBeLessThan(150)
  })
})
