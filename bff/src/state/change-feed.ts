/**
 * The change feed: reads the store's change log after what the console state has, and applies it
 * in rev order. It runs when the store says something was committed (by this process, or by
 * another replica: a notification, then a catch-up by rev, so a notification lost on a dropped
 * connection loses nothing), and when a writer of this process waits to see its own change.
 *
 * A writer of this process that holds the changes it just committed hands them over
 * ({@link ChangeFeed.committed}): when they follow what the state has, they are applied at once,
 * without reading them back, which keeps the store's round trip off the path from a socket to the
 * browser. Anything else (another replica committed in between) is read from the log in rev order.
 *
 * A read that fails (the database restarting, a connection cut) is tried again after a pause that
 * grows to {@link RETRY_MAX_MS}, until one succeeds: a notification may never come again, so the
 * feed cannot wait for one to catch up.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { Log } from '../lib/log'
import type { ConsoleState } from './console-state'
import type { LoggedChange, StateStore } from './store'

/** Changes read per query. */
const PAGE = 1000
/** The first pause before a failed read is tried again, doubled each time up to the last. */
export const RETRY_FIRST_MS = 100
export const RETRY_MAX_MS = 5000

export interface ChangeFeed {
  /** Reads and applies everything committed so far; concurrent calls share one reader. */
  catchUp(): Promise<void>
  /** Resolves once the state has applied `rev` (reading the log as needed). */
  reach(rev: number): Promise<void>
  /**
   * This process committed `changes` (in rev order): resolves once the state has applied them,
   * applying them directly when nothing was committed in between, or reading the log otherwise.
   */
  committed(changes: readonly LoggedChange[]): Promise<void>
  /** Stops listening to the store. */
  stop(): void
}

export interface ChangeFeedOptions {
  store: Pick<StateStore, 'changesAfter' | 'onCommit'>
  state: ConsoleState
  log: Log
  /** Times the retries of a failed read. */
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>
  /**
   * The log no longer reaches back to what the state has (it was pruned while this process fell
   * behind): the caller rebuilds the view. Resolves when it has.
   */
  onGap: () => Promise<void>
}

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { store, state, log, clock } = options
  let running: Promise<void> | null = null
  let again = false
  let retry: { timer: TimerHandle; delay: number } | null = null
  let stopped = false

  async function read(): Promise<void> {
    for (;;) {
      const changes = await store.changesAfter(state.rev(), PAGE)
      if (changes === null) {
        log.warn({ rev: state.rev() }, 'the change log no longer reaches back this far; rebuilding the view')
        await options.onGap()
        continue
      }
      state.apply(changes)
      if (changes.length < PAGE) return
    }
  }

  function catchUp(): Promise<void> {
    if (running !== null) {
      // Something may have been committed after the running read began: read once more after it.
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          await read()
        } while (again)
      } finally {
        running = null
      }
    })()
    return running
  }

  /** Catches up now; after a failure, again and again with a growing pause until it succeeds. */
  function follow(): void {
    if (retry !== null) {
      // A signal while a retry waits: try at once, keeping the pause it had reached.
      clock.clearTimeout(retry.timer)
    }
    const delay = retry?.delay ?? 0
    retry = null
    catchUp().then(
      () => {
        if (delay > 0) log.info({ rev: state.rev() }, 'change feed caught up again')
      },
      (error: unknown) => {
        if (stopped) return
        const next = Math.min(delay === 0 ? RETRY_FIRST_MS : delay * 2, RETRY_MAX_MS)
        if (delay === 0)
          log.warn({ err: String(error), retryInMs: next }, 'change feed failed to read the log; retrying')
        else log.debug({ err: String(error), retryInMs: next }, 'change feed still failing')
        if (retry !== null) return // a newer attempt already waits
        retry = { timer: clock.setTimeout(follow, next), delay: next }
      },
    )
  }

  const unsubscribe = store.onCommit(follow)

  async function reach(rev: number): Promise<void> {
    while (state.rev() < rev) {
      const before = state.rev()
      await catchUp()
      if (state.rev() === before) throw new Error(`rev ${rev} was committed, but the log has nothing after ${before}`)
    }
  }

  return {
    catchUp,
    reach,
    async committed(changes) {
      const first = changes[0]
      const last = changes.at(-1)
      if (first === undefined || last === undefined) return
      // Contiguous with the state: nothing else can sit between them. A read running meanwhile
      // that returns the same rows skips them (apply takes each rev once).
      if (first.rev === state.rev() + 1 && last.rev - first.rev === changes.length - 1) state.apply(changes)
      else await reach(last.rev)
    },
    stop() {
      stopped = true
      unsubscribe()
      if (retry !== null) clock.clearTimeout(retry.timer)
      retry = null
    },
  }
}
