/**
 * Requests for an instance another replica holds (docs/deployment.md, "What happens when"). The
 * replica the request lands on journals it (the intent, pending, naming its audit entry) and
 * waits for the entry to settle; the holder sees the pending intent in the change log and
 * carries the request out under that same entry, once. Should the replica that waits take the
 * instance over meanwhile, it carries the request out itself.
 * @module
 */
import { INTENT_ERROR_CODES, type IntentErrorCode } from '@relay-console/shared/api-error-codes'
import type { Clock } from '@relay-console/shared/clock'
import type { ChangeFeed } from '../state/change-feed'
import type { ConsoleState } from '../state/console-state'
import type { StateStore, StoredInstance } from '../state/store'
import { failedWith, type IntentOutcome, mustManage, succeeded } from './instance-view'
import type { Attempt, Journal } from './journal'

export interface HeldElsewhereOptions {
  state: ConsoleState
  store: Pick<StateStore, 'auditOutcome' | 'instance'>
  feed: Pick<ChangeFeed, 'catchUp'>
  journal: Journal
  clock: Clock
  owns: (instanceId: string) => boolean
  /** How long a journaled request is waited for before answering `owner_unavailable`. */
  waitMs: number
  /** The holder's operations, carrying out a request already journaled. */
  carry: (id: string, pending: 'opting_out' | 'opting_in', attempt: Attempt) => Promise<IntentOutcome>
}

export interface HeldElsewhere {
  /** Journals a request here and waits for the instance's holder to settle it. */
  request(id: string, optedIn: boolean, actor: string, batchId?: string | null): Promise<IntentOutcome>
  /** The holder's side: carries the instance's open request out, if it has one. */
  carryOpen(id: string): Promise<void>
  /** The entry of the request the stored intent asks for, if it has not been settled yet. */
  openRequest(stored: StoredInstance): Promise<number | null>
}

const isIntentErrorCode = (code: string | null): code is IntentErrorCode =>
  code !== null && (INTENT_ERROR_CODES as readonly string[]).includes(code)

export function createHeldElsewhere(options: HeldElsewhereOptions): HeldElsewhere {
  const { state, store, clock } = options

  async function openRequest(stored: StoredInstance): Promise<number | null> {
    if (stored.pending === null || stored.pendingEntry === null) return null
    const outcome = await store.auditOutcome(stored.pendingEntry)
    return outcome?.result === 'pending' ? stored.pendingEntry : null
  }

  return {
    async request(id, optedIn, actor, batchId) {
      const m = mustManage(state, id)
      if (m.optedIn === optedIn && m.pending === null) return succeeded(state, id)
      const attempt = await options.journal.begin(id, optedIn, actor, batchId)
      const deadline = clock.now() + options.waitMs
      for (let pause = 25; ; pause = Math.min(pause * 2, 250)) {
        const outcome = await store.auditOutcome(attempt.entry)
        if (outcome !== null && outcome.result !== 'pending') {
          await options.feed.catchUp()
          if (outcome.result === 'ok') return succeeded(state, id)
          const code = isIntentErrorCode(outcome.errorCode) ? outcome.errorCode : 'connector_error'
          return failedWith(state, id, { code, message: outcome.detail ?? '' })
        }
        if (options.owns(id)) {
          // This replica took the instance over while it waited (its holder died or drained): it
          // carries its own request out, here, where it already holds the instance's turn. The
          // take-over's own check for an open request runs after it and finds it settled.
          const stored = await store.instance(id)
          if (stored?.pending != null && stored.pendingEntry === attempt.entry) {
            return options.carry(id, stored.pending, attempt)
          }
        }
        if (clock.now() >= deadline) {
          return failedWith(state, id, {
            code: 'owner_unavailable',
            message: 'the replica holding this instance has not carried the request out yet; it is saved and will be',
          })
        }
        await new Promise<void>((resolve) => clock.setTimeout(() => resolve(), pause))
      }
    },

    async carryOpen(id) {
      if (!options.owns(id)) return
      const stored = await store.instance(id)
      const request = stored === null ? null : await openRequest(stored)
      if (request === null || stored === null || stored.pending === null) return
      await options.carry(id, stored.pending, { entry: request, request })
    },

    openRequest,
  }
}
