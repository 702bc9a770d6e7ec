/**
 * The one place that chooses the console's backend from the config: SQLite in `stateDir` and one
 * process holding every instance, or, with a database URL, PostgreSQL and one replica of a
 * cluster that holds the instances it has a lease for (docs/deployment.md).
 * @module
 */
import type { Clock } from '@relay-console/shared/clock'
import { createLeaseOwnership } from './cluster/lease-ownership'
import type { Ownership } from './cluster/ownership'
import { createPgLeaseStore } from './cluster/pg-leases'
import { createSoloOwnership } from './cluster/solo-ownership'
import type { ClusterOptions } from './config/schema'
import type { Log } from './lib/log'
import { connect } from './state/pg/connect'
import { openPostgresStore } from './state/pg-store'
import { openSqliteStore } from './state/sqlite-store'
import type { OutboxPolicy, StateStore } from './state/store'

export interface BackendOptions {
  stateDir: string
  /** PostgreSQL: one replica of a cluster; null: SQLite, one process. */
  databaseUrl: string | null
  cluster: ClusterOptions
  now: () => number
  log: Log
  /** Which webhooks take which events (docs/notifications.md). */
  outbox?: OutboxPolicy
}

export interface OwnershipParams {
  replicaId: string
  /** Where this replica serves its API (`http://host:port`). */
  listen: string
  instanceIds: () => readonly string[]
  /** The local clock of the lease self-fence (monotonic in production). */
  clock: Clock
}

export interface Backend {
  kind: 'sqlite' | 'postgres'
  store: StateStore
  /** Who holds which instance, once this process knows where it listens. */
  ownership(params: OwnershipParams): Ownership
  close(): Promise<void>
}

export async function openBackend(options: BackendOptions): Promise<Backend> {
  const { log, now } = options
  if (options.databaseUrl === null) {
    const store = openSqliteStore({ stateDir: options.stateDir, now, outbox: options.outbox })
    return {
      kind: 'sqlite',
      store,
      ownership: ({ replicaId, listen, instanceIds, clock }) =>
        createSoloOwnership({ replicaId, listen, instanceIds, clock }),
      close: () => store.close(),
    }
  }
  const store = await openPostgresStore({ url: options.databaseUrl, now, log, outbox: options.outbox })
  // Leases have a small pool of their own: a beat must not queue behind a batch of statuses.
  const leaseDb = connect({ url: options.databaseUrl, poolSize: 2, log })
  return {
    kind: 'postgres',
    store,
    ownership: ({ replicaId, listen, instanceIds, clock }) =>
      createLeaseOwnership({
        leases: createPgLeaseStore(leaseDb),
        clock,
        replicaId,
        listen,
        instanceIds,
        leaseTtlMs: options.cluster.leaseTtlMs,
        renewIntervalMs: options.cluster.renewIntervalMs,
        log,
      }),
    async close() {
      await leaseDb.end({ timeout: 5 })
      await store.close()
    },
  }
}
