/**
 * The change feed: reads the store's change log after what the console state has, and applies it
 * in rev order. It runs when the store says something was committed (by this process, or by
 * another replica: a notification, then a catch-up by rev, so a notification lost on a dropped
 * connection loses nothing), and when a writer of this process waits to see its own change.
 * @module
 */
import type { Log } from '../lib/log'
import type { ConsoleState } from './console-state'
import type { StateStore } from './store'

/** Changes read per query. */
const PAGE = 1000

export interface ChangeFeed {
  /** Reads and applies everything committed so far; concurrent calls share one reader. */
  catchUp(): Promise<void>
  /** Resolves once the state has applied `rev` (reading the log as needed). */
  reach(rev: number): Promise<void>
  /** Stops listening to the store. */
  stop(): void
}

export interface ChangeFeedOptions {
  store: Pick<StateStore, 'changesAfter' | 'onCommit'>
  state: ConsoleState
  log: Log
  /**
   * The log no longer reaches back to what the state has (it was pruned while this process fell
   * behind): the caller rebuilds the view. Resolves when it has.
   */
  onGap: () => Promise<void>
}

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { store, state, log } = options
  let running: Promise<void> | null = null
  let again = false

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

  const unsubscribe = store.onCommit(() => {
    catchUp().catch((error: unknown) => log.error({ err: String(error) }, 'change feed failed'))
  })

  return {
    catchUp,
    async reach(rev) {
      while (state.rev() < rev) {
        const before = state.rev()
        await catchUp()
        if (state.rev() === before) throw new Error(`rev ${rev} was committed, but the log has nothing after ${before}`)
      }
    },
    stop: unsubscribe,
  }
}
