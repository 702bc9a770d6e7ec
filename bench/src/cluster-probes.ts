/**
 * What the cluster benchmark reads beside the event streams: the connector's count of live
 * sockets over time, the commit time of each rev, the statements PostgreSQL ran, and the
 * database connections each replica holds.
 * @module
 */
import { execFile } from 'node:child_process'
import type { AdminCall } from '@relay-console/testkit/connector-admin'
import { wallNow } from '@relay-console/testkit/time'
import { query } from './psql'

export interface ConnectorSample {
  at: number
  connections: number
  superseded: number
}

/** Polls the connector's `/admin/status` every `everyMs` (live sockets, sockets superseded so far). */
export class ConnectorProbe {
  readonly samples: ConnectorSample[] = []
  #timer: NodeJS.Timeout

  constructor(admin: AdminCall, everyMs = 250) {
    let busy = false
    this.#timer = setInterval(() => {
      if (busy) return
      busy = true
      admin<{ connections: number; supersededTotal: number }>('GET', '/status')
        .then((s) => this.samples.push({ at: wallNow(), connections: s.connections, superseded: s.supersededTotal }))
        .catch(() => undefined)
        .finally(() => {
          busy = false
        })
    }, everyMs)
  }

  /** The first sample at or after `since` with at least `n` live sockets (null: none yet). */
  firstAtLeast(n: number, since: number): ConnectorSample | null {
    return this.samples.find((s) => s.at >= since && s.connections >= n) ?? null
  }

  /** The fewest live sockets seen at or after `since`. */
  minSince(since: number): number {
    return Math.min(...this.samples.filter((s) => s.at >= since).map((s) => s.connections))
  }

  latest(): ConnectorSample | null {
    return this.samples.at(-1) ?? null
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}

/** rev → the wall-clock time (ms) its transaction committed, by the server's clock (the same machine's). */
export async function commitTimes(databaseUrl: string, revs: Iterable<number>): Promise<Map<number, number>> {
  const list = [...new Set(revs)].filter((r) => Number.isSafeInteger(r) && r > 0)
  if (list.length === 0) return new Map()
  const rows = await query(
    databaseUrl,
    `SELECT rev, extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000 FROM changes WHERE rev = ANY('{${list.join(',')}}'::bigint[])`,
  )
  return new Map(rows.filter((r) => r[1] !== '').map(([rev, at]) => [Number(rev), Number(at)]))
}

export interface StatementStat {
  query: string
  calls: number
  total_ms: number
  mean_ms: number
  max_ms: number
  rows: number
}

export async function resetStatements(databaseUrl: string): Promise<void> {
  await query(databaseUrl, 'SELECT pg_stat_statements_reset()')
}

/** The statements of `databaseUrl`'s database by total execution time, heaviest first. */
export async function topStatements(databaseUrl: string, limit: number, like?: string): Promise<StatementStat[]> {
  const filter = like === undefined ? '' : ` AND query LIKE '${like.replaceAll("'", "''")}'`
  const rows = await query(
    databaseUrl,
    `SELECT regexp_replace(left(query, 400), '\\s+', ' ', 'g'), calls, total_exec_time, mean_exec_time, max_exec_time, rows
     FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())${filter}
     ORDER BY total_exec_time DESC LIMIT ${limit}`,
  )
  return rows.map(([q, calls, total, mean, max, rowCount]) => ({
    query: (q as string).slice(0, 160),
    calls: Number(calls),
    total_ms: Number(total),
    mean_ms: Number(mean),
    max_ms: Number(max),
    rows: Number(rowCount),
  }))
}

/** Connections to the database server by application name, as the server counts them. */
export async function serverConnections(databaseUrl: string): Promise<Record<string, number>> {
  const rows = await query(
    databaseUrl,
    `SELECT coalesce(nullif(application_name, ''), backend_type), count(*) FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1`,
  )
  return Object.fromEntries(rows.map(([name, count]) => [name as string, Number(count)]))
}

/** Established TCP connections to `port` on this machine, per owning process id (`ss -tnp`). */
export function connectionsByPid(port: number): Promise<Map<number, number>> {
  return new Promise((resolve) => {
    execFile('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' }, (error, out) => {
      const counts = new Map<number, number>()
      if (error) return resolve(counts)
      for (const m of out.matchAll(/pid=(\d+)/g)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1)
      resolve(counts)
    })
  })
}
