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
      // Authoritative, whatever the cache held (a console whose state was reset starts again at 1).
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
