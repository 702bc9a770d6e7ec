import { describe, expect, it } from 'vitest'
import { ClusterResponseSchema } from './api'

const replica = {
  id: 'replica-a',
  listen: 'http://10.0.0.5:8787',
  startedAt: '2026-11-27T08:00:00.000Z',
  lastSeenAt: '2026-11-27T10:00:00+01:00',
  owned: 3,
}

describe('ClusterResponseSchema', () => {
  it('reads one process alone, and several replicas', () => {
    expect(ClusterResponseSchema.parse({ self: 'replica-a', replicas: [replica] })).toEqual({
      self: 'replica-a',
      replicas: [replica],
    })
    const two = { self: 'replica-b', replicas: [replica, { ...replica, id: 'replica-b', owned: 0 }] }
    expect(ClusterResponseSchema.parse(two).replicas.map((r) => r.id)).toEqual(['replica-a', 'replica-b'])
  })

  it('tolerates fields a later console adds', () => {
    const parsed = ClusterResponseSchema.parse({ self: 'replica-a', replicas: [{ ...replica, zone: 'eu' }], epoch: 4 })
    expect(parsed).toEqual({ self: 'replica-a', replicas: [replica] })
  })

  it.each([
    ['no self', { replicas: [replica] }],
    ['an empty self', { self: '', replicas: [replica] }],
    ['a time without a zone', { self: 'replica-a', replicas: [{ ...replica, lastSeenAt: '2026-11-27T10:00:00' }] }],
    ['a time as a number', { self: 'replica-a', replicas: [{ ...replica, startedAt: 1_796_000_000_000 }] }],
    ['a negative count', { self: 'replica-a', replicas: [{ ...replica, owned: -1 }] }],
    ['a fractional count', { self: 'replica-a', replicas: [{ ...replica, owned: 1.5 }] }],
  ])('refuses %s', (_, body) => {
    expect(ClusterResponseSchema.safeParse(body).success).toBe(false)
  })
})
