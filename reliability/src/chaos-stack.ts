/**
 * What a chaos run attacks: the reference connector as its own process, so it can be SIGKILLed
 * and started again on the same port and data, and the console in this process, so its heap, open
 * handles and unhandled rejections can be read. N instances, their secrets seeded at the connector.
 * @module
 */
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { EventsSchema, RelayTimingsSchema } from '@relay-console/bff/config/schema'
import { REDACT_PATHS } from '@relay-console/bff/lib/log'
import { type RunningConsole, startConsole } from '@relay-console/bff/service'
import { connectorAdmin } from '@relay-console/testkit/connector-admin'
import { connectorProcess } from '@relay-console/testkit/connector-process'
import { consoleApi } from '@relay-console/testkit/console-api'
import { freePort } from '@relay-console/testkit/ports'
import { seedFleet } from '@relay-console/testkit/seed-fleet'
import { tempDir } from '@relay-console/testkit/temp-dir'
import { TOKENS } from '@relay-console/testkit/tokens'
import { pino } from 'pino'

export interface ChaosInstance {
  id: string
  gatewayId: string
}

/** What the console logged at warn and above: counts by level, and the last lines for a report. */
export interface LogTally {
  warn: number
  error: number
  last: string[]
}

export interface ChaosStack {
  console: RunningConsole
  instances: ChaosInstance[]
  logs: LogTally
  readonly connectorUp: boolean
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }>
  /** SIGKILL: no goodbye to any socket, no store flush beyond what SQLite already committed. */
  killConnector(): Promise<void>
  startConnector(): Promise<void>
  stop(): Promise<void>
}

function tallyLogger(tally: LogTally) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString()
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0)
      if (level >= 50) tally.error += 1
      else if (level >= 40) tally.warn += 1
      tally.last.push(line.trimEnd())
      if (tally.last.length > 40) tally.last.shift()
      done()
    },
  })
  return pino({ level: 'warn', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink)
}

export async function startChaosStack(count: number): Promise<ChaosStack> {
  const dir = tempDir()
  const connectorPort = await freePort()
  const connector = connectorProcess({
    port: connectorPort,
    dataDir: join(dir.path, 'connector'),
    args: ['--ping-interval-ms', '1000', '--pong-timeout-ms', '3000', '--log-level', 'warn'],
  })
  await connector.start()

  const admin = connectorAdmin(connector.url)

  const seeded = await seedFleet(admin, count, { prefix: 'c', platforms: (i) => 1 + (i % 3) })

  const logs: LogTally = { warn: 0, error: 0, last: [] }
  const running = await startConsole({
    config: {
      listen: { host: '127.0.0.1', port: 0 },
      stateDir: join(dir.path, 'console'),
      connectorUrl: `ws://127.0.0.1:${connectorPort}`,
      identityToken: TOKENS.RELAY_IDENTITY_TOKEN,
      identityTokenEnv: 'RELAY_IDENTITY_TOKEN',
      instances: seeded.map(({ id, gatewayId, secret, platforms }) => ({
        id,
        displayName: `Chaos ${id}`,
        gatewayId,
        platforms,
        configSecret: secret,
      })),
      relay: RelayTimingsSchema.parse({
        backoffBaseMs: 100,
        backoffMaxMs: 1000,
        pingIntervalMs: 1000,
        pongTimeoutMs: 3000,
        handshakeTimeoutMs: 3000,
      }),
      events: EventsSchema.parse({ pingIntervalMs: 1000 }),
      allowedHosts: [],
    },
    operatorToken: TOKENS.RELAY_CONSOLE_TOKEN,
    logger: tallyLogger(logs),
    processMetrics: false,
    retry: { baseMs: 200, maxMs: 2000 },
    revocationGraceMs: 1500,
  })

  return {
    console: running,
    instances: seeded.map(({ id, gatewayId }) => ({ id, gatewayId })),
    logs,
    get connectorUp() {
      return connector.proc !== null
    },
    admin,
    api: consoleApi(running.url),
    killConnector: () => connector.kill(),
    startConnector: () => connector.start(),
    async stop() {
      await running.stop()
      await connector.stop()
      dir.remove()
    },
  }
}
