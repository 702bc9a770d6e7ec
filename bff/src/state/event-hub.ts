/**
 * The SSE fan-out, behind a small interface (a multi-replica backend would publish through a
 * broker). Each event is serialised once, into the exact SSE text every client receives; a ring
 * of recent events lets a reconnecting client resume from `Last-Event-ID`.
 * @module
 */
import type { Instance } from '@relay-console/shared/instance'

export interface SerializedEvent {
  rev: number
  /** A complete SSE message: `event:`, `id:`, `data:` lines and the blank line. */
  text: string
}

export type HubListener = (event: SerializedEvent) => void

export interface Subscription {
  /** Events after `lastEventId` to send before anything else; null when the client needs a snapshot. */
  replay: SerializedEvent[] | null
  unsubscribe(): void
}

export interface EventHub {
  publish(rev: number, instance: Instance): void
  /** Subscribes, and in the same tick answers what to replay: nothing can fall in between. */
  subscribe(listener: HubListener, lastEventId: number | null): Subscription
  readonly listeners: number
}

export function serializeSse(event: string, data: unknown, id?: number): string {
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`
}

export interface MemoryHubOptions {
  ringSize?: number
  /** Called with the time one publish took to reach every listener, in milliseconds. */
  onFanout?: (ms: number, listeners: number) => void
}

export function createMemoryEventHub(options: MemoryHubOptions = {}): EventHub {
  const ringSize = options.ringSize ?? 1024
  const ring: SerializedEvent[] = []
  const listeners = new Set<HubListener>()
  let lastRev = 0

  return {
    publish(rev, instance) {
      const started = performance.now()
      const event: SerializedEvent = { rev, text: serializeSse('instance', instance, rev) }
      lastRev = rev
      ring.push(event)
      if (ring.length > ringSize) ring.shift()
      for (const listener of listeners) listener(event)
      options.onFanout?.(performance.now() - started, listeners.size)
    },

    subscribe(listener, lastEventId) {
      listeners.add(listener)
      let replay: SerializedEvent[] | null = null
      if (lastEventId !== null && lastEventId <= lastRev) {
        const oldest = ring[0]?.rev
        if (lastEventId === lastRev) replay = []
        else if (oldest !== undefined && oldest <= lastEventId + 1) replay = ring.filter((e) => e.rev > lastEventId)
      }
      return { replay, unsubscribe: () => listeners.delete(listener) }
    },

    get listeners() {
      return listeners.size
    },
  }
}
