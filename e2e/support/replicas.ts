/**
 * A cluster for the tests that need several replicas: PostgreSQL started for the test (as the
 * `postgres` user, into a temp dir, on a free port), the reference connector, and N console
 * replicas, each a real process on its own loopback port, all on the one database.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connectorProcess } from '@relay-console/testkit/connector-process'
import { freePort } from '@relay-console/testkit/ports'
import { type PostgresServer, startPostgres } from '@relay-console/testkit/postgres'
import { type Proc, run, waitHealthy } from '@relay-console/testkit/procs'
import { tempDir } from '@relay-console/testkit/temp-dir'
import { consoleConfig, type InstanceDef, PROCESS_ENV } from './env'

export interface Replicas {
  urls: string[]
  stop(): Promise<void>
}

/** The replicas' ports, known before anything starts (an identity provider needs their redirect URLs). */
export async function replicaPorts(count: number): Promise<number[]> {
  const ports: number[] = []
  while (ports.length < count) {
    const port = await freePort()
    if (!ports.includes(port)) ports.push(port)
  }
  return ports
}

export async function startReplicas(options: {
  ports: number[]
  instances: InstanceDef[]
  /** Config keys beside the usual ones (operators, oidc…). */
  config?: Record<string, unknown>
  env?: Record<string, string>
}): Promise<Replicas> {
  const dir = tempDir('relay-console-e2e-replicas-')
  let pg: PostgresServer | null = null
  const procs: Proc[] = []
  const connectorPort = await freePort()
  const connector = connectorProcess({
    port: connectorPort,
    dataDir: join(dir.path, 'connector'),
    args: ['--ping-interval-ms', '5000'],
    env: PROCESS_ENV,
    healthTimeoutMs: 30_000,
  })
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()))
    await connector.stop()
    pg?.destroy()
    dir.remove()
  }
  try {
    pg = await startPostgres()
    const databaseUrl = pg.createDatabase('e2e_replicas')
    await connector.start()
    const configFile = join(dir.path, 'console.json')
    writeFileSync(
      configFile,
      JSON.stringify({
        ...consoleConfig({
          port: options.ports[0] ?? 0,
          connectorPort,
          stateDir: join(dir.path, 'console'),
          instances: options.instances,
        }),
        cluster: { leaseTtlMs: 3000, renewIntervalMs: 600 },
        ...options.config,
      }),
    )
    const env = { ...PROCESS_ENV, RELAY_CONSOLE_DATABASE_URL: databaseUrl, ...options.env }
    const urls = options.ports.map((port) => `http://127.0.0.1:${port}`)
    for (const port of options.ports)
      procs.push(run(['bff/src/main.ts', '--config', configFile, '--port', String(port)], env))
    await Promise.all(procs.map((proc, i) => waitHealthy(urls[i] as string, proc, 60_000)))
    return { urls, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
