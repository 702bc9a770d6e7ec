import type { Instance } from '@relay-console/shared/instance'
import { describe, expect, it } from 'vitest'
import type { StateChange } from '../state/console-state'
import { createEventHub, serializeSse } from './event-hub'

const instance = (id: string): Instance => ({
  id,
  displayName: id,
  gatewayId: `gw-${id}`,
  optedIn: true,
  pending: null,
  platforms: [],
})
const change = (rev: number, instance: Instance): StateChange => ({ rev, instance, transitions: [] })
const decoder = new TextDecoder()

function manualHub(ringSize?: number) {
  const flushes: Array<() => void> = []
  const timings: number[] = []
  const hub = createEventHub({ ringSize, defer: (f) => flushes.push(f), onFanout: (_ms, n) => timings.push(n) })
  const flush = () => {
    for (const f of flushes.splice(0)) f()
  }
  return { hub, flush, timings }
}

describe('createEventHub', () => {
  it('serialises each event once, and sends a turn’s events as one chunk, the same to every listener', () => {
    const { hub, flush } = manualHub()
    const got: Uint8Array[][] = [[], []]
    hub.subscribe((c) => got[0]?.push(c), null)
    hub.subscribe((c) => got[1]?.push(c), null)
    hub.publish(change(7, instance('a')))
    hub.publish(change(8, instance('b')))
    expect(got[0]).toHaveLength(0)
    flush()
    expect(got[0]).toHaveLength(1)
    expect(got[0]?.[0]).toBe(got[1]?.[0])
    expect(decoder.decode(got[0]?.[0])).toBe(
      `event: instance\nid: 7\ndata: ${JSON.stringify(instance('a'))}\n\nevent: instance\nid: 8\ndata: ${JSON.stringify(instance('b'))}\n\n`,
    )
  })

  it('does not send a pending batch again to a listener that joined after it (its replay has it)', () => {
    const { hub, flush } = manualHub()
    hub.publish(change(1, instance('a')))
    flush()
    hub.publish(change(2, instance('b')))
    const got: string[] = []
    const { replay } = hub.subscribe((c) => got.push(decoder.decode(c)), 1)
    expect(replay?.map((e) => e.rev)).toEqual([2])
    flush()
    expect(got).toEqual([])
    hub.publish(change(3, instance('c')))
    flush()
    expect(got).toHaveLength(1)
    expect(got[0]).toContain('id: 3')
  })

  it('replays exactly what a client missed, nothing when it missed nothing, and asks for a snapshot otherwise', () => {
    const { hub, flush } = manualHub(3)
    for (const rev of [1, 2, 3, 4, 5]) hub.publish(change(rev, instance(`i${rev}`)))
    flush()
    expect(hub.subscribe(() => {}, 3).replay?.map((e) => e.rev)).toEqual([4, 5])
    expect(hub.subscribe(() => {}, 2).replay?.map((e) => e.rev)).toEqual([3, 4, 5])
    expect(hub.subscribe(() => {}, 5).replay).toEqual([])
    expect(hub.subscribe(() => {}, 1).replay).toBeNull() // rolled out of the ring
    expect(hub.subscribe(() => {}, 9).replay).toBeNull() // from the future
    expect(hub.subscribe(() => {}, null).replay).toBeNull()
  })

  it('forgets listeners that unsubscribe and reports fan-out per batch', () => {
    const { hub, flush, timings } = manualHub()
    const a = hub.subscribe(() => {}, null)
    hub.subscribe(() => {}, null)
    a.unsubscribe()
    expect(hub.listeners).toBe(1)
    hub.publish(change(1, instance('x')))
    hub.publish(change(2, instance('y')))
    flush()
    expect(timings).toEqual([1])
  })

  it('writes pings and snapshots without ids when asked', () => {
    expect(serializeSse('ping', { at: 'now' })).toBe('event: ping\ndata: {"at":"now"}\n\n')
  })

  it('replays changes it was preloaded with, and goes on from there', () => {
    const { hub, flush } = manualHub()
    hub.preload([change(3, instance('a')), change(4, instance('b'))])
    const got: Uint8Array[] = []
    const { replay } = hub.subscribe((c) => got.push(c), 3)
    expect(replay?.map((e) => e.rev)).toEqual([4])
    hub.publish(change(5, instance('c')))
    flush()
    expect(decoder.decode(got[0])).toContain('id: 5')
    expect(hub.subscribe(() => {}, 1).replay).toBeNull()
  })
})
