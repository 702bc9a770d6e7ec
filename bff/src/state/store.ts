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

export interface StateStore {
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
