/**
 * Requests for one instance that pile up collapse to the latest: while an operation on the
 * instance runs, every new request replaces the one queued behind it, and only that one runs next.
 * A caller whose request was replaced by the opposite is told `superseded`; one that gives up
 * (its `signal` aborts) before its request starts is dropped, and a request nobody waits for any
 * more never starts. What "runs" means is the caller's `run`.
 * @module
 */
import type { ConsoleState } from '../state/console-state'
import { type IntentOutcome, succeeded } from './instance-view'
import { SUPERSEDED_ERROR } from './journal'
import type { SerialQueue } from './serial-queue'

export interface LatestRequest {
  set(
    id: string,
    optedIn: boolean,
    actor: string,
    signal?: AbortSignal,
    batchId?: string | null,
  ): Promise<IntentOutcome>
}

interface Waiter {
  optedIn: boolean
  resolve(outcome: IntentOutcome): void
  reject(reason: unknown): void
}

/** The request that runs next on an instance: the latest one asked for, and everyone waiting on it. */
interface NextRequest {
  optedIn: boolean
  actor: string
  batchId: string | null
  waiters: Set<Waiter>
}

export function createLatestRequest(options: {
  state: ConsoleState
  serial: SerialQueue
  run: (id: string, optedIn: boolean, actor: string, batchId: string | null) => Promise<IntentOutcome>
}): LatestRequest {
  const { state, serial } = options
  const next = new Map<string, NextRequest>()

  const superseded = (id: string): IntentOutcome => ({
    ok: false,
    instance: succeeded(state, id).instance,
    error: SUPERSEDED_ERROR,
  })

  /** Runs the latest request for the instance, unless everyone who asked for it has gone. */
  async function runNext(id: string, request: NextRequest): Promise<void> {
    next.delete(id)
    if (request.waiters.size === 0) return
    try {
      const outcome = await options.run(id, request.optedIn, request.actor, request.batchId)
      const overruled = superseded(id)
      for (const w of request.waiters) w.resolve(w.optedIn === request.optedIn ? outcome : overruled)
    } catch (error) {
      for (const w of request.waiters) w.reject(error)
    }
  }

  return {
    set(id, optedIn, actor, signal, batchId) {
      return new Promise<IntentOutcome>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        let request = next.get(id)
        if (request === undefined) {
          request = { optedIn, actor, batchId: batchId ?? null, waiters: new Set() }
          next.set(id, request)
          const queued = request
          void serial.run(id, () => runNext(id, queued))
        } else {
          request.optedIn = optedIn
          request.actor = actor
          request.batchId = batchId ?? null
        }
        const waiter: Waiter = { optedIn, resolve, reject }
        const waiters = request.waiters
        waiters.add(waiter)
        signal?.addEventListener(
          'abort',
          () => {
            waiters.delete(waiter)
            reject(signal.reason)
          },
          { once: true },
        )
      })
    },
  }
}
