/**
 * The connector's durable records (docs/relay-contract.md §7): gatewayId → tenant, verify list, instance,
 * platforms, revoked flag; per-tenant delivery keys; single-use enrollment tokens. SQLite, so a
 * restart loses nothing.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

/** Two-deep verify window: the current secret and, during a rotation, the previous one. */
const VERIFY_WINDOW = 2

export interface PlatformBinding {
  platform: string
  botId: string
}

export interface GatewayRecord {
  gatewayId: string
  tenant: string
  instanceId: string | null
  displayName: string | null
  revoked: boolean
  /** Current secret first. Kept after a revocation so a revoked gateway is told `revoked`. */
  secrets: string[]
  /** Bumped every time a new secret is issued. */
  secretVersion: number
  platforms: PlatformBinding[]
  createdAt: string
  updatedAt: string
  revokedAt: string | null
}

export type EnrollmentOutcome = 'ok' | 'unknown' | 'used' | 'expired' | 'tenant_mismatch'

export interface IssueOptions {
  tenant: string
  instanceId?: string | undefined
  displayName?: string | undefined
  /** `replace` forgets earlier secrets (first issue, re-issue after a revocation); `rotate` keeps the previous one verifiable. */
  mode: 'replace' | 'rotate'
}

export interface ConnectorStore {
  get(gatewayId: string): GatewayRecord | undefined
  list(): GatewayRecord[]
  /** Issues a new secret for the gateway (creating the record if needed) and clears `revoked`. */
  issueSecret(gatewayId: string, options: IssueOptions): { secret: string; record: GatewayRecord }
  /** Creates or replaces a gateway with a secret chosen by an administrator. */
  seed(gatewayId: string, options: { tenant: string; secret: string; displayName?: string | undefined }): GatewayRecord
  /** Seeds many gateways in one transaction (benchmarks, large demos). */
  seedMany(
    gateways: ReadonlyArray<{ gatewayId: string; tenant: string; secret: string; platforms: PlatformBinding[] }>,
  ): number
  /** Records instanceId / displayName when given; never clears them. */
  annotate(gatewayId: string, fields: { instanceId?: string | undefined; displayName?: string | undefined }): void
  bindPlatform(gatewayId: string, binding: PlatformBinding): void
  /** Marks the gateway revoked; false when it does not exist. */
  revoke(gatewayId: string): boolean
  deliveryKey(tenant: string): string
  createEnrollmentToken(tenant: string, expiresAtMs: number): string
  consumeEnrollmentToken(token: string, tenant: string, nowMs: number): EnrollmentOutcome
  close(): void
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url')
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

interface GatewayRow {
  gateway_id: string
  tenant: string
  instance_id: string | null
  display_name: string | null
  revoked: number
  secrets: string
  secret_version: number
  created_at: string
  updated_at: string
  revoked_at: string | null
}

/**
 * Opens (or creates) the store. `dataDir` null keeps everything in memory, for tests that do not
 * care about restarts. The database file is readable by its owner only: it holds secrets.
 */
export function openStore(dataDir: string | null, now: () => number = Date.now): ConnectorStore {
  let file = ':memory:'
  if (dataDir !== null) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    file = join(dataDir, 'connector.db')
  }
  const db = new Database(file)
  if (dataDir !== null) {
    db.pragma('journal_mode = WAL')
    chmodSync(file, 0o600)
  }
  db.pragma('foreign_keys = ON')
  db.exec(`
    CREATE TABLE IF NOT EXISTS gateways (
      gateway_id TEXT PRIMARY KEY,
      tenant TEXT NOT NULL,
      instance_id TEXT,
      display_name TEXT,
      revoked INTEGER NOT NULL DEFAULT 0,
      secrets TEXT NOT NULL,
      secret_version INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      revoked_at TEXT
    );
    CREATE TABLE IF NOT EXISTS platforms (
      gateway_id TEXT NOT NULL REFERENCES gateways(gateway_id) ON DELETE CASCADE,
      platform TEXT NOT NULL,
      bot_id TEXT NOT NULL,
      PRIMARY KEY (gateway_id, platform)
    );
    CREATE TABLE IF NOT EXISTS tenants (tenant TEXT PRIMARY KEY, delivery_key TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS enrollment_tokens (
      token_hash TEXT PRIMARY KEY,
      tenant TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER
    );
  `)

  const q = {
    get: db.prepare<[string], GatewayRow>('SELECT * FROM gateways WHERE gateway_id = ?'),
    list: db.prepare<[], GatewayRow>('SELECT * FROM gateways ORDER BY gateway_id'),
    platforms: db.prepare<[string], { platform: string; bot_id: string }>(
      'SELECT platform, bot_id FROM platforms WHERE gateway_id = ? ORDER BY rowid',
    ),
    insert: db.prepare(
      `INSERT INTO gateways (gateway_id, tenant, instance_id, display_name, revoked, secrets, secret_version, created_at, updated_at)
       VALUES (@gatewayId, @tenant, @instanceId, @displayName, 0, @secrets, 1, @at, @at)`,
    ),
    setSecrets: db.prepare(
      `UPDATE gateways SET secrets = @secrets, secret_version = secret_version + 1, revoked = 0, revoked_at = NULL,
       tenant = @tenant, updated_at = @at WHERE gateway_id = @gatewayId`,
    ),
    annotate: db.prepare(
      `UPDATE gateways SET instance_id = COALESCE(@instanceId, instance_id),
       display_name = COALESCE(@displayName, display_name), updated_at = @at WHERE gateway_id = @gatewayId`,
    ),
    bind: db.prepare(
      `INSERT INTO platforms (gateway_id, platform, bot_id) VALUES (?, ?, ?)
       ON CONFLICT (gateway_id, platform) DO UPDATE SET bot_id = excluded.bot_id`,
    ),
    revoke: db.prepare(
      'UPDATE gateways SET revoked = 1, revoked_at = @at, updated_at = @at WHERE gateway_id = @gatewayId AND revoked = 0',
    ),
    remove: db.prepare('DELETE FROM gateways WHERE gateway_id = ?'),
    deliveryKey: db.prepare<[string], { delivery_key: string }>('SELECT delivery_key FROM tenants WHERE tenant = ?'),
    insertTenant: db.prepare('INSERT INTO tenants (tenant, delivery_key) VALUES (?, ?)'),
    insertEnrollment: db.prepare('INSERT INTO enrollment_tokens (token_hash, tenant, expires_at) VALUES (?, ?, ?)'),
    enrollment: db.prepare<[string], { tenant: string; expires_at: number; used_at: number | null }>(
      'SELECT tenant, expires_at, used_at FROM enrollment_tokens WHERE token_hash = ?',
    ),
    useEnrollment: db.prepare('UPDATE enrollment_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL'),
  }

