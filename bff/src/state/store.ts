/**
 * The console's durable state: the port every backend implements (SQLite in `stateDir` for one
 * process, PostgreSQL for a cluster of replicas), chosen in one place from the config.
 *
 * Why an async port whose source of truth is the database, with memory as a cache fed by a change
 * log, rather than memory-authoritative with write-behind: with several replicas, any of them may
 * change an instance (an operator's opt-out lands on one, the socket's statuses come from
 * another), so no process's memory can be the authority. Every change of an instance's visible
 * state is therefore written in a transaction that also takes the next `rev` from a one-row
 * counter and appends the whole instance after the change to a change log. Since the counter row
 * is locked until commit, rev order is commit order and the committed revs are always a gapless
 * prefix: each process applies the log in rev order to its in-memory view (`ConsoleState`) and
 * streams it, so every replica shows the same changes in the same order, and `Last-Event-ID` can
 * be replayed from the log anywhere. One process on SQLite follows exactly the same path.
 *
 * A transaction's work must only write to the store: on PostgreSQL the counter row stays locked
 * from the first write of an instance until commit, so awaiting anything else inside (a connector
 * call) would stall every replica's writes.
 * @module
 */
import type { AuditAction, AuditEntry, AuditResult, Transition } from '@relay-console/shared/api'
import type { DeliveryState, MaintenanceState } from '@relay-console/shared/fleet-ops'
import type { DisabledBy, Instance, Labels, PendingIntent, PlatformIdentity } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import type { Role } from '@relay-console/shared/roles'
import type { NotificationDraft } from '../notify/events'

export interface InstanceDefinition {
  id: string
  displayName: string
  gatewayId: string
  platforms: PlatformIdentity[]
  /** None when absent. */
  labels?: Labels
}

/** An instance as the store holds it: its definition, its public state, and its secret. */
export interface StoredInstance {
  id: string
  displayName: string
  gatewayId: string
  platforms: PlatformIdentity[]
  labels: Labels
  optedIn: boolean
  /** While opted out: who opted it out (null when opted in, or not known). */
  disabledBy: DisabledBy | null
  pending: PendingIntent | null
  /** The secret in use: from the config, or issued by the connector at provisioning. */
  secret: string | null
  /** Digest of the config's secret when it was last adopted; a change means a hand rotation. */
  configSecretDigest: string | null
  /** The last statuses any process wrote (until the socket's owner writes new ones). */
  statuses: PlatformStatus[]
  /** The audit entry of the operation the pending intent asks for (null when nothing is pending). */
  pendingEntry: number | null
}

/** One change of one instance, as the change log keeps it: the whole public instance after it. */
export interface LoggedChange {
  /** Strictly increasing, gapless among committed changes, never reused. */
  rev: number
  instance: Instance
  /** The platform state changes it made, each carrying `rev`; empty for a change of intent. */
  transitions: Transition[]
}

export interface StatusUpdate {
  id: string
  platforms: readonly PlatformStatus[]
  /**
   * The lease the writer holds on the instance (several replicas): the update is written only
   * while that lease is still the instance's, by the database's clock, and is left out otherwise,
   * so a replica that lost the instance (paused, partitioned) cannot overwrite its new owner.
   */
  fence?: { owner: string; epoch: number } | null
}

/** How a session was opened: the token (form or bearer-less sign-in), the one-time link, or single sign-on. */
export type SessionVia = 'token' | 'link' | 'oidc'

/** How an operation's audit entry stands. */
export interface AuditOutcome {
  result: AuditResult
  detail: string | null
  /** Why it failed, as an API error code (e.g. `connector_unreachable`); null otherwise. */
  errorCode: string | null
}

export interface NewAuditEntry {
  actor: string
  action: AuditAction
  instanceId: string
  result: AuditResult
  detail: string | null
  /** The bulk request it is part of. */
  batchId?: string | null
}

/**
 * What the store needs to write a notification in the transaction of the change that raised it
 * (docs/notifications.md, "Delivery"): which webhooks take which events, and the flapping window.
 */
export interface OutboxPolicy {
  /** The names of the webhooks that take events of `type` (every webhook for `test`). */
  webhooksFor(type: string): readonly string[]
  /** How long a failure waits before it is due, so a recovery within it cancels both. */
  flappingWindowMs(): number
}

/** One event for one webhook: a row of the outbox, and a line of the delivery log. */
export interface OutboxRecord {
  id: number
  eventId: string
  type: string
  webhook: string
  instanceId: string | null
  platform: string | null
  subject: string
  draft: NotificationDraft
  state: DeliveryState
  attempts: number
  createdAt: number
  dueAt: number
  deliveredAt: number | null
  lastStatus: number | null
  lastError: string | null
}

/** How one try of a delivery ended. */
export type DeliveryOutcome =
  | { state: 'delivered'; at: number; status: number }
  | { state: 'pending'; retryAt: number; status: number | null; error: string }
  | { state: 'failed'; status: number | null; error: string }

