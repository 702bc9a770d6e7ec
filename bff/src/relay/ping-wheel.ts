/**
 * Liveness ticks for every socket of the fleet on one timer: sockets are spread over one-second
 * slots of the ping interval, and each tick visits one slot. Ten thousand sockets cost one timer,
 * not ten thousand, and their pings go out evenly instead of in bursts.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'

export interface PingWheel {
  /** Calls `tick` about every `intervalMs` until the returned function is called. */
  add(tick: () => void): () => void
  readonly size: number
}

export function createPingWheel(clock: Clock, intervalMs: number, slotMs = 1000): PingWheel {
  const slotCount = Math.max(1, Math.round(intervalMs / slotMs))
  const slotLength = intervalMs / slotCount
  const slots: Array<Set<() => void>> = Array.from({ length: slotCount }, () => new Set())
  let current = 0
  let size = 0
  let timer: TimerHandle | null = null

  const turn = () => {
    timer = null
    current = (current + 1) % slotCount
    for (const tick of [...(slots[current] ?? [])]) tick()
    if (size > 0) timer = clock.setTimeout(turn, slotLength)
  }

  return {
    add(tick) {
      // The slot visited last: its next visit is a whole interval away.
      const slot = slots[current] as Set<() => void>
      slot.add(tick)
      size += 1
      if (timer === null) timer = clock.setTimeout(turn, slotLength)
      let removed = false
      return () => {
        if (removed) return
        removed = true
        slot.delete(tick)
        size -= 1
        if (size === 0 && timer !== null) {
          clock.clearTimeout(timer)
          timer = null
        }
      }
    },
    get size() {
      return size
    },
  }
}
