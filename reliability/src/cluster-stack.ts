/**
 * What the cluster run attacks: a real PostgreSQL, the reference connector as its own process, and
 * console replicas, each its own process (`bff/src/main.ts --config FILE --port N`) on one config
 * naming that database, with short lease timings. Replicas are started, SIGKILLed, SIGSTOPped and
 * SIGCONTed, and SIGTERMed (drained) here; every line each prints is read as it comes.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type AdminCall, connectorAdmin } from '@relay-console/testkit/connector-admin'
import { connectorProcess } from '@relay-console/testkit/connector-process'
import { type ConsoleProcess, consoleProcess, type OutputStream } from '@relay-console/testkit/console-process'
import { freePort } from '@relay-console/testkit/ports'
import { type PostgresServer, startPostgres } from '@relay-console/testkit/postgres'
import { seedFleet } from '@relay-console/testkit/seed-fleet'
import { tempDir } from '@relay-console/testkit/temp-dir'
import { TOKENS } from '@relay-console/testkit/tokens'

export interface ClusterInstance {
  id: string
  gatewayId: string
}

export interface ClusterTimings {
  leaseTtlMs: number
  renewIntervalMs: number
  /** The console's event-stream ping: how soon a client can tell a frozen replica. */
  eventPingMs: number
}

/** Where a replica is in its life: `crashed` when it exited with nobody asking it to. */
export type ReplicaState = 'starting' | 'up' | 'paused' | 'killed' | 'drained' | 'crashed'

export interface Replica {
  /** r1, r2, … in the order they were started. */
  name: string
  url: string
  /** Its replica id, as `/healthz` and `GET /api/cluster` name it. */
  id: string
  state: ReplicaState
  startedAt: number
  process: ConsoleProcess
}

/** A replica that exited by itself. */
export interface Crash {
  replica: string
  at: number
  code: number | null
  signal: string | null
  /** Its last lines on stderr. */
  stderr: string[]
}

/** A line a replica printed at warn or above (or any line on stderr). */
export interface LoggedLine {
  replica: string
  /** When it was logged (pino's `time`; receipt time for a line without one). */
  at: number
  /** pino's level (40 warn, 50 error, 60 fatal); 55 for a line on stderr. */
  level: number
  msg: string
  line: string
}

export interface ClusterStack {
  pg: PostgresServer
  databaseUrl: string
  instances: ClusterInstance[]
  timings: ClusterTimings
  /** Every replica ever started, in order. */
  replicas: Replica[]
  /** What the replicas logged at warn and above, in the order it arrived. */
  logged: LoggedLine[]
  /** Replicas that exited with nobody asking them to. */
  crashes: Crash[]
  /** Writes every line every replica printed (up to the last 200,000) to `file`, for a post-mortem. */
  dumpLogs(file: string): void
  admin: AdminCall
  /** Starts one more replica; resolves once it answers `/healthz` with its id. */
  startReplica(): Promise<Replica>
  /** The replicas that run (not frozen, not gone). */
  up(): Replica[]
  stop(): Promise<void>
}

/** A line on stderr: not pino's (it writes to stdout), so something the console did not mean to say. */
export const STDERR_LEVEL = 55

const KEEP_LINES = 200_000

function reader(name: string, logged: LoggedLine[], all: string[]) {
  return (line: string, stream: OutputStream) => {
    all.push(`${name} ${stream} ${line}`)
    if (all.length > KEEP_LINES) all.splice(0, all.length - KEEP_LINES)
    if (stream === 'stderr') {
      logged.push({ replica: name, at: Date.now(), level: STDERR_LEVEL, msg: line.slice(0, 200), line })
      return
    }
    if (!line.startsWith('{')) return // the start banner
    try {
      const entry = JSON.parse(line) as { level?: number; time?: number; msg?: string }
      const level = entry.level ?? 0
      if (level < 40) return
      logged.push({ replica: name, at: entry.time ?? Date.now(), level, msg: entry.msg ?? '', line })
    } catch {
      logged.push({ replica: name, at: Date.now(), level: STDERR_LEVEL, msg: line.slice(0, 200), line })
    }
  }
}

export async function startClusterStack(count: number, timings: ClusterTimings): Promise<ClusterStack> {
  const dir = tempDir('relay-console-cluster-')
  const pg = await startPostgres()
  const databaseUrl = pg.createDatabase('cluster')
  const connector = connectorProcess({
    port: await freePort(),
    dataDir: join(dir.path, 'connector'),
    // Pings every second, but a silent console is dropped only after 20 s: a frozen replica keeps
    // its sockets for longer than its leases last, as over a real network.
    args: ['--ping-interval-ms', '1000', '--pong-timeout-ms', '20000', '--log-level', 'warn'],
  })
  await connector.start()
  const admin = connectorAdmin(connector.url)

  const seeded = await seedFleet(admin, count, { prefix: 'k', platforms: (i) => 1 + (i % 3) })

  const configFile = join(dir.path, 'console.json')
  writeFileSync(
    configFile,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      stateDir: join(dir.path, 'console'),
      connector: { url: connector.url.replace(/^http/, 'ws') },
      instances: seeded.map(({ id, gatewayId, secret, platforms }) => ({
        id,
        displayName: `Cluster ${id}`,
        gatewayId,
        secret,
        platforms,
      })),
      relay: {
        backoffBaseMs: 100,
        backoffMaxMs: 1000,
        pingIntervalMs: 1000,
        pongTimeoutMs: 3000,
        handshakeTimeoutMs: 3000,
      },
      events: { pingIntervalMs: timings.eventPingMs },
      database: { url: databaseUrl },
      cluster: { leaseTtlMs: timings.leaseTtlMs, renewIntervalMs: timings.renewIntervalMs },
    }),
  )

  const replicas: Replica[] = []
  const logged: LoggedLine[] = []
  const all: string[] = []
  let named = 0
  const crashes: Crash[] = []

  return {
    pg,
    databaseUrl,
    instances: seeded.map(({ id, gatewayId }) => ({ id, gatewayId })),
    timings,
    replicas,
    logged,
    crashes,
    dumpLogs: (file) => writeFileSync(file, `${all.join('\n')}\n`),
    admin,
    async startReplica() {
      // Named before anything is awaited: replicas started together get distinct names.
      named += 1
      const name = `r${named}`
      const process = consoleProcess({
        configFile,
        port: await freePort(),
        env: { LOG_LEVEL: 'info', RELAY_CONSOLE_TOKEN: TOKENS.RELAY_CONSOLE_TOKEN },
        onLine: reader(name, logged, all),
        healthTimeoutMs: 60_000,
      })
      const replica: Replica = { name, url: process.url, id: '', state: 'starting', startedAt: Date.now(), process }
      replicas.push(replica)
      const starting = process.start()
      process.proc?.child.once('exit', (code, signal) => {
        if (replica.state === 'killed' || replica.state === 'drained') return
        replica.state = 'crashed'
        const stderr = logged.filter((l) => l.replica === name && l.level === STDERR_LEVEL).map((l) => l.line)
        crashes.push({ replica: name, at: Date.now(), code, signal, stderr: stderr.slice(-12) })
      })
      await starting
      const health = (await (await fetch(`${process.url}/healthz`)).json()) as { replica?: string }
      replica.id = health.replica ?? ''
      replica.state = 'up'
      return replica
    },
    up: () => replicas.filter((r) => r.state === 'up'),
    async stop() {
      await Promise.all(replicas.map((r) => r.process.kill()))
      await connector.stop()
      pg.destroy()
      dir.remove()
    },
  }
}
