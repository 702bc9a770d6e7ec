/**
 * Paces dials across the whole fleet (a token bucket, first come first served). The backoff
 * ladder of docs/relay-contract.md §5 spreads one transport's re-dials; it cannot stop thousands of
 * transports that lost the same connector from re-dialling in the same half-second. The pacer
 * does: a connector restart under 5,000 instances becomes a steady stream of at most
 * `perSecond` dials, never a stampede. A dial only ever waits longer than its backoff, never less.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'

export interface DialPacer {
  /** Runs `dial` as soon as the fleet's dial budget allows (at once when it does); returns a cancel. */
  request(dial: () => void): () => void
  readonly waiting: number
}

export interface PacerOptions {
  perSecond: number
  /** Dials allowed at once after a quiet spell. */
  burst: number
  clock: Clock
}

export function createDialPacer({ perSecond, burst, clock }: PacerOptions): DialPacer {
  const queue: Array<{ dial: () => void; cancelled: boolean }> = []
  let tokens = burst
  let refilledAt = clock.now()
  let timer: TimerHandle | null = null

  const refill = () => {
    const now = clock.now()
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * perSecond)
    refilledAt = now
  }

  const drain = () => {
    timer = null
    refill()
    while (queue.length > 0 && tokens >= 1) {
      const next = queue.shift()
      if (next === undefined || next.cancelled) continue
      tokens -= 1
      next.dial()
    }
    while (queue[0]?.cancelled) queue.shift()
    if (queue.length > 0) timer = clock.setTimeout(drain, Math.max(1, Math.ceil(((1 - tokens) / perSecond) * 1000)))
  }

  return {
    request(dial) {
      refill()
      if (queue.length === 0 && tokens >= 1) {
        tokens -= 1
        dial()
        return () => {}
      }
      const entry = { dial, cancelled: false }
      queue.push(entry)
      if (timer === null) timer = clock.setTimeout(drain, Math.max(1, Math.ceil(((1 - tokens) / perSecond) * 1000)))
      return () => {
        entry.cancelled = true
      }
    },
    get waiting() {
      return queue.filter((e) => !e.cancelled).length
    },
  }
}

/** No pacing: every dial at once (tests of a single transport). */
export const UNPACED: DialPacer = {
  request(dial) {
    dial()
    return () => {}
  },
  waiting: 0,
}
