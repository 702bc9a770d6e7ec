import { FakeClock } from '@relay-console/shared/fake-clock'
import { describe, expect, it } from 'vitest'
import { instance, platformStatus } from '../../../test-fixtures'
import { applyEvent, createEventBatcher, newerOf } from './apply-event'

const inst = (id: string, state = 'connected') => instance(id, { platforms: [platformStatus({ state })] })

describe('applyEvent', () => {
  const snapshot = { rev: 10, instances: [inst('a'), inst('b')] }

  it('takes a snapshot whole', () => {
    expect(applyEvent(undefined, { type: 'snapshot', rev: 10, data: snapshot })).toBe(snapshot)
  })

  it('replaces one instance and moves the revision on, without touching the old cache', () => {
    const next = applyEvent(snapshot, { type: 'instance', rev: 11, data: inst('b', 'retrying') })
    expect(next?.rev).toBe(11)
    expect(next?.instances.map((i) => i.platforms[0]?.state)).toEqual(['connected', 'retrying'])
    expect(next?.instances[0]).toBe(snapshot.instances[0])
    expect(snapshot.instances[1]?.platforms[0]?.state).toBe('connected')
  })

  it('ignores an event older than, or as old as, the cache', () => {
    expect(applyEvent(snapshot, { type: 'instance', rev: 9, data: inst('b', 'fatal') })).toBe(snapshot)
    expect(applyEvent(snapshot, { type: 'instance', rev: 10, data: inst('b', 'fatal') })).toBe(snapshot)
  })

  it('applies events in order and drops a late one', () => {
    let cache = applyEvent(snapshot, { type: 'instance', rev: 12, data: inst('a', 'disabled') })
    cache = applyEvent(cache, { type: 'instance', rev: 11, data: inst('a', 'retrying') })
    expect(cache?.instances[0]?.platforms[0]?.state).toBe('disabled')
  })

  it('keeps the cache for a snapshot of the same revision, so nothing is redrawn', () => {
    expect(applyEvent(snapshot, { type: 'snapshot', rev: 10, data: { rev: 10, instances: [inst('a')] } })).toBe(
      snapshot,
    )
  })

  it('takes the snapshot of a reconnect even when its revision is lower (a reset console)', () => {
    const reset = { rev: 3, instances: [inst('a', 'connecting')] }
    expect(applyEvent(snapshot, { type: 'snapshot', rev: 3, data: reset })).toBe(reset)
  })

  it('adds an instance it did not know, and ignores events before any snapshot', () => {
    expect(applyEvent(snapshot, { type: 'instance', rev: 11, data: inst('c') })?.instances.map((i) => i.id)).toEqual([
      'a',
      'b',
      'c',
    ])
    expect(applyEvent(undefined, { type: 'instance', rev: 11, data: inst('c') })).toBeUndefined()
  })

  it('keeps a newer cache over an older fetch', () => {
    const newer = { rev: 20, instances: [] }
    expect(newerOf(newer, snapshot)).toBe(newer)
    expect(newerOf(snapshot, newer)).toBe(newer)
    expect(newerOf(undefined, snapshot)).toBe(snapshot)
  })
})

describe('createEventBatcher', () => {
  const ping = { type: 'ping' as const, data: { at: '2026-11-27T10:00:00Z' } }

  it('applies the first event at once and the rest of a burst together, at most every window', () => {
    const clock = new FakeClock(0)
    const batches: number[] = []
    const batcher = createEventBatcher(100, (events) => batches.push(events.length), {
      now: () => clock.now(),
      setTimeout: (f, ms) => clock.setTimeout(f, ms),
    })
    batcher.push(ping)
    expect(batches).toEqual([1])
    for (let i = 0; i < 50; i++) batcher.push(ping)
    expect(batches).toEqual([1])
    clock.advance(100)
    expect(batches).toEqual([1, 50])
    clock.advance(1000)
    batcher.push(ping)
    expect(batches).toEqual([1, 50, 1])
  })
})
