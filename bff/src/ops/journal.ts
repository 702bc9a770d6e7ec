/**
 * The write-ahead journal of opt-outs and opt-ins. An operation's intent (marked pending, naming
 * its audit entry) and that entry land in one transaction before anything acts on them, and its
 * end settles both in one transaction, so a crash leaves both or neither: the entries still
 * pending are the operations that were interrupted, and the pending intents say which to resume.
 *
 * Requests for one instance may come from any replica: a new one replaces the intent and
 * supersedes a request still pending, and an operation settles the intent only while it is still
 * the one its entry asked for, so the latest request always stands. Each call resolves once the
 * console state shows what it wrote.
 * @module
 */
import type { AuditAction, AuditResult } from '@relay-console/shared/api'
import type { IntentErrorCode } from '@relay-console/shared/api-error-codes'
import { disabledByActor } from '@relay-console/shared/instance'
import type { ChangeFeed } from '../state/change-feed'
import type { StateStore, StoreTx } from '../state/store'

export const INTERRUPTED_DETAIL = 'interrupted: the console stopped before this finished'

/**
 * One try of an operation: its own audit entry, and the entry of the request it carries out (the
 * pending intent's), whose intent it settles; null when no intent is pending (provisioning at
 * start-up).
 */
export interface Attempt {
  entry: number
  request: number | null
}

export interface Journal {
  /** Writes the intent, pending, together with its audit entry: a request, and its first try. */
  /** `batchId`: the bulk request this one is part of, kept on its audit entry. */
  begin(instanceId: string, optedIn: boolean, actor: string, batchId?: string | null): Promise<Attempt>
  /** A new try (reconciler, start-up) of what is pending, under a new `action` entry. */
  resume(instanceId: string, action: AuditAction, detail: string | null): Promise<Attempt>
  /**
   * The operation reached its end: the entry `ok` and the intent settled (unless replaced since),
   * together. Resolves to false when a later request had replaced the one carried out: its entry
   * already reads `superseded`, and its caller is told so. (Carried out twice — by a replica that
   * held the instance until a moment ago, and by the one that holds it now — is still true.)
   */
  complete(attempt: Attempt, instanceId: string, optedIn: boolean, detail: string | null): Promise<boolean>
  /** This try failed in a way that heals; the intent stays pending for the reconciler. */
  fail(attempt: Attempt, failure: JournalFailure): Promise<void>
  /**
   * The operation failed for good (the connector refused it): the entry `failed` and the intent
   * back to what stands (unless replaced since), together, so nothing shows an operation that is
   * no longer going on.
   */
  abandon(attempt: Attempt, instanceId: string, optedIn: boolean, failure: JournalFailure): Promise<void>
  /** The connector revoked the instance's secret on its own: audited, and the intent follows. */
  revokedByConnector(instanceId: string, detail: string): Promise<void>
  /** Settles the entries a stop left pending as failed; resolves to how many there were. */
  settleInterrupted(): Promise<number>
}

/** Why an operation failed: the API error code its caller answers with, and the words for the audit. */
export interface JournalFailure {
  code: IntentErrorCode
  message: string
}

const SUPERSEDED = 'superseded: a later request for this instance replaced this one'

/** What the caller of a request a later one replaced is told (the API answers 409). */
export const SUPERSEDED_ERROR: JournalFailure = {
  code: 'superseded',
  message: 'a later request for this instance asked for the opposite; that one is carried out',
}

export function createJournal(store: StateStore, feed: Pick<ChangeFeed, 'reach'>): Journal {
  const entry = (
    tx: StoreTx,
    action: AuditAction,
    instanceId: string,
    actor: string,
    result: AuditResult,
    detail: string | null,
    batchId: string | null = null,
  ) => tx.appendAudit({ actor, action, instanceId, result, detail, batchId })

  /** Settles the intent the attempt's request asked for, if it still stands; the change's rev, or null. */
  const settleIntent = async (tx: StoreTx, attempt: Attempt, instanceId: string, optedIn: boolean) =>
    attempt.request === null ? null : ((await tx.settleIntent(instanceId, optedIn, attempt.request))?.rev ?? null)

  /** Writes, then waits until the state shows the intent it set (if it set one). */
  async function write<T>(work: (tx: StoreTx) => Promise<{ value: T; rev: number | null }>): Promise<T> {
    const { value, rev } = await store.transaction(work)
    if (rev !== null) await feed.reach(rev)
    return value
  }

  return {
    async begin(instanceId, optedIn, actor, batchId) {
      const replaced = (await store.instance(instanceId))?.pendingEntry ?? null
      return write(async (tx) => {
        const action = optedIn ? 'opt_in' : 'opt_out'
        const created = await entry(tx, action, instanceId, actor, 'pending', null, batchId ?? null)
        // A request still pending is overruled by this one (a settled entry stays as it is).
        if (replaced !== null) await tx.settleAudit(replaced, 'failed', SUPERSEDED, 'superseded')
        const pending = optedIn ? 'opting_in' : 'opting_out'
        const by = optedIn ? null : disabledByActor(actor)
        const { rev } = await tx.setIntent(instanceId, optedIn, pending, created, by)
        return { value: { entry: created, request: created }, rev }
      })
    },
    async resume(instanceId, action, detail) {
      const stored = await store.instance(instanceId)
      if (stored === null || stored.pending === null) {
        const created = await store.transaction((tx) => entry(tx, action, instanceId, 'console', 'pending', detail))
        return { entry: created, request: null }
      }
      const { pending, optedIn, pendingEntry } = stored
      if (pendingEntry !== null) {
        const created = await store.transaction((tx) => entry(tx, action, instanceId, 'console', 'pending', detail))
        return { entry: created, request: pendingEntry }
      }
      // A pending intent from before intents named their entry: this try's entry becomes its request.
      return write(async (tx) => {
        const created = await entry(tx, action, instanceId, 'console', 'pending', detail)
        const { rev } = await tx.setIntent(instanceId, optedIn, pending, created)
        return { value: { entry: created, request: created }, rev }
      })
    },
    async complete(attempt, instanceId, optedIn, detail) {
      const settled = await write(async (tx) => {
        await tx.settleAudit(attempt.entry, 'ok', detail)
        const rev = await settleIntent(tx, attempt, instanceId, optedIn)
        return { value: attempt.request === null || rev !== null, rev }
      })
      if (settled || attempt.request === null) return true
      // The intent no longer asked for this request: a later one replaced it (its entry reads
      // superseded), or another replica that held the instance meanwhile carried it out first.
      const outcome = await store.auditOutcome(attempt.request)
      return !(outcome?.result === 'failed' && outcome.errorCode === 'superseded')
    },
    fail: (attempt, { code, message }) =>
      store.transaction((tx) => tx.settleAudit(attempt.entry, 'failed', message, code)),
    abandon: (attempt, instanceId, optedIn, { code, message }) =>
      write(async (tx) => {
        await tx.settleAudit(attempt.entry, 'failed', message, code)
        return { value: undefined, rev: await settleIntent(tx, attempt, instanceId, optedIn) }
      }),
    revokedByConnector: (instanceId, detail) =>
      write(async (tx) => {
        await entry(tx, 'revoked_by_connector', instanceId, 'connector', 'ok', detail)
        const by = disabledByActor('connector')
        return { value: undefined, rev: (await tx.setIntent(instanceId, false, null, null, by)).rev }
      }),
    settleInterrupted: () => store.settleInterrupted(INTERRUPTED_DETAIL),
  }
}
