/**
 * `GET /api/events`: one stream per tab carrying every instance. A `snapshot` on every (re)connect
 * unless `Last-Event-ID` can be replayed exactly; then `instance` events; a `ping` every 15 s.
 * The handler stays open until the client goes, then removes its listener and timer. A client that
 * falls too far behind is dropped: it reconnects and catches up with a replay or a snapshot.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Metrics } from '../lib/metrics'
import type { ConsoleState } from '../state/console-state'
import { type EventHub, serializeSse } from '../state/event-hub'

export interface SseOptions {
  state: ConsoleState
  hub: EventHub
  clock: Clock
  metrics: Metrics
  pingIntervalMs?: number
  /** Bytes a client may have queued before it is dropped. */
  maxQueuedBytes?: number
}

export function eventRoutes(options: SseOptions): Hono {
  const { state, hub, clock, metrics } = options
  const pingMs = options.pingIntervalMs ?? 15_000
  const maxQueued = options.maxQueuedBytes ?? 4 * 1024 * 1024
  const app = new Hono()

  app.get('/', (c) => {
    const header = c.req.header('last-event-id')
    const lastEventId = header !== undefined && /^\d+$/.test(header) ? Number(header) : null
    c.header('Cache-Control', 'no-cache, no-transform')
    c.header('X-Accel-Buffering', 'no')
    return streamSSE(c, async (stream) => {
      const queue: string[] = []
      let queuedBytes = 0
      let pumping = false
      let open = true
      let ping: TimerHandle | null = null
      let end: () => void = () => {}
      const finished = new Promise<void>((resolve) => {
        end = resolve
      })
      stream.onAbort(() => end())

      const pump = async () => {
        pumping = true
        while (queue.length > 0 && open) {
          const text = queue.shift() as string
          queuedBytes -= text.length
          await stream.write(text)
        }
        pumping = false
      }
      const send = (text: string) => {
        if (!open) return
        queue.push(text)
        queuedBytes += text.length
        if (queuedBytes > maxQueued) {
          metrics.sseDropped.inc()
          end()
          return
        }
        if (!pumping) pump().catch(() => end())
      }

      // Subscribe and take the snapshot in one tick: no event can fall between them.
      const subscription = hub.subscribe((event) => send(event.text), lastEventId)
      if (subscription.replay === null) {
        const snapshot = state.snapshot()
        send(serializeSse('snapshot', snapshot, snapshot.rev))
      } else {
        for (const event of subscription.replay) send(event.text)
      }
      const schedulePing = () => {
        ping = clock.setTimeout(() => {
          send(serializeSse('ping', { at: new Date(clock.now()).toISOString() }))
          schedulePing()
        }, pingMs)
      }
      schedulePing()
      metrics.sseClients.inc()
      try {
        await finished
      } finally {
        open = false
        subscription.unsubscribe()
        if (ping !== null) clock.clearTimeout(ping)
        metrics.sseClients.dec()
      }
    })
  })

  return app
}
