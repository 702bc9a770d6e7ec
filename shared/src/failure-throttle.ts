/**
 * Throttles repeated failures per key: failed relay upgrades at the connector (docs/relay-contract.md §7:
 * a revoked gateway that restarts keeps dialling, and each refusal should stay cheap), failed
 * logins at the console. Pure; time comes in as `nowMs`.
 * @module
 */

export interface ThrottleOptions {
  /** Failures allowed inside one window before the key is refused outright. */
  maxFailures: number
  windowMs: number
  /**
   * Keys tracked at most. Keys are whatever a caller claims (an address, a gateway id in a
   * token), so a flood of invented ones must not grow memory: past this, the longest idle go.
   */
  maxKeys?: number
}

export const DEFAULT_THROTTLE: ThrottleOptions = { maxFailures: 20, windowMs: 60_000 }
const DEFAULT_MAX_KEYS = 10_000

export interface FailureThrottle {
  /** Milliseconds until the key may try again, or 0 when it may try now. */
  retryAfterMs(key: string, nowMs: number): number
  recordFailure(key: string, nowMs: number): void
  recordSuccess(key: string): void
  /** Keys currently tracked (bounded by activity in the last window). */
  readonly size: number
}

export function createFailureThrottle(options: ThrottleOptions = DEFAULT_THROTTLE): FailureThrottle {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS
  /** In order of each key's latest failure, oldest first. */
  const failures = new Map<string, number[]>()

  /** The map is ordered by latest failure: its first keys are the longest idle. */
  const evict = () => {
    for (const key of failures.keys()) {
      if (failures.size <= maxKeys) return
      failures.delete(key)
    }
  }

  const recent = (key: string, nowMs: number): number[] => {
    const list = failures.get(key)
    if (list === undefined) return []
    const cutoff = nowMs - options.windowMs
    while (list.length > 0 && (list[0] ?? 0) <= cutoff) list.shift()
    if (list.length === 0) failures.delete(key)
    return list
  }

  return {
    retryAfterMs(key, nowMs) {
      const list = recent(key, nowMs)
      if (list.length < options.maxFailures) return 0
      const oldest = list[list.length - options.maxFailures] ?? nowMs
      return Math.max(1, oldest + options.windowMs - nowMs)
    },
    recordFailure(key, nowMs) {
      const list = recent(key, nowMs)
      list.push(nowMs)
      // Keep no more than needed to decide; a flood never grows memory.
      if (list.length > options.maxFailures) list.splice(0, list.length - options.maxFailures)
      failures.delete(key)
      failures.set(key, list)
      if (failures.size > maxKeys) evict()
    },
    recordSuccess(key) {
      failures.delete(key)
    },
    get size() {
      return failures.size
    },
  }
}
