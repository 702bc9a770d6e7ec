/**
 * The write-ahead journal of opt-outs and opt-ins. An operation's intent (marked pending) and its
 * audit entry land in one transaction before anything acts on them, and its end settles both in
 * one transaction, so a crash leaves both or neither: at the next start the entries still pending
 * are the operations that were interrupted, and the pending intents say which to resume.
 * @module
 */
import type { AuditAction, AuditResult } from '@relay-console/shared/api'
import type { ConsoleState } from '../state/console-state'
import type { StateStore } from '../state/store'

export const INTERRUPTED_DETAIL = 'interrupted: the console stopped before this finished'

export interface Journal {
  /** Writes the intent, pending, together with its audit entry; returns the entry's id. */
  begin(instanceId: string, optedIn: boolean, actor: string): number
  /** A pending entry for an operation resumed on an intent already written (reconciler, start-up). */
  resume(instanceId: string, action: AuditAction, detail: string | null): number
  /** The operation reached its end: the entry `ok` and the intent settled, together. */
  complete(entryId: number, instanceId: string, optedIn: boolean, detail: string | null): void
  /** This try failed in a way that heals; the intent stays pending for the reconciler. */
  fail(entryId: number, message: string): void
  /**
   * The operation failed for good (the connector refused it): the entry `failed` and the intent
   * back to what stands, together, so nothing shows an operation that is no longer going on.
   */
  abandon(entryId: number, instanceId: string, optedIn: boolean, message: string): void
  /** The connector revoked the instance's secret on its own: audited, and the intent follows. */
  revokedByConnector(instanceId: string, detail: string): void
  /** Settles the entries a stop left pending as failed; returns how many there were. */
  settleInterrupted(): number
}

export function createJournal(store: StateStore, state: ConsoleState): Journal {
  const entry = (action: AuditAction, instanceId: string, actor: string, result: AuditResult, detail: string | null) =>
    store.appendAudit({ actor, action, instanceId, result, detail })

  return {
    begin(instanceId, optedIn, actor) {
      return store.transaction(() => {
        const entryId = entry(optedIn ? 'opt_in' : 'opt_out', instanceId, actor, 'pending', null)
        state.setIntent(instanceId, optedIn, optedIn ? 'opting_in' : 'opting_out')
        return entryId
      })
    },
    resume: (instanceId, action, detail) => entry(action, instanceId, 'console', 'pending', detail),
    complete(entryId, instanceId, optedIn, detail) {
      store.transaction(() => {
        store.settleAudit(entryId, 'ok', detail)
        state.setIntent(instanceId, optedIn, null)
      })
    },
    fail: (entryId, message) => store.settleAudit(entryId, 'failed', message),
    abandon(entryId, instanceId, optedIn, message) {
      store.transaction(() => {
        store.settleAudit(entryId, 'failed', message)
        state.setIntent(instanceId, optedIn, null)
      })
    },
    revokedByConnector(instanceId, detail) {
      store.transaction(() => {
        entry('revoked_by_connector', instanceId, 'connector', 'ok', detail)
        state.setIntent(instanceId, false, null)
      })
    },
    settleInterrupted: () => store.settleInterrupted(INTERRUPTED_DETAIL),
  }
}
