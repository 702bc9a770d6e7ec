/**
 * The write-ahead journal of opt-outs and opt-ins. An operation's intent (marked pending) and its
 * audit entry land in one transaction before anything acts on them, and its end settles both in
 * one transaction, so a crash leaves both or neither: at the next start the entries still pending
 * are the operations that were interrupted, and the pending intents say which to resume. Each
 * call resolves once the console state shows what it wrote.
 * @module
 */
import type { AuditAction, AuditResult } from '@relay-console/shared/api'
import type { ChangeFeed } from '../state/change-feed'
import type { StateStore, StoreTx } from '../state/store'

export const INTERRUPTED_DETAIL = 'interrupted: the console stopped before this finished'

export interface Journal {
  /** Writes the intent, pending, together with its audit entry; resolves to the entry's id. */
  begin(instanceId: string, optedIn: boolean, actor: string): Promise<number>
  /** A pending entry for an operation resumed on an intent already written (reconciler, start-up). */
  resume(instanceId: string, action: AuditAction, detail: string | null): Promise<number>
  /** The operation reached its end: the entry `ok` and the intent settled, together. */
  complete(entryId: number, instanceId: string, optedIn: boolean, detail: string | null): Promise<void>
  /** This try failed in a way that heals; the intent stays pending for the reconciler. */
  fail(entryId: number, message: string): Promise<void>
  /**
   * The operation failed for good (the connector refused it): the entry `failed` and the intent
   * back to what stands, together, so nothing shows an operation that is no longer going on.
   */
  abandon(entryId: number, instanceId: string, optedIn: boolean, message: string): Promise<void>
  /** The connector revoked the instance's secret on its own: audited, and the intent follows. */
  revokedByConnector(instanceId: string, detail: string): Promise<void>
  /** Settles the entries a stop left pending as failed; resolves to how many there were. */
  settleInterrupted(): Promise<number>
}

export function createJournal(store: StateStore, feed: Pick<ChangeFeed, 'reach'>): Journal {
  const entry = (
    tx: StoreTx,
    action: AuditAction,
    instanceId: string,
    actor: string,
    result: AuditResult,
    detail: string | null,
  ) => tx.appendAudit({ actor, action, instanceId, result, detail })

  /** Writes, then waits until the state shows the intent it set. */
  async function write<T>(work: (tx: StoreTx) => Promise<{ value: T; rev: number }>): Promise<T> {
    const { value, rev } = await store.transaction(work)
    await feed.reach(rev)
    return value
  }

  return {
    begin: (instanceId, optedIn, actor) =>
      write(async (tx) => {
        const value = await entry(tx, optedIn ? 'opt_in' : 'opt_out', instanceId, actor, 'pending', null)
        const { rev } = await tx.setIntent(instanceId, optedIn, optedIn ? 'opting_in' : 'opting_out')
        return { value, rev }
      }),
    resume: (instanceId, action, detail) =>
      store.transaction((tx) => entry(tx, action, instanceId, 'console', 'pending', detail)),
    complete: (entryId, instanceId, optedIn, detail) =>
      write(async (tx) => {
        await tx.settleAudit(entryId, 'ok', detail)
        return { value: undefined, rev: (await tx.setIntent(instanceId, optedIn, null)).rev }
      }),
    fail: (entryId, message) => store.transaction((tx) => tx.settleAudit(entryId, 'failed', message)),
    abandon: (entryId, instanceId, optedIn, message) =>
      write(async (tx) => {
        await tx.settleAudit(entryId, 'failed', message)
        return { value: undefined, rev: (await tx.setIntent(instanceId, optedIn, null)).rev }
      }),
    revokedByConnector: (instanceId, detail) =>
      write(async (tx) => {
        await entry(tx, 'revoked_by_connector', instanceId, 'connector', 'ok', detail)
        return { value: undefined, rev: (await tx.setIntent(instanceId, false, null)).rev }
      }),
    settleInterrupted: () => store.settleInterrupted(INTERRUPTED_DETAIL),
  }
}
