import { FakeClock } from '@relay-console/shared/fake-clock'
import type { SseEvent } from '@relay-console/shared/sse'
import { describe, expect, it } from 'vitest'
import { createLiveConnection, EVENT_SOURCE_CLOSED, type EventSourceLike } from './live-connection'

class FakeEventSource implements EventSourceLike {
  readyState = 0
  closed = false
  readonly listeners = new Map<string, Array<(e: any) => void>>()
  addEventListener(type: string, listener: (e: any) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }
  close() {
    this.closed = true
    this.readyState = EVENT_SOURCE_CLOSED
  }
  open() {
    this.readyState = 1
    for (const l of this.listeners.get('open') ?? []) l(new Event('open'))
  }
  emit(type: string, data: unknown, id = '') {
    for (const l of this.listeners.get(type) ?? [])
      l(new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }))
  }
  fail(permanent: boolean) {
    this.readyState = permanent ? EVENT_SOURCE_CLOSED : 0
    for (const l of this.listeners.get('error') ?? []) l(new Event('error'))
  }
}

function setup(session: 'ok' | 'unauthenticated' | 'unreachable' = 'ok') {
  const clock = new FakeClock(0)
  const sources: FakeEventSource[] = []
  const events: SseEvent[] = []
  let loggedOut = 0
  const live = createLiveConnection({
    open: () => {
      const es = new FakeEventSource()
      sources.push(es)
      return es
    },
    onEvent: (e) => events.push(e),
    onUnauthenticated: () => {
      loggedOut += 1
    },
    checkSession: () => Promise.resolve(session),
    now: () => clock.now(),
    setTimeout: (cb, ms) => clock.setTimeout(cb, ms),
    clearTimeout: (h) => clock.clearTimeout(h as never),
    random: () => 1,
  })
  const last = () => sources.at(-1) as FakeEventSource
  const flush = () => new Promise((r) => setTimeout(r, 0))
  return { clock, sources, events, live, last, flush, loggedOut: () => loggedOut }
}

const snapshot = { rev: 4, instances: [] }

describe('createLiveConnection', () => {
  it('is live from the first event, and hands parsed events on', () => {
    const { live, last, events } = setup()
    live.start()
    expect(live.getState().status).toBe('connecting')
    last().open()
    last().emit('snapshot', snapshot, '4')
    expect(live.getState()).toMatchObject({ status: 'live', stale: false })
    expect(events).toEqual([{ type: 'snapshot', rev: 4, data: snapshot }])
  })

  it('drops events it cannot parse and stays up', () => {
    const { live, last, events } = setup()
    live.start()
    last().emit('instance', { nonsense: true }, '5')
    expect(events).toEqual([])
  })

  it('goes reconnecting at once, and stale after 3 s down, while the browser retries', () => {
    const { live, last, clock } = setup()
    live.start()
    last().emit('snapshot', snapshot, '4')
    last().fail(false)
    expect(live.getState()).toMatchObject({ status: 'reconnecting', stale: false })
    clock.advance(2999)
    expect(live.getState().stale).toBe(false)
    clock.advance(1)
    expect(live.getState().stale).toBe(true)
    last().emit('snapshot', snapshot, '4')
    expect(live.getState()).toMatchObject({ status: 'live', stale: false })
  })

  it('recreates a stream the browser gave up on, with backoff, after checking the session', async () => {
    const { live, last, clock, sources, flush } = setup()
    live.start()
    last().emit('snapshot', snapshot, '4')
    last().fail(true)
    expect(sources[0]?.closed).toBe(true)
    clock.advance(999)
    await flush()
    expect(sources).toHaveLength(1)
    clock.advance(1)
    await flush()
    expect(sources).toHaveLength(2)
    last().fail(true)
    clock.advance(2000)
    await flush()
    expect(sources).toHaveLength(3)
  })

  it('sends the user to log in when the session is gone', async () => {
    const { live, last, clock, flush, loggedOut, sources } = setup('unauthenticated')
    live.start()
    last().fail(true)
    clock.advance(1000)
    await flush()
    expect(loggedOut()).toBe(1)
    expect(sources).toHaveLength(1)
    expect(clock.pendingCount).toBe(0)
  })

  it('recreates a stream that went silent (no ping for 45 s)', async () => {
    const { live, last, clock, sources, flush } = setup()
    live.start()
    last().open()
    last().emit('ping', { at: '2026-11-27T10:00:00Z' })
    clock.advance(45_000)
    expect(sources[0]?.closed).toBe(true)
    clock.advance(1000)
    await flush()
    expect(sources).toHaveLength(2)
  })

  it('notifies subscribers on change only, and leaves nothing behind when stopped', () => {
    const { live, last, clock } = setup()
    let calls = 0
    const unsubscribe = live.subscribe(() => {
      calls += 1
    })
    live.start()
    last().emit('snapshot', snapshot, '4')
    const afterLive = calls
    last().emit('ping', { at: '2026-11-27T10:00:00Z' }, '')
    expect(calls).toBe(afterLive) // nothing changed
    clock.advance(1000)
    last().emit('ping', { at: '2026-11-27T10:00:01Z' }, '')
    expect(calls).toBe(afterLive + 1) // the time of the last event moved
    unsubscribe()
    live.stop()
    expect(last().closed).toBe(true)
    expect(clock.pendingCount).toBe(0)
  })
})
