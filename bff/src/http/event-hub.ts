/**
 * The event stream's fan-out: one listener of the console state's change stream, and the one
 * place that knows the SSE wire format. Each change is serialised once, into the exact SSE text
 * every client receives; the events published together (one commit's changes, applied in one go)
 * are joined and encoded once, and that one chunk goes to every client, as soon as the code that
 * published them is done: not a turn of the event loop later, which under load is what a turn
 * costs (the status writer already gathered a turn's worth before its commit). A ring of recent events lets a reconnecting client resume
 * from `Last-Event-ID`.
 * @module
 */
import type { StateChange } from '../state/console-state'

export interface SerializedEvent {
  rev: number
  /** A complete SSE message: `event:`, `id:`, `data:` lines and the blank line. */
  text: string
}

/** Receives encoded SSE text: one or more complete messages. */
export type HubListener = (chunk: Uint8Array) => void

export interface Subscription {
  /** Events after `lastEventId` to send before anything else; null when the client needs a snapshot. */
  replay: SerializedEvent[] | null
  unsubscribe(): void
}

export interface EventHub {
  /** A listener of the console state's change stream: serialises and queues one change. */
  publish(change: StateChange): void
  /**
   * Subscribes, and in the same tick answers what to replay: nothing can fall in between. The
   * listener gets everything published after this call (not what it already has via the replay or
   * a snapshot taken now).
   */
  subscribe(listener: HubListener, lastEventId: number | null, onReset?: () => void): Subscription
  /**
   * The console's view was rebuilt without its changes (it fell behind the change log): forgets
   * what it could replay, and ends every subscription (`onReset`): clients reconnect for a snapshot.
   */
  reset(): void
  /**
   * Seeds what it can replay with changes from before this process started (the change log's
   * latest, up to the console state's rev), so `Last-Event-ID` replays on a fresh replica too.
   */
  preload(changes: readonly StateChange[]): void
  readonly listeners: number
}

/** One SSE message: `event:`, optional `id:`, one `data:` line of JSON, and the blank line. */
export function serializeSse(event: string, data: unknown, id?: number): string {
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`
}

export interface EventHubOptions {
  ringSize?: number
  /** Called with the time one batch took to reach every listener, in milliseconds. */
  onFanout?: (ms: number, listeners: number) => void
  /** Defers the batch until the publisher is done; queueMicrotask by default. */
  defer?: (flush: () => void) => void
}

const encoder = new TextEncoder()

export function createEventHub(options: EventHubOptions = {}): EventHub {
  const ringSize = options.ringSize ?? 1024
  const defer = options.defer ?? queueMicrotask
  const ring: SerializedEvent[] = []
  const listeners = new Set<HubListener>()
  /** Subscribed while a batch was pending: they already have it (replay or snapshot). */
  const joining = new Set<HubListener>()
  let batch: string[] = []
  let lastRev = 0
  const resets = new Map<HubListener, () => void>()

  const flush = () => {
    const started = performance.now()
    const chunk = encoder.encode(batch.length === 1 ? (batch[0] as string) : batch.join(''))
    batch = []
    for (const listener of listeners) listener(chunk)
    for (const listener of joining) listeners.add(listener)
    joining.clear()
    options.onFanout?.(performance.now() - started, listeners.size)
  }

  return {
    publish({ rev, instance }) {
      const event: SerializedEvent = { rev, text: serializeSse('instance', instance, rev) }
      lastRev = rev
      ring.push(event)
      if (ring.length > ringSize) ring.shift()
      if (batch.length === 0) defer(flush)
      batch.push(event.text)
    },

    subscribe(listener, lastEventId, onReset) {
      if (batch.length > 0) joining.add(listener)
      else listeners.add(listener)
      if (onReset !== undefined) resets.set(listener, onReset)
      let replay: SerializedEvent[] | null = null
      if (lastEventId !== null && lastEventId <= lastRev) {
        const oldest = ring[0]?.rev
        if (lastEventId === lastRev) replay = []
        else if (oldest !== undefined && oldest <= lastEventId + 1) replay = ring.filter((e) => e.rev > lastEventId)
      }
      return {
        replay,
        unsubscribe: () => {
          listeners.delete(listener)
          joining.delete(listener)
          resets.delete(listener)
        },
      }
    },

    preload(changes) {
      for (const { rev, instance } of changes) {
        if (rev <= lastRev) continue
        ring.push({ rev, text: serializeSse('instance', instance, rev) })
        lastRev = rev
      }
      if (ring.length > ringSize) ring.splice(0, ring.length - ringSize)
    },

    reset() {
      ring.length = 0
      lastRev = 0
      batch = []
      const ending = [...resets.values()]
      resets.clear()
      for (const end of ending) end()
    },

    get listeners() {
      return listeners.size + joining.size
    },
  }
}
