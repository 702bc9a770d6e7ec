/**
 * A benchmark stack: the reference connector and the console as separate processes on loopback,
 * with N instances whose secrets are seeded at the connector in bulk (no provisioning storm).
 * @module
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connectorAdmin } from '@relay-console/testkit/connector-admin'
import { connectorProcess } from '@relay-console/testkit/connector-process'
import { consoleApi } from '@relay-console/testkit/console-api'
import { freePort } from '@relay-console/testkit/ports'
import { type Proc, run, waitHealthy } from '@relay-console/testkit/procs'
import { seedFleet } from '@relay-console/testkit/seed-fleet'
import { tempDir } from '@relay-console/testkit/temp-dir'
import { wallNow } from '@relay-console/testkit/time'

export interface BenchInstance {
  id: string
  gatewayId: string
}

export interface StackOptions {
  instances: number
  platforms: number
  relay?: Record<string, number>
  events?: Record<string, number>
  connectorPingMs?: number
  /** Node flags for the console process (e.g. `--cpu-prof` to profile it). */
  consoleNodeArgs?: string[]
}

export interface BenchStack {
  consoleUrl: string
  connectorUrl: string
  instances: BenchInstance[]
  console: Proc
  connector: Proc
  /** Wall-clock time the console process was spawned. */
  consoleStartedAt: number
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }>
  restartConnector(): Promise<{ stoppedAt: number; startedAt: number }>
  stop(): Promise<void>
}

export async function startStack(options: StackOptions): Promise<BenchStack> {
  const dir = tempDir('relay-console-bench-')
  const [consolePort, connectorPort] = [await freePort(), await freePort()]
  const consoleUrl = `http://127.0.0.1:${consolePort}`
  const connector = connectorProcess({
    port: connectorPort,
    dataDir: join(dir.path, 'connector'),
    args: ['--ping-interval-ms', String(options.connectorPingMs ?? 30_000), '--log-level', 'warn'],
  })
  await connector.start()

  const admin = connectorAdmin(connector.url)

  const instances = await seedFleet(admin, options.instances, {
    prefix: 'b',
    platforms: () => options.platforms,
    displayName: (id) => `Bench ${id}`,
  })
  const configFile = join(dir.path, 'console.json')
  writeFileSync(
    configFile,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: consolePort },
      stateDir: join(dir.path, 'console'),
      connector: { url: `ws://127.0.0.1:${connectorPort}` },
      instances: instances.map(({ id, displayName, gatewayId, secret, platforms }) => ({
        id,
        displayName,
        gatewayId,
        secret,
        platforms,
      })),
      relay: options.relay ?? {},
      ...(options.events ? { events: options.events } : {}),
    }),
  )
  const consoleStartedAt = wallNow()
  const console_ = run(
    ['bff/src/main.ts', '--config', configFile],
    {},
    options.consoleNodeArgs ??
      (process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
  )
  await waitHealthy(consoleUrl, console_, 120_000)

  return {
    consoleUrl,
    connectorUrl: connector.url,
    instances: instances.map(({ id, gatewayId }) => ({ id, gatewayId })),
    console: console_,
    get connector() {
      if (connector.proc === null) throw new Error('the connector is not running')
      return connector.proc
    },
    consoleStartedAt,
    admin,
    api: consoleApi(consoleUrl),
    async restartConnector() {
      const stoppedAt = wallNow()
      await connector.stop()
      await connector.start()
      return { stoppedAt, startedAt: wallNow() }
    },
    async stop() {
      await Promise.all([console_.stop(), connector.stop()])
      dir.remove()
    },
  }
}

/** Starts a stack, runs `use` on it, and stops the stack whatever `use` did. */
export async function withStack<T>(options: StackOptions, use: (stack: BenchStack) => Promise<T>): Promise<T> {
  const stack = await startStack(options)
  try {
    return await use(stack)
  } finally {
    await stack.stop()
  }
}
