/**
 * What a chaos run attacks: the reference connector as its own process, so it can be SIGKILLed
 * and started again on the same port and data, and the console in this process, so its heap, open
 * handles and unhandled rejections can be read. N instances, their secrets seeded at the connector.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { connectorAdmin, freePort, type Proc, run, TOKENS, tempDir, waitHealthy } from '@relay-console/bench/procs'
import { EventsSchema, RelayTimingsSchema } from '@relay-console/bff/config/schema'
import { REDACT_PATHS } from '@relay-console/bff/lib/log'
import { type RunningConsole, startConsole } from '@relay-console/bff/service'
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

const PLATFORMS = ['discord', 'telegram', 'slack']

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
  const connectorUrl = `http://127.0.0.1:${connectorPort}`
  const connectorArgs = [
    'connector/src/main.ts',
    ...['--port', String(connectorPort), '--data', join(dir.path, 'connector')],
    ...['--ping-interval-ms', '1000', '--pong-timeout-ms', '3000', '--log-level', 'warn'],
  ]
  let connector: Proc | null = null
  const startConnector = async () => {
    const proc = run(connectorArgs)
    connector = proc
    await waitHealthy(connectorUrl, proc)
  }
  await startConnector()

  const admin = connectorAdmin(connectorUrl)

  const width = String(count - 1).length
  const seeded = Array.from({ length: count }, (_, i) => {
    const id = `c-${String(i).padStart(width, '0')}`
    return {
      id,
      gatewayId: `gw-${id}`,
      secret: randomBytes(18).toString('base64url'),
      platforms: PLATFORMS.slice(0, 1 + (i % PLATFORMS.length)).map((platform) => ({
        platform,
        botId: `${id}-${platform}`,
      })),
    }
  })
  await admin('POST', '/instances/bulk', { instances: seeded })

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
      return connector !== null
    },
    admin,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKENS.RELAY_CONSOLE_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: res.status, json: (await res.json()) as T }
    },
    async killConnector() {
      const proc = connector
      if (proc === null) return
      connector = null
      await new Promise<void>((resolve) => {
        proc.child.once('exit', () => resolve())
        proc.child.kill('SIGKILL')
      })
    },
    startConnector,
    async stop() {
      await running.stop()
      await connector?.stop()
      dir.remove()
    },
  }
}
