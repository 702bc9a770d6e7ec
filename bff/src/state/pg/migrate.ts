/**
 * Versioned schema migrations for the PostgreSQL store: `migrations/NNN_name.sql`, applied in
 * order at open. Several replicas may start at once, so the whole run is one transaction that
 * first takes a transaction-level advisory lock (released at commit, unlike a session lock, which
 * would outlive a failed start and does not survive a pooler): the first replica migrates, the
 * others wait for it and then find nothing left to do.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { Db } from './connect'

/** The advisory lock key of migrations: any constant, the same in every replica ("rlycnsl1"). */
export const MIGRATION_LOCK = 0x726c79636e736c31n

export interface Migration {
  version: number
  name: string
  sql: string
}

const FILE_NAME = /^(\d+)_([a-z0-9_]+)\.sql$/

/** The migrations in `dir`, in version order; a duplicate version fails fast, naming both files. */
export function readMigrations(dir: URL = new URL('./migrations/', import.meta.url)): Migration[] {
  const found = new Map<number, Migration>()
  for (const file of readdirSync(dir)) {
    const match = FILE_NAME.exec(file)
    if (match === null) continue
    const version = Number(match[1])
    const other = found.get(version)
    if (other !== undefined) throw new Error(`two migrations have version ${version}: ${other.name} and ${file}`)
    found.set(version, { version, name: file, sql: readFileSync(new URL(file, dir), 'utf8') })
  }
  return [...found.values()].sort((a, b) => a.version - b.version)
}

/** Applies the migrations the database lacks; returns the versions it applied. */
export async function migrate(sql: Db, migrations = readMigrations()): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK.toString()}::bigint)`
    await tx`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`
    const rows = await tx<{ version: number }[]>`SELECT version FROM schema_migrations`
    const applied = new Set(rows.map((r) => r.version))
    const known = migrations.at(-1)?.version ?? 0
    const newest = Math.max(0, ...applied)
    if (newest > known) {
      // A newer console migrated this database: an older one must not write to it.
      throw new Error(`the database's schema is at version ${newest}, newer than this console knows (${known})`)
    }
    const done: number[] = []
    for (const m of migrations) {
      if (applied.has(m.version)) continue
      await tx.unsafe(m.sql)
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${m.name})`
      done.push(m.version)
    }
    return done
  })
}
