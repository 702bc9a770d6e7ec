/**
 * A manual {@link Clock} for tests: time moves only when the test says so, and due timers fire in
 * order of their deadline (then of their creation).
 * @module
 */
import type { Clock, TimerHandle } from './clock'

interface Pending {
  id: number
  at: number
  callback: () => void
}

export class FakeClock implements Clock {
  #now: number
  #nextId = 1
  #pending = new Map<number, Pending>()

  constructor(startMs = Date.UTC(2026, 10, 27, 10, 0, 0)) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++
    this.#pending.set(id, { id, at: this.#now + Math.max(0, ms), callback })
    return id as unknown as TimerHandle
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle as unknown as number)
  }

  /** Timers not yet fired, soonest first: what a test can assert "nothing is left behind" on. */
  pendingDelays(): number[] {
    return [...this.#pending.values()].map((p) => p.at - this.#now).sort((a, b) => a - b)
  }

  get pendingCount(): number {
    return this.#pending.size
  }

  /** Moves time forward, firing every timer that falls due, including ones those timers set. */
  advance(ms: number): void {
    const target = this.#now + ms
    for (;;) {
      const next = this.#nextDue(target)
      if (next === undefined) break
      this.#pending.delete(next.id)
      this.#now = next.at
      next.callback()
    }
    this.#now = target
  }

  /** Fires the next timer, whenever it is due; returns its delay, or undefined when none is pending. */
  runNext(): number | undefined {
    const next = this.#nextDue(Number.POSITIVE_INFINITY)
    if (next === undefined) return undefined
    const delay = next.at - this.#now
    this.#pending.delete(next.id)
    this.#now = next.at
    next.callback()
    return delay
  }

  #nextDue(limit: number): Pending | undefined {
    let best: Pending | undefined
    for (const p of this.#pending.values()) {
      if (p.at > limit) continue
      if (best === undefined || p.at < best.at || (p.at === best.at && p.id < best.id)) best = p
    }
    return best
  }
}
