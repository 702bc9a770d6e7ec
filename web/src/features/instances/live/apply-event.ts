/**
 * Folds one server event into the cached fleet. Pure: returns a new value, never mutates the old.
 * A snapshot replaces everything; an `instance` event replaces one instance, unless it is older
 * than what the cache already shows.
 * @module
 */
import type { ClientInstancesResponse } from '@relay-console/shared/api'
import type { SseEvent } from '@relay-console/shared/sse'

export type FleetCache = ClientInstancesResponse

export function applyEvent(cache: FleetCache | undefined, event: SseEvent): FleetCache | undefined {
  switch (event.type) {
    case 'snapshot':
      // The same revision as the cache: nothing to redraw (the first load often brings both).
      if (cache !== undefined && cache.rev === event.rev) return cache
      // Otherwise authoritative, whatever the cache held (a console whose state was reset starts again at 1).
      return event.data
    case 'instance': {
      if (cache === undefined || event.rev <= cache.rev) return cache
      const index = cache.instances.findIndex((i) => i.id === event.data.id)
      const instances =
        index < 0 ? [...cache.instances, event.data] : cache.instances.map((i, at) => (at === index ? event.data : i))
      return { rev: event.rev, instances }
    }
    case 'ping':
      return cache
  }
}

/** A freshly fetched list never replaces a newer one that events already brought. */
export function newerOf(current: FleetCache | undefined, fetched: FleetCache): FleetCache {
  return current !== undefined && current.rev > fetched.rev ? current : fetched
}

/**
 * Hands events over in batches, at most every `everyMs`: the first after a quiet spell at once,
 * the rest of a burst together at the end of the window.
 */
export function createEventBatcher(
  everyMs: number,
  apply: (events: SseEvent[]) => void,
  timers: { now: () => number; setTimeout: (f: () => void, ms: number) => unknown } = {
    now: () => Date.now(),
    setTimeout: (f, ms) => setTimeout(f, ms),
  },
): { push(event: SseEvent): void } {
  let pending: SseEvent[] = []
  let lastApplied = Number.NEGATIVE_INFINITY
  let scheduled = false
  const flush = () => {
    scheduled = false
    lastApplied = timers.now()
    const events = pending
    pending = []
    if (events.length > 0) apply(events)
  }
  return {
    push(event) {
      pending.push(event)
      if (scheduled) return
      const wait = lastApplied + everyMs - timers.now()
      if (wait <= 0) flush()
      else {
        scheduled = true
        timers.setTimeout(flush, wait)
      }
    },
  }
}
