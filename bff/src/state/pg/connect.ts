/**
 * The PostgreSQL connection pool of the store, and the few settings every query relies on.
 *
 * The driver, `postgres` 3.4.9, is patched at install (`patches/postgres+3.4.9.patch`, applied by
 * patch-package): unpatched, a connection closed under a buffered write (the server restarting)
 * threw from a timer and killed the process, or stayed unable to write again (porsager/postgres
 * #1154, #1208; fixes proposed upstream, not released). Drop the patch when a release has them.
 * @module
 */
import postgres from 'postgres'
import type { Log } from '../../lib/log'

/** int8 as a number: revs, ids and millisecond times all stay far below 2^53. */
const bigint = {
  to: 20,
  from: [20],
  serialize: (value: number) => String(value),
  parse: (raw: string) => Number(raw),
}

export type Db = postgres.Sql<{ bigint: number }>
export type TxDb = postgres.TransactionSql<{ bigint: number }>

export interface ConnectOptions {
  url: string
  /** Connections in the pool (the LISTEN connection comes on top). */
  poolSize?: number
  log: Log
}

/**
 * Seconds before the next attempt to reach the server: short at first, so a restarted server is
 * back in use (and its LISTEN re-subscribed) within a second or so, and at most 2 s apart.
 */
export const reconnectDelay = (attempt: number): number => Math.min(0.05 * 2 ** attempt, 2) * (0.75 + Math.random() / 4)

export function connect(options: ConnectOptions): Db {
  return postgres(options.url, {
    max: options.poolSize ?? 10,
    types: { bigint },
    backoff: reconnectDelay,
    connection: { application_name: 'relay-console' },
    // The server's notices ("already exists, skipping") are not worth a line on stdout.
    onnotice: (notice) => options.log.debug({ notice: notice.message }, 'postgres notice'),
  })
}
