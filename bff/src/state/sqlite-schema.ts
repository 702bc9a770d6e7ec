/**
 * The SQLite store's tables. Each statement is idempotent, so a database from an earlier version
 * is brought up to date at open: it only ever gains tables, indexes and columns.
 * @module
 */
export const SQLITE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    gateway_id TEXT NOT NULL,
    platforms TEXT NOT NULL,
    opted_in INTEGER NOT NULL DEFAULT 1,
    pending TEXT,
    secret TEXT,
    config_secret_digest TEXT,
    statuses TEXT NOT NULL DEFAULT '[]',
    pending_entry INTEGER,
    labels TEXT NOT NULL DEFAULT '{}',
    disabled_by TEXT
  );
  CREATE TABLE IF NOT EXISTS changes (
    rev INTEGER PRIMARY KEY,
    instance_id TEXT NOT NULL,
    instance TEXT NOT NULL,
    transitions TEXT NOT NULL,
    at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    rev INTEGER NOT NULL,
    at TEXT NOT NULL,
    platform TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT
  );
  CREATE INDEX IF NOT EXISTS transitions_by_instance ON transitions (instance_id, id);
  CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    result TEXT NOT NULL,
    detail TEXT,
    error_code TEXT,
    batch_id TEXT
  );
  CREATE INDEX IF NOT EXISTS audit_by_instance ON audit (instance_id, id);
  CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    operator TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'admin',
    via TEXT NOT NULL DEFAULT 'token',
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    client_address TEXT,
    user_agent TEXT,
    revoked_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS sessions_by_operator ON sessions (operator);
  CREATE TABLE IF NOT EXISTS login_codes (code_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS auth_failures (key TEXT NOT NULL, at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS auth_failures_by_key ON auth_failures (key, at);
  CREATE INDEX IF NOT EXISTS auth_failures_by_time ON auth_failures (at);
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    webhook TEXT NOT NULL,
    instance_id TEXT,
    platform TEXT,
    subject TEXT NOT NULL,
    draft TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_until INTEGER,
    delivered_at INTEGER,
    last_status INTEGER,
    last_error TEXT
  );
  CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, due_at);
  CREATE INDEX IF NOT EXISTS outbox_by_subject ON outbox (webhook, subject, state);
  CREATE TABLE IF NOT EXISTS maintenance (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    ids TEXT,
    selector TEXT,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    opted_out TEXT NOT NULL DEFAULT '[]'
  );
`

/** Columns added since the first release: added to an older database at open. */
export const SQLITE_ADDED_COLUMNS = [
  { table: 'instances', column: 'pending_entry', type: 'INTEGER' },
  { table: 'audit', column: 'error_code', type: 'TEXT' },
  { table: 'instances', column: 'labels', type: "TEXT NOT NULL DEFAULT '{}'" },
  { table: 'audit', column: 'batch_id', type: 'TEXT' },
  { table: 'instances', column: 'disabled_by', type: 'TEXT' },
  // Sessions from before named operators were all the operator token's.
  { table: 'sessions', column: 'role', type: "TEXT NOT NULL DEFAULT 'admin'" },
  { table: 'sessions', column: 'via', type: "TEXT NOT NULL DEFAULT 'token'" },
] as const