/** A maintenance window as the store keeps it (times in milliseconds since the epoch). */
export interface MaintenanceRecord {
  id: string
  name: string
  ids: string[] | null
  selector: Labels | null
  startsAt: number
  endsAt: number
  state: MaintenanceState
  createdBy: string
  createdAt: number
  startedAt: number | null
  endedAt: number | null
  optedOut: string[]
}

/** The writes that may share a transaction. */
export interface StoreTx {
  /**
   * Writes an instance's intent and logs the change; the instance must exist. `entryId` names the
   * audit entry of the operation a pending intent asks for (kept while it is pending).
   */
  setIntent(
    id: string,
    optedIn: boolean,
    pending: PendingIntent | null,
    entryId?: number | null,
    /** Who opts it out (kept while it is out); opting in clears it; absent keeps what is there. */
    by?: DisabledBy | null,
  ): Promise<LoggedChange>
  /**
   * Settles the intent an operation asked for, if it is still the one `entryId` asked for (a later
   * request, from any process, may have replaced it: then nothing is written, and null answered).
   */
  settleIntent(id: string, optedIn: boolean, entryId: number): Promise<LoggedChange | null>
  appendAudit(entry: NewAuditEntry): Promise<number>
  /**
   * Settles an entry that is still pending; a settled one keeps its outcome, so two processes
   * that both finish one operation cannot overwrite each other.
   */
  settleAudit(entryId: number, result: AuditResult, detail: string | null, errorCode?: string | null): Promise<void>
  /** Keeps the secret the instance dials with (and, when given, the digest of the config secret it came from). */
  saveSecret(id: string, secret: string, configSecretDigest?: string | null): Promise<void>
  /**
   * Moves a maintenance window from state `from` to `to` at `at` (recording, when starting, the
   * instances it opts out); false, and nothing written, when it is not in `from` any more (another
   * replica, or an operator, moved it first).
   */
  moveMaintenance(
    id: string,
    from: MaintenanceState,
    to: MaintenanceState,
    at: number,
    optedOut?: string[],
  ): Promise<boolean>
  /**
   * One instance as stored, read inside the transaction: what the transaction then writes is
   * decided on what no other writer can change before it commits (null: no such instance).
   */
  instance(id: string): Promise<StoredInstance | null>
}

/**
 * An operator's signed-in browser (docs/api.md, "Sessions"). The store keeps only a hash of the
 * session id, so a copy of the database opens no session. Times are milliseconds since the epoch.
 */
export interface SessionRecord {
  /** SHA-256 of the session id, hex. */
  idHash: string
  /** Who signed in: the operator's name (`admin` for the operator token). */
  operator: string
  /** Their role when they signed in (single sign-on: from the provider's claim). */
  role: Role
  /** How they signed in. */
  via: SessionVia
  createdAt: number
  /** Slides with use (not on every request); a session idle too long is over. */
  lastSeenAt: number
  /** The absolute end, however busy the session is. */
  expiresAt: number
  clientAddress: string | null
  userAgent: string | null
  /** Signed out (or, later, revoked by an admin); a revoked session never opens again. */
  revokedAt: number | null
}

export type NewSession = Omit<SessionRecord, 'revokedAt'>

/** Sessions, one-time login codes and the console's own keys: what survives a restart of sign-in. */
export interface SessionStore {
  /** The secret called `name`, made by `create` the first time and the same one from then on (also across processes). */
  getOrCreateSecret(name: string, create: () => Buffer): Promise<Buffer>
  createSession(session: NewSession): Promise<void>
  findSession(idHash: string): Promise<SessionRecord | null>
  /** Moves `lastSeenAt` forward (never back). */
  touchSession(idHash: string, at: number): Promise<void>
  /** Marks the session revoked; the first revocation's time stays. */
  revokeSession(idHash: string, at: number): Promise<void>
  /** Marks every session of `operator` not revoked yet as revoked; answers their id hashes. */
  revokeSessionsOf(operator: string, at: number): Promise<string[]>
  /** The sessions that can still open (not revoked, not expired by `now`, seen since `idleBefore`), latest sign-in first. */
  openSessions(cutoff: { now: number; idleBefore: number }): Promise<SessionRecord[]>
  /** Deletes the sessions that can no longer open: expired by `now`, or last seen before `idleBefore`. */
  pruneSessions(cutoff: { now: number; idleBefore: number }): Promise<number>
  /** Keeps a login code's hash until it is used or `expiresAt` passes. */
  createLoginCode(code: { codeHash: string; expiresAt: number }): Promise<void>
  /** True exactly once for a code that exists and has not expired at `now` (also across processes); the code is gone after. */
  consumeLoginCode(codeHash: string, now: number): Promise<boolean>
  /**
   * Records a failed sign-in (or bearer) from client `key` at `at`, seen by every process that
   * shares the store, and forgets every failure from before `forgetBefore`.
   */
  recordAuthFailure(key: string, at: number, forgetBefore: number): Promise<void>
  /** The times of `key`'s failures at or after `since`, newest first, at most `limit`. */
  authFailures(key: string, since: number, limit: number): Promise<number[]>
}

