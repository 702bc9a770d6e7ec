/**
 * The console's durable state, behind a small interface (a PostgreSQL backend for several replicas
 * would implement the same one). Intent, secrets and audit are written through at once; status and
 * history are written behind, in one transaction per tick, since they are rebuilt from the sockets
 * anyway.
 * @module
 */
import type { AuditAction, AuditEntry, AuditResult, Transition } from '@relay-console/shared/api'
import type { PendingIntent, PlatformIdentity } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'

export interface StoredInstance {
  id: string
  displayName: string
  gatewayId: string
  platforms: PlatformIdentity[]
  optedIn: boolean
  pending: PendingIntent | null
  /** The secret in use: from the config, or issued by the connector at provisioning. */
  secret: string | null
  /** Digest of the config's secret when it was last adopted; a change means a hand rotation. */
  configSecretDigest: string | null
  statuses: PlatformStatus[]
}

export interface InstanceDefinition {
  id: string
  displayName: string
  gatewayId: string
  platforms: PlatformIdentity[]
}

export interface NewAuditEntry {
  actor: string
  action: AuditAction
  instanceId: string
  result: AuditResult
  detail: string | null
}

/**
 * An operator's signed-in browser (docs/api.md, "Sessions"). The store keeps only a hash of the
 * session id, so a copy of the database opens no session. Times are milliseconds since the epoch.
 */
export interface SessionRecord {
  /** SHA-256 of the session id, hex. */
  idHash: string
  /** Who signed in: `admin` until the console has named operators. */
  operator: string
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
  /** The secret called `name`, made by `create` the first time and the same one from then on. */
  getOrCreateSecret(name: string, create: () => Buffer): Buffer
  createSession(session: NewSession): void
  findSession(idHash: string): SessionRecord | null
  /** Moves `lastSeenAt` forward (never back). */
  touchSession(idHash: string, at: number): void
  /** Marks the session revoked; the first revocation's time stays. */
  revokeSession(idHash: string, at: number): void
  /** Deletes the sessions that can no longer open: expired by `now`, or last seen before `idleBefore`. */
  pruneSessions(cutoff: { now: number; idleBefore: number }): number
  /** Keeps a login code's hash until it is used or `expiresAt` passes. */
  createLoginCode(code: { codeHash: string; expiresAt: number }): void
  /** True exactly once for a code that exists and has not expired at `now`; the code is gone after. */
  consumeLoginCode(codeHash: string, now: number): boolean
}

export interface StateStore extends SessionStore {
  /** Makes the store hold exactly these definitions' names and platforms (new ones opted in). */
  define(instances: readonly InstanceDefinition[]): StoredInstance[]
  /** The next revision. Never reuses one, not even after a crash. */
  nextRev(): number
  currentRev(): number
  saveIntent(id: string, optedIn: boolean, pending: PendingIntent | null): void
  saveSecret(id: string, secret: string, configSecretDigest?: string | null): void
  saveStatuses(id: string, statuses: readonly PlatformStatus[], transitions: readonly Transition[]): void
  /** Newest first. */
  history(id: string, limit: number): Transition[]
  appendAudit(entry: NewAuditEntry): number
  settleAudit(entryId: number, result: AuditResult, detail: string | null): void
  /** Settles every entry still pending (left so by a crash) as failed with this detail; returns how many. */
  settleInterrupted(detail: string): number
  /** Runs `work` so that the writes it makes land together or not at all. */
  transaction<T>(work: () => T): T
  /** Newest first. */
  audit(options: { limit: number; instanceId?: string | undefined }): AuditEntry[]
  /** Writes whatever is queued behind. */
  flush(): void
  close(): void
}
