/**
 * `GET /api/events`: one stream per tab carrying every instance. A `snapshot` on every (re)connect
 * unless `Last-Event-ID` can be replayed exactly; then `instance` events; a `ping` every 15 s.
 * The handler stays open until the client goes, then removes its listener and timer. A client that
 * falls too far behind is dropped: it reconnects and catches up with a replay or a snapshot.
 * @module
 */

import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import { Hono } from 'hono'
import type { Metrics } from '../lib/metrics'
import type { ConsoleState } from '../state/console-state'
import { StoreUnavailableError } from '../state/store'
import { ApiError } from './errors'
import { type EventHub, serializeSse } from './event-hub'
import type { AppEnv } from './guards'

export interface SseOptions {
  state: ConsoleState
  hub: EventHub
  clock: Clock
  metrics: Metrics
  pingIntervalMs: number
  /** Bytes a client may have queued before it is dropped. */
  maxQueuedBytes: number
  /** The security headers every response carries (the stream writes its head itself). */
  headers?: Record<string, string>
  /** Ends a session's streams when it is signed out; returns the way to stop watching. */
  watchSession?: (idHash: string, onEnd: () => void) => () => void
  /** Asked at every ping: a session signed out elsewhere (another replica) ends its streams here too. */
  sessionOpen?: (idHash: string) => Promise<boolean>
  /**
   * Resolves once this process's view has reached `rev` (reading the change log); rejects when
   * the log has nothing that far. A tab that comes from a replica ahead of this one waits for it.
   */
  reach?: (rev: number) => Promise<void>
}

/**
 * How long a tab whose `Last-Event-ID` is ahead of this replica waits for it to catch up. Past it
 * (or with the database away) the stream ends at once with a retry pause: an older snapshot would
 * rewind the tab, and the browser comes back with the same `Last-Event-ID`.
 */
export const RESUME_WAIT_MS = 2000
/** The reconnection pause asked of a tab this replica could not catch up with. */
export const BEHIND_RETRY_MS = 1000

export interface ClientQueue {
  push(chunk: Uint8Array): void
  close(): void
}

const encoder = new TextEncoder()

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array
  return Buffer.concat(chunks)
}

/**
 * One client's outgoing bytes. Chunks arrive already batched and encoded (the hub does that once
 * for everyone); whatever piles up while a write is in flight goes out as the next write. A client
 * that lets more than `maxBytes` pile up is dropped (`onOverflow`): a slow reader costs bounded
 * memory, and catches up by reconnecting.
 */
export function createClientQueue(options: {
  write: (chunk: Uint8Array) => Promise<void>
  maxBytes: number
  onOverflow: () => void
  onError: () => void
}): ClientQueue {
  const pending: Uint8Array[] = []
  let bytes = 0
  let writing = false
  let open = true

  const pump = async () => {
    writing = true
    while (pending.length > 0 && open) {
      const chunk = concat(pending)
      pending.length = 0
      bytes = 0
      await options.write(chunk)
    }
    writing = false
  }

  return {
    push(chunk) {
      if (!open) return
      pending.push(chunk)
      if (!writing) {
        // Nothing in flight: it goes out now, however big (a snapshot of a large fleet).
        pump().catch(() => options.onError())
        return
      }
      bytes += chunk.byteLength
      if (bytes > options.maxBytes) {
        open = false
        pending.length = 0
        options.onOverflow()
      }
    },
    close() {
      open = false
      pending.length = 0
    },
  }
}

