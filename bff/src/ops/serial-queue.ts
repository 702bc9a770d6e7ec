/**
 * Per-instance serialisation: the operations on one instance (an operator's toggle, a reconciler
 * retry, a revocation the connector started) run one after another, in the order they were asked
 * for, so concurrent toggles end in one consistent state. Different instances never wait for each
 * other.
 * @module
 */

export interface SerialQueue {
  /** Runs `task` after every earlier task of the same key has settled, whether it failed or not. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>
  /** Settles once every task queued so far has settled. */
  idle(): Promise<void>
  /** Keys with a task queued or running. */
  readonly size: number
}

export function createSerialQueue(): SerialQueue {
  const tails = new Map<string, Promise<unknown>>()
  return {
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve()
      const next = previous.then(task, task)
      const settled = next.catch(() => undefined)
      tails.set(key, settled)
      void settled.then(() => {
        if (tails.get(key) === settled) tails.delete(key)
      })
      return next
    },
    async idle() {
      await Promise.allSettled([...tails.values()])
    },
    get size() {
      return tails.size
    },
  }
}
