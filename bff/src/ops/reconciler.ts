/**
 * The reconciler: when a connector call fails in a way that heals (a network error, a 5xx), it
 * schedules the next try of that instance's operation with the relay's backoff, until the
 * operation completes or is superseded. One pending try per instance; asking again for the same
 * kind climbs the ladder, a different kind starts it over. What a try does is the caller's
 * `onDue`: this module only keeps time.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import { type BackoffOptions, backoffDelay } from '../relay/backoff'

export type RetryKind = 'deprovision' | 'provision'

export interface ReconcilerOptions {
  clock: Clock
  random: () => number
  /** Backoff of the tries; 2 s doubling up to 5 min by default. */
  retry?: BackoffOptions
  /** A scheduled try is due. */
  onDue: (instanceId: string, kind: RetryKind) => void
}

export interface ScheduledTry {
  /** 1 for the first try of this kind since the last success or a change of kind. */
  attempt: number
  /** When it will run (clock milliseconds). */
  at: number
}

export interface Reconciler {
  schedule(instanceId: string, kind: RetryKind): ScheduledTry
  /** Forgets the instance's pending try, if any: it completed, or something replaced it. */
  cancel(instanceId: string): void
  /** Cancels every pending try; later schedules still answer, but set no timer. */
  stop(): void
}

export const DEFAULT_RETRY: BackoffOptions = { baseMs: 2000, maxMs: 300_000 }

interface Pending {
  kind: RetryKind
  attempt: number
  timer: TimerHandle | null
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { clock } = options
  const retry = options.retry ?? DEFAULT_RETRY
  const pending = new Map<string, Pending>()
  let stopped = false

  const cancel = (instanceId: string) => {
    const entry = pending.get(instanceId)
    if (entry?.timer) clock.clearTimeout(entry.timer)
    pending.delete(instanceId)
  }

  return {
    schedule(instanceId, kind) {
      const previous = pending.get(instanceId)
      const attempt = previous?.kind === kind ? previous.attempt + 1 : 1
      if (previous?.timer) clock.clearTimeout(previous.timer)
      const delay = backoffDelay(attempt, retry, options.random)
      const entry: Pending = { kind, attempt, timer: null }
      pending.set(instanceId, entry)
      if (!stopped) {
        entry.timer = clock.setTimeout(() => {
          entry.timer = null
          options.onDue(instanceId, kind)
        }, delay)
      }
      return { attempt, at: clock.now() + delay }
    },
    cancel,
    stop() {
      stopped = true
      for (const instanceId of [...pending.keys()]) cancel(instanceId)
    },
  }
}
