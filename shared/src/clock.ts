/**
 * Time as a port: everything that waits or stamps takes a `Clock`, so tests drive time by hand.
 * @module
 */

export type TimerHandle = { readonly __timer: unique symbol }

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  now(): number
  setTimeout(callback: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** The real clock. Timers are unref'd so a forgotten one never keeps a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = globalThis.setTimeout(callback, ms)
    ;(handle as { unref?: () => void }).unref?.()
    return handle as unknown as TimerHandle
  },
  clearTimeout: (handle) => globalThis.clearTimeout(handle as unknown as ReturnType<typeof globalThis.setTimeout>),
}
