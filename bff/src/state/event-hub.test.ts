import type { Instance } from '@relay-console/shared/instance'
import { describe, expect, it } from 'vitest'
import { createMemoryEventHub, type SerializedEvent, serializeSse } from './event-hub'

const instance = (id: string): Instance => ({
  id,
  displayName: id,
  gatewayId: `gw-${id}`,
  optedIn: true,
  pending: null,
  platforms: [],
})

describe('createMemoryEventHub', () => {
  it('serialises each event once, as the exact SSE text', () => {
    const hub = createMemoryEventHub()
    const got: SerializedEvent[] = []
    hub.subscribe((e) => got.push(e), null)
    hub.subscribe((e) => got.push(e), null)
    hub.publish(7, instance('a'))
    expect(got[0]?.text).toBe(`event: instance\nid: 7\ndata: ${JSON.stringify(instance('a'))}\n\n`)
    expect(got[0]).toBe(got[1])
  })

  it('replays exactly what a client missed, nothing when it missed nothing, and asks for a snapshot otherwise', () => {
    const hub = createMemoryEventHub({ ringSize: 3 })
    for (const rev of [1, 2, 3, 4, 5]) hub.publish(rev, instance(`i${rev}`))
    expect(hub.subscribe(() => {}, 3).replay?.map((e) => e.rev)).toEqual([4, 5])
    expect(hub.subscribe(() => {}, 2).replay?.map((e) => e.rev)).toEqual([3, 4, 5])
    expect(hub.subscribe(() => {}, 5).replay).toEqual([])
    expect(hub.subscribe(() => {}, 1).replay).toBeNull() // rolled out of the ring
    expect(hub.subscribe(() => {}, 9).replay).toBeNull() // from the future
    expect(hub.subscribe(() => {}, null).replay).toBeNull()
  })

  it('forgets listeners that unsubscribe and reports fan-out timing', () => {
    const timings: number[] = []
    const hub = createMemoryEventHub({ onFanout: (_ms, n) => timings.push(n) })
    const a = hub.subscribe(() => {}, null)
    hub.subscribe(() => {}, null)
    a.unsubscribe()
    expect(hub.listeners).toBe(1)
    hub.publish(1, instance('x'))
    expect(timings).toEqual([1])
  })

  it('writes pings and snapshots without ids when asked', () => {
    expect(serializeSse('ping', { at: 'now' })).toBe('event: ping\ndata: {"at":"now"}\n\n')
  })
})