  const iso = () => new Date(now()).toISOString()

  const toRecord = (row: GatewayRow): GatewayRecord => ({
    gatewayId: row.gateway_id,
    tenant: row.tenant,
    instanceId: row.instance_id,
    displayName: row.display_name,
    revoked: row.revoked === 1,
    secrets: JSON.parse(row.secrets) as string[],
    secretVersion: row.secret_version,
    platforms: q.platforms.all(row.gateway_id).map((p) => ({ platform: p.platform, botId: p.bot_id })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revokedAt: row.revoked_at,
  })

  const get = (gatewayId: string) => {
    const row = q.get.get(gatewayId)
    return row === undefined ? undefined : toRecord(row)
  }
  const mustGet = (gatewayId: string): GatewayRecord => {
    const record = get(gatewayId)
    if (record === undefined) throw new Error(`gateway ${gatewayId} vanished from the store`)
    return record
  }

  const issueSecret = db.transaction((gatewayId: string, options: IssueOptions) => {
    const secret = newSecret()
    const existing = q.get.get(gatewayId)
    const at = iso()
    if (existing === undefined) {
      q.insert.run({
        gatewayId,
        tenant: options.tenant,
        instanceId: options.instanceId ?? null,
        displayName: options.displayName ?? null,
        secrets: JSON.stringify([secret]),
        at,
      })
    } else {
      const previous = JSON.parse(existing.secrets) as string[]
      const secrets = options.mode === 'rotate' ? [secret, ...previous].slice(0, VERIFY_WINDOW) : [secret]
      q.setSecrets.run({ gatewayId, tenant: options.tenant, secrets: JSON.stringify(secrets), at })
      q.annotate.run({
        gatewayId,
        instanceId: options.instanceId ?? null,
        displayName: options.displayName ?? null,
        at,
      })
    }
    return { secret, record: mustGet(gatewayId) }
  })

  const seed = db.transaction(
    (gatewayId: string, options: { tenant: string; secret: string; displayName?: string | undefined }) => {
      q.remove.run(gatewayId)
      q.insert.run({
        gatewayId,
        tenant: options.tenant,
        instanceId: null,
        displayName: options.displayName ?? null,
        secrets: JSON.stringify([options.secret]),
        at: iso(),
      })
      return mustGet(gatewayId)
    },
  )

  const seedMany = db.transaction(
    (gateways: ReadonlyArray<{ gatewayId: string; tenant: string; secret: string; platforms: PlatformBinding[] }>) => {
      const at = iso()
      for (const g of gateways) {
        q.remove.run(g.gatewayId)
        q.insert.run({
          gatewayId: g.gatewayId,
          tenant: g.tenant,
          instanceId: null,
          displayName: null,
          secrets: JSON.stringify([g.secret]),
          at,
        })
        for (const p of g.platforms) q.bind.run(g.gatewayId, p.platform, p.botId)
      }
      return gateways.length
    },
  )

  return {
    get,
    list: () => q.list.all().map(toRecord),
    seedMany: (gateways) => seedMany(gateways),
    issueSecret: (gatewayId, options) => issueSecret(gatewayId, options),
    seed: (gatewayId, options) => seed(gatewayId, options),
    annotate: (gatewayId, fields) => {
      q.annotate.run({
        gatewayId,
        instanceId: fields.instanceId ?? null,
        displayName: fields.displayName ?? null,
        at: iso(),
      })
    },
    bindPlatform: (gatewayId, { platform, botId }) => {
      q.bind.run(gatewayId, platform, botId)
    },
    revoke: (gatewayId) => {
      if (q.get.get(gatewayId) === undefined) return false
      q.revoke.run({ gatewayId, at: iso() })
      return true
    },
    deliveryKey: (tenant) => {
      const row = q.deliveryKey.get(tenant)
      if (row !== undefined) return row.delivery_key
      const key = newSecret()
      q.insertTenant.run(tenant, key)
      return key
    },
    createEnrollmentToken: (tenant, expiresAtMs) => {
      const token = `enr_${randomBytes(24).toString('base64url')}`
      q.insertEnrollment.run(hashToken(token), tenant, expiresAtMs)
      return token
    },
    consumeEnrollmentToken: (token, tenant, nowMs) => {
      const hash = hashToken(token)
      const row = q.enrollment.get(hash)
      if (row === undefined) return 'unknown'
      if (row.used_at !== null) return 'used'
      if (row.expires_at < nowMs) return 'expired'
      if (row.tenant !== tenant) return 'tenant_mismatch'
      return q.useEnrollment.run(nowMs, hash).changes === 1 ? 'ok' : 'used'
    },
    close: () => db.close(),
  }
}