export function eventRoutes(options: SseOptions): Hono<AppEnv> {
  const { state, hub, clock, metrics } = options
  const app = new Hono<AppEnv>()
  // Tabs that connect together (a console restart, a deploy) share one serialised snapshot.
  let snapshotCache: { rev: number; bytes: Uint8Array } | null = null
  const snapshotBytes = (): Uint8Array => {
    const rev = state.rev()
    if (snapshotCache?.rev !== rev) {
      const snapshot = state.snapshot()
      snapshotCache = { rev, bytes: encoder.encode(serializeSse('snapshot', snapshot, snapshot.rev)) }
    }
    return snapshotCache.bytes
  }

  /** Waits (a while at most) for this replica to have read up to `rev`; it may stay behind. */
  /**
   * Waits (a while at most) for this replica to have read up to `rev`: `behind` when it could not
   * (its database away, or too slow), `unknown` when no such rev was ever committed.
   */
  async function catchUpTo(rev: number): Promise<'reached' | 'behind' | 'unknown'> {
    if (options.reach === undefined || rev <= state.rev()) return 'reached'
    let timer: TimerHandle | null = null
    const outcome = await Promise.race([
      options.reach(rev).then(
        () => 'reached' as const,
        (error: unknown) => (error instanceof StoreUnavailableError ? ('behind' as const) : ('unknown' as const)),
      ),
      new Promise<'behind'>((resolve) => {
        timer = clock.setTimeout(() => resolve('behind'), RESUME_WAIT_MS)
      }),
    ])
    if (timer !== null) clock.clearTimeout(timer)
    return outcome
  }

  app.get('/', async (c) => {
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
    if (outgoing === undefined) throw new ApiError(500, 'no_stream', 'the event stream needs the Node server')
    const header = c.req.header('last-event-id')
    const lastEventId = header !== undefined && /^\d+$/.test(header) ? Number(header) : null
    // Another replica may have shown the tab changes this one has not read yet: replay, not rewind.
    // Gone while it waits: nothing to subscribe (its 'close' will not fire again). Not judged by
    // `outgoing.socket`: a response queued behind the one before it on a kept-alive connection has
    // none yet, and must still be answered.
    let gone = false
    const onGone = () => {
      gone = true
    }
    outgoing.once('close', onGone)
    const caughtUp = lastEventId === null ? 'reached' : await catchUpTo(lastEventId)
    outgoing.off('close', onGone)
    if (gone) return RESPONSE_ALREADY_SENT
    if (caughtUp === 'behind') {
      // Still behind what the tab has shown: an older snapshot would rewind it. End the stream; the
      // browser comes back (here or elsewhere) with the same Last-Event-ID after the retry pause.
      outgoing.writeHead(200, {
        ...options.headers,
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store, no-transform',
      })
      outgoing.end(`retry: ${BEHIND_RETRY_MS}\n\n`)
      return RESPONSE_ALREADY_SENT
    }
    // Written straight to the socket: with hundreds of tabs and a burst of changes, a write per
    // client per batch is the hot path, and going through web streams costs several times more.
    outgoing.writeHead(200, {
      ...options.headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-store: the URL may carry the tab key (`?k=`); no-transform: no proxy may buffer or compress.
      'Cache-Control': 'no-store, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    })
    outgoing.flushHeaders()
    let ping: TimerHandle | null = null
    let closed = false
    const queue = createClientQueue({
      write: (chunk) =>
        new Promise<void>((resolve) => {
          if (outgoing.write(chunk)) resolve()
          else outgoing.once('drain', () => resolve())
        }),
      maxBytes: options.maxQueuedBytes,
      onOverflow: () => {
        metrics.sseDropped.inc()
        outgoing.end()
      },
      onError: () => outgoing.destroy(),
    })
    // Subscribe and take the snapshot in one tick: no event can fall between them.
    const subscription = hub.subscribe(
      (chunk) => queue.push(chunk),
      lastEventId,
      () => outgoing.end(),
    )
    if (subscription.replay === null) queue.push(snapshotBytes())
    else if (subscription.replay.length > 0) {
      queue.push(encoder.encode(subscription.replay.map((e) => e.text).join('')))
    }
    // Signing out ends the session's streams at once (docs/api.md, "Sessions").
    const sessionIdHash = c.get('sessionIdHash')
    const schedulePing = () => {
      ping = clock.setTimeout(() => {
        queue.push(encoder.encode(serializeSse('ping', { at: new Date(clock.now()).toISOString() })))
        schedulePing()
        if (sessionIdHash !== undefined && options.sessionOpen !== undefined) {
          options.sessionOpen(sessionIdHash).then(
            (open) => {
              if (!open) outgoing.end()
            },
            () => {},
          )
        }
      }, options.pingIntervalMs)
    }
    schedulePing()
    const unwatch =
      sessionIdHash === undefined
        ? () => {}
        : (options.watchSession?.(sessionIdHash, () => outgoing.end()) ?? (() => {}))
    metrics.sseClients.inc()
    // The stream lives until the client goes (or is dropped); then nothing of it is left behind.
    outgoing.once('close', () => {
      if (closed) return
      closed = true
      queue.close()
      subscription.unsubscribe()
      unwatch()
      if (ping !== null) clock.clearTimeout(ping)
      metrics.sseClients.dec()
    })
    return RESPONSE_ALREADY_SENT
  })

  return app
}
