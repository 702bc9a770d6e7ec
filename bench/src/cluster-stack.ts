/**
 * A cluster benchmark stack: one PostgreSQL with fsync on, one reference connector, and console
 * replicas, each its own process on loopback (`bff/src/main.ts --config FILE --port N`, all with
 * the same config and database). The runner starts, SIGKILLs and adds replicas, and reads the
 * database's leases to know which replica holds which instance.
 *
 * The server also records commit times (`track_commit_timestamp`) and statement statistics
 * (`pg_stat_statements`): the latency of a change can then be split at its commit, and the
 * statements the replicas run can be timed as they ran. Both cost a few microseconds a statement.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type AdminCall, connectorAdmin } from '@relay-console/testkit/connector-admin'
import { connectorProcess } from '@relay-console/testkit/connector-process'
import { consoleApi } from '@relay-console/testkit/console-api'
import { freePort } from '@relay-console/testkit/ports'
import { type PostgresServer, startPostgres } from '@relay-console/testkit/postgres'
import { type Proc, run, waitHealthy } from '@relay-console/testkit/procs'
import { seedFleet } from '@relay-console/testkit/seed-fleet'
import { tempDir } from '@relay-console/testkit/temp-dir'
import { wallNow } from '@relay-console/testkit/time'
import { query } from './psql'
import type { BenchInstance } from './stack'

/** The database server and the connector, shared by every cluster of a run. */
export interface ClusterInfra {
  pg: PostgresServer
  connectorUrl: string
  connectorPid(): number
  admin: AdminCall
  dir: string
  stop(): Promise<void>
}

export async function startInfra(): Promise<ClusterInfra> {
  const dir = tempDir('relay-console-cluster-bench-')
  const pg = await startPostgres({ durable: true })
  try {
    await query(pg.url, "ALTER SYSTEM SET track_commit_timestamp = 'on'")
    await query(pg.url, "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    pg.stop()
    pg.start()
  } catch (error) {
    pg.destroy()
    throw error
  }
  const connector = connectorProcess({
    port: await freePort(),
    dataDir: join(dir.path, 'connector'),
    args: ['--ping-interval-ms', '30000', '--log-level', 'warn'],
  })
  await connector.start()
  return {
    pg,
    connectorUrl: connector.url,
    connectorPid: () => connector.proc?.pid ?? -1,
    admin: connectorAdmin(connector.url),
    dir: dir.path,
    async stop() {
      await connector.stop()
      pg.destroy()
      dir.remove()
    },
  }
}

export interface Replica {
  name: string
  port: number
  url: string
  proc: Proc
  /** Wall-clock time it was spawned. */
  spawnedAt: number
  /** Wall-clock time it first answered `/healthz`. */
  healthyAt: number
  /** Its replica id, once healthy. */
  id: string
  api: ReturnType<typeof consoleApi>
}

export interface ClusterSpec {
  /** A plain name: the database, and the prefix of its instances' ids. */
  name: string
  instances: number
  platforms: number
  relay?: Record<string, number>
  cluster?: { leaseTtlMs: number; renewIntervalMs: number }
}

export interface ClusterStack {
  databaseUrl: string
  instances: BenchInstance[]
  /** Every replica started, in order, killed ones too. */
  replicas: Replica[]
  /** Spawns a replica; resolves once it answers `/healthz` (its first lease tick may still run). */
  spawn(): Promise<Replica>
  /** SIGKILL: no drain, no goodbye; answers the wall-clock time of the signal. */
  kill(replica: Replica): Promise<number>
  /** The live replicas. */
  alive(): Replica[]
  /** Instance id → the replica whose valid lease it is under (instances under none are left out). */
  owners(): Promise<Map<string, Replica>>
  stop(): Promise<void>
}

export async function startCluster(infra: ClusterInfra, spec: ClusterSpec): Promise<ClusterStack> {
  const databaseUrl = infra.pg.createDatabase(spec.name)
  await query(databaseUrl, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  const instances = await seedFleet(infra.admin, spec.instances, {
    prefix: spec.name,
    platforms: () => spec.platforms,
    displayName: (id) => `Bench ${id}`,
  })
  const configFile = join(infra.dir, `${spec.name}.json`)
  writeFileSync(
    configFile,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      stateDir: join(infra.dir, `${spec.name}-state`),
      connector: { url: infra.connectorUrl.replace(/^http/, 'ws') },
      instances: instances.map(({ id, displayName, gatewayId, secret, platforms }) => ({
        id,
        displayName,
        gatewayId,
        secret,
        platforms,
      })),
      relay: spec.relay ?? {},
      database: { url: databaseUrl },
      ...(spec.cluster ? { cluster: spec.cluster } : {}),
    }),
  )

  const replicas: Replica[] = []
  const alive = () => replicas.filter((r) => r.proc.child.exitCode === null && r.proc.child.signalCode === null)

  return {
    databaseUrl,
    instances: instances.map(({ id, gatewayId }) => ({ id, gatewayId })),
    replicas,
    async spawn() {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const spawnedAt = wallNow()
      const proc = run(['bff/src/main.ts', '--config', configFile, '--port', String(port)])
      const replica: Replica = {
        name: `r${replicas.length + 1}`,
        port,
        url,
        proc,
        spawnedAt,
        healthyAt: Number.NaN,
        id: '',
        api: consoleApi(url),
      }
      replicas.push(replica)
      await waitHealthy(url, proc, 180_000)
      replica.healthyAt = wallNow()
      // The id is known once the replica listens and has built its ownership.
      for (;;) {
        const health = (await (await fetch(`${url}/healthz`)).json()) as { replica?: string }
        if (health.replica !== undefined) {
          replica.id = health.replica
          break
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      return replica
    },
    async kill(replica) {
      const at = wallNow()
      await replica.proc.stop('SIGKILL')
      return at
    },
    alive,
    async owners() {
      const byId = new Map(replicas.map((r) => [r.id, r]))
      const rows = await query(databaseUrl, 'SELECT instance_id, owner FROM leases WHERE expires_at > now()')
      const owners = new Map<string, Replica>()
      for (const [instance, owner] of rows) {
        const replica = byId.get(owner as string)
        if (replica !== undefined) owners.set(instance as string, replica)
      }
      return owners
    },
    async stop() {
      await Promise.all(alive().map((r) => r.proc.stop()))
    },
  }
}