export interface StateStore extends SessionStore {
  /**
   * Makes the store hold these definitions' names and platforms (new instances start opted in),
   * and answers every defined instance as stored, with the rev that view is current at (one
   * consistent read: the change log after `rev` is exactly what the view does not have yet).
   */
  define(instances: readonly InstanceDefinition[]): Promise<{ rev: number; instances: StoredInstance[] }>
  /** Runs `work` so that the writes it makes land together, or not at all (it rethrows). */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>
  /**
   * Writes the platform statuses of several instances in one transaction. Each instance whose
   * statuses differ from the stored ones gets a logged change (in the order given), its state
   * changes recorded in its history; the others are left out of the answer.
   */
  saveStatuses(updates: readonly StatusUpdate[]): Promise<LoggedChange[]>
  /**
   * The logged changes after `rev`, oldest first, at most `limit`; null when the log no longer
   * reaches back to `rev + 1` (older changes were pruned), so the caller needs a fresh view.
   */
  changesAfter(rev: number, limit: number): Promise<LoggedChange[] | null>
  /** The latest committed rev. */
  currentRev(): Promise<number>
  /** Drops all but the latest `keep` logged changes (replay reaches back that far); returns how many went. */
  pruneChanges(keep: number): Promise<number>
  /**
   * Calls `listener` after changes are committed, by this process or (for a shared store) any
   * other; it catches up with {@link changesAfter}. A listener may be called when nothing is new,
   * and must catch up after any gap in the store's own notifications (a reconnect). Returns the
   * removal.
   */
  onCommit(listener: () => void): () => void
  /** Newest first, at most `limit`. */
  history(id: string, limit: number): Promise<Transition[]>
  /** Newest first. */
  audit(options: { limit: number; instanceId?: string | undefined }): Promise<AuditEntry[]>
  /** One audit entry's outcome, or null when there is no such entry. */
  auditOutcome(entryId: number): Promise<AuditOutcome | null>
  /** One instance as stored now (its intent, secret, operation in flight), or null. */
  instance(id: string): Promise<StoredInstance | null>
  /**
   * Settles entries still pending (left so by a crash) as failed with this detail; returns how
   * many. All of them, or (a replica taking one instance over) those of `instanceId` but `except`.
   */
  settleInterrupted(detail: string, scope?: { instanceId: string; except?: number | null }): Promise<number>
  /** Adds a window, `scheduled`. */
  addMaintenance(window: MaintenanceRecord): Promise<void>
  /** Every window not over yet, and the latest `recent` that are, soonest start first. */
  maintenanceWindows(recent: number): Promise<MaintenanceRecord[]>
  maintenanceWindow(id: string): Promise<MaintenanceRecord | null>
  /**
   * Writes events that no change of an instance raised (a test event) to the outbox, one row per
   * webhook that takes each, due at once; answers each draft's event id (none for one no webhook takes).
   */
  enqueue(drafts: readonly NotificationDraft[], webhooks?: readonly string[]): Promise<string[]>
  /**
   * Records whether the connector is unreachable, with its event, once: true when this call
   * changed it (every replica judges the same stream, the first to write wins). While it is, the
   * failures and recoveries of single instances are folded into it rather than sent.
   */
  setConnectorUnreachable(unreachable: boolean, draft: NotificationDraft): Promise<boolean>
  /**
   * Takes up to `limit` due deliveries for `owner` until `leaseUntil`: no other caller gets them
   * before then (one delivery per event, however many replicas send). Each claim counts as a try
   * (`attempts` goes up): a try cut short by a crash is counted too.
   */
  claimDeliveries(claim: { owner: string; now: number; leaseUntil: number; limit: number }): Promise<OutboxRecord[]>
  /** Records a try's outcome, if `owner` still holds the claim. */
  finishDelivery(id: number, owner: string, outcome: DeliveryOutcome): Promise<void>
  /** The delivery log, newest first. */
  deliveries(limit: number): Promise<OutboxRecord[]>
  /** Forgets settled deliveries created before `before`; returns how many. */
  pruneDeliveries(before: number): Promise<number>
  close(): Promise<void>
}

/**
 * The store's database could not be reached, or the connection to it broke during the operation:
 * nothing in the request was wrong, and asking again once the database is back is safe (the API
 * answers 503 `store_unavailable`). What was asked may or may not have been committed.
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the state database is unavailable (${cause instanceof Error ? cause.message : String(cause)})`, { cause })
    this.name = 'StoreUnavailableError'
  }
}
