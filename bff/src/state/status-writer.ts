/**
 * Writes the platform statuses this process observes on its sockets to the state store, batched:
 * whatever the adapters report within one turn of the event loop goes in one transaction, only
 * the latest statuses of each instance, and the next batch waits for the one in flight, so an
 * instance's statuses are written in the order they were observed. When the store cannot be
 * written (a database outage), the latest statuses of each instance are kept and written again
 * after a pause: the sockets are the truth, and nothing older overtakes them.
 * @module
 */
import type { Clock } from '@relay-console/shared/clock'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import type { Log } from '../lib/log'
import type { ChangeFeed } from './change-feed'
import type { StateStore, StatusUpdate } from './store'

export interface StatusWriter {
  /**
   * Queues an instance's latest statuses; `fence` is the lease this process holds on it (a
   * replica), so the store refuses the write once the lease has moved on.
   */
  write(instanceId: string, platforms: readonly PlatformStatus[], fence?: StatusUpdate['fence']): void
  /** Resolves once everything queued so far is written and applied to the state; rejects when the store refused it. */
  flush(): Promise<void>
  /** Writes what is queued, then takes no more. */
  stop(): Promise<void>
}

export interface StatusWriterOptions {
  store: Pick<StateStore, 'saveStatuses'>
  feed: Pick<ChangeFeed, 'committed'>
  clock: Clock
  log: Log
  /** Pause before writing again after a failed write. */
  retryMs?: number
  /** Schedules a batch at the end of this turn; setImmediate by default. */
  defer?: (write: () => void) => void
}

/** A batch in flight this long is reported as stalled. */
export const STALL_MS = 10_000

export function createStatusWriter(options: StatusWriterOptions): StatusWriter {
  const { store, feed, clock, log } = options
  const retryMs = options.retryMs ?? 1000
  const defer = options.defer ?? ((write) => setImmediate(write))
  const queued = new Map<string, StatusUpdate>()
  let inFlight: Promise<void> | null = null
  let scheduled = false
  let stopped = false

  /** Writes what is queued; false when the store refused it (it stays queued). */
  async function writeBatch(): Promise<boolean> {
    const batch = [...queued.values()]
    queued.clear()
    // A write that neither lands nor fails holds every later one back: say so, loudly.
    const startedAt = clock.now()
    let step: 'saving' | 'applying them' = 'saving'
    const watchdog = clock.setTimeout(
      () =>
        log.error(
          { instances: batch.length, sinceMs: clock.now() - startedAt, step },
          'writing platform statuses stalled',
        ),
      STALL_MS,
    )
    try {
      const logged = await store.saveStatuses(batch)
      step = 'applying them'
      await feed.committed(logged)
      return true
    } catch (error) {
      // Keep what was not observed again meanwhile, and try again after a pause.
      for (const update of batch) if (!queued.has(update.id)) queued.set(update.id, update)
      log.warn({ err: String(error), instances: batch.length }, 'writing platform statuses failed; will retry')
      if (!stopped) clock.setTimeout(schedule, retryMs)
      return false
    } finally {
      clock.clearTimeout(watchdog)
    }
  }

  async function drain(): Promise<void> {
    while (queued.size > 0 && !stopped) if (!(await writeBatch())) return
  }

  function run(): Promise<void> {
    // Cleared in a callback, which always runs after this assignment: with nothing queued, drain()
    // ends at once, and a clear inside it would come before the assignment and leave it set for
    // ever (no write would run again).
    const running = drain().finally(() => {
      if (inFlight === running) inFlight = null
    })
    inFlight = running
    return running
  }

  function schedule(): void {
    if (scheduled || stopped) return
    scheduled = true
    defer(() => {
      scheduled = false
      if (inFlight === null) void run()
    })
  }

  return {
    write(instanceId, platforms, fence) {
      if (stopped) return
      queued.set(instanceId, { id: instanceId, platforms, fence: fence ?? null })
      schedule()
    },
    async flush() {
      await inFlight
      if (queued.size > 0) await run()
      if (queued.size > 0) throw new Error('platform statuses could not be written')
    },
    async stop() {
      await (inFlight ?? Promise.resolve())
      if (queued.size > 0) await writeBatch()
      stopped = true
    },
  }
}
