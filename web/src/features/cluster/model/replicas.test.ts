import type { Replica } from '@relay-console/shared/api'
import { describe, expect, it } from 'vitest'
import { NOT_RESPONDING_AFTER_MS, summariseCluster } from './replicas'

const NOW = Date.UTC(2026, 10, 27, 10, 0, 0)

const replica = (id: string, seenMsAgo: number, owned: number): Replica => ({
  id,
  listen: `http://${id}:8787`,
  startedAt: new Date(NOW - 3_600_000).toISOString(),
  lastSeenAt: new Date(NOW - seenMsAgo).toISOString(),
  owned,
})

describe('summariseCluster', () => {
  it('puts the replica that answered first, then the others by id, and adds up what they hold', () => {
    const summary = summariseCluster({
      self: 'b',
      replicas: [replica('c', 0, 2), replica('b', 1000, 4), replica('a', 2000, 1)],
    })
    expect(summary.rows.map((r) => [r.id, r.isSelf])).toEqual([
      ['b', true],
      ['a', false],
      ['c', false],
    ])
    expect(summary.totalOwned).toBe(7)
    expect(summary.notResponding).toBe(0)
  })

  it('reads a heartbeat more than 15 s behind the newest as not responding', () => {
    const summary = summariseCluster({
      self: 'a',
      replicas: [
        replica('a', 0, 3),
        replica('b', NOT_RESPONDING_AFTER_MS, 3),
        replica('c', NOT_RESPONDING_AFTER_MS + 1, 0),
      ],
    })
    expect(summary.rows.map((r) => [r.id, r.health])).toEqual([
      ['a', 'responding'],
      ['b', 'responding'],
      ['c', 'not_responding'],
    ])
    expect(summary.notResponding).toBe(1)
  })

  it('judges by the answer, not by the time it is read: one process alone is responding however old its heartbeat', () => {
    const summary = summariseCluster({ self: 'solo', replicas: [replica('solo', 3_600_000, 7)] })
    expect(summary.rows).toMatchObject([{ id: 'solo', isSelf: true, health: 'responding', owned: 7 }])
    expect(summary.totalOwned).toBe(7)
  })

  it('shows the replicas even when the one that answered is not among them yet', () => {
    const summary = summariseCluster({ self: 'new', replicas: [replica('a', 0, 2)] })
    expect(summary.self).toBe('new')
    expect(summary.rows.map((r) => r.isSelf)).toEqual([false])
  })
})
