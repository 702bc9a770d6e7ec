/**
 * Leaks: event streams opened and aborted, and relay transports built and torn down, many times
 * over; afterwards the heap (after a full collection) and the open handles are back to where they
 * were after a warm-up, within 10 %. `npm test`: 1,000 streams and 300 transports;
 * RELIABILITY_PROFILE=full: 10,000 and 1,000.
 */
import { join } from 'node:path'
import { EventsSchema, RelayTimingsSchema } from '@relay-console/bff/config/schema'
import { silentLog } from '@relay-console/bff/lib/log'
import { createFleet } from '@relay-console/bff/relay/fleet'
import { createWsDialer } from '@relay-console/bff/relay/ws-dialer'
import { startConsole } from '@relay-console/bff/service'
import { type RunningConnector, startConnector } from '@relay-console/connector'
import { systemClock } from '@relay-console/shared/clock'
import { connectorAdmin } from '@relay-console/testkit/connector-admin'
import { freePort } from '@relay-console/testkit/ports'
import { SseClient } from '@relay-console/testkit/sse-client'
import { tempDir } from '@relay-console/testkit/temp-dir'
import { sleep } from '@relay-console/testkit/time'
import { TOKENS } from '@relay-console/testkit/tokens'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'

const FULL = process.env.RELIABILITY_PROFILE === 'full'
const STREAM_CYCLES = FULL ? 10_000 : 1000
const TRANSPORT_CYCLES = FULL ? 1000 : 300

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Footprint {
  heapMb: number
  handles: number
}

async function footprint(): Promise<Footprint> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run node with --expose-gc')
  await sleep(50)
  gc()
  await sleep(50)
  gc()
  return { heapMb: process.memoryUsage().heapUsed / 1_048_576, handles: process.getActiveResourcesInfo().length }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

async function connector(): Promise<RunningConnector> {
  const running = await startConnector({
    dataDir: null,
    port: 0,
    adminToken: TOKENS.CONNECTOR_ADMIN_TOKEN,
    identityTokens: { [TOKENS.RELAY_IDENTITY_TOKEN]: 'default' },
    logger: pino({ level: 'silent' }),
  })
  cleanups.push(() => running.stop())
  return running
}

async function seed(c: RunningConnector, gatewayId: string, secret: string) {
  await connectorAdmin(c.httpUrl)('POST', '/instances', {
    gatewayId,
    secret,
    platforms: [{ platform: 'discord', botId: '1' }],
  })
}

/** Runs `cycle` `total` times, `parallel` at a time. */
async function repeat(total: number, parallel: number, cycle: () => Promise<void>): Promise<void> {
  for (let done = 0; done < total; done += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, total - done) }, cycle))
  }
}

function expectBackToBaseline(label: string, baseline: Footprint, after: Footprint) {
  console.log(
    `${label}: heap ${baseline.heapMb.toFixed(1)} → ${after.heapMb.toFixed(1)} MB, handles ${baseline.handles} → ${after.handles}`,
  )
  expect(after.heapMb, `${label}: heap`).toBeLessThanOrEqual(baseline.heapMb * 1.1)
  expect(after.handles, `${label}: handles`).toBeLessThanOrEqual(Math.ceil(baseline.handles * 1.1))
}

describe('leaks', () => {
  it(`${STREAM_CYCLES.toLocaleString('en')} event-stream connect/abort cycles leave heap and handles at the baseline`, async () => {
    const c = await connector()
    const dir = tempDir()
    cleanups.push(() => dir.remove())
    await seed(c, 'gw-leak', 'leak-secret-0123456789')
    const running = await startConsole({
      config: {
        listen: { host: '127.0.0.1', port: await freePort() },
        stateDir: join(dir.path, 'console'),
        connectorUrl: c.url,
        identityToken: TOKENS.RELAY_IDENTITY_TOKEN,
        identityTokenEnv: 'RELAY_IDENTITY_TOKEN',
        instances: [
          {
            id: 'leak',
            displayName: 'Leak',
            gatewayId: 'gw-leak',
            platforms: [{ platform: 'discord', botId: '1' }],
            configSecret: 'leak-secret-0123456789',
          },
        ],
        relay: RelayTimingsSchema.parse({}),
        events: EventsSchema.parse({}),
        allowedHosts: [],
      },
      operatorToken: TOKENS.RELAY_CONSOLE_TOKEN,
      logger: pino({ level: 'silent' }),
      processMetrics: false,
    })
    cleanups.push(() => running.stop())
    const streams = async () => {
      const text = await (await fetch(`${running.url}/metrics`)).text()
      return Number(/^relay_console_sse_clients (\d+)$/m.exec(text)?.[1] ?? Number.NaN)
    }
    const cycle = async () => {
      let snapshot: () => void = () => {}
      const seen = new Promise<void>((resolve) => {
        snapshot = resolve
      })
      const client = new SseClient({
        url: running.url,
        onEvent: (event) => {
          if (event.event === 'snapshot') snapshot()
        },
      })
      await client.connected
      await seen
      client.close()
    }

    await repeat(1000, 50, cycle)
    await until('every warm-up stream gone', async () => (await streams()) === 0)
    const baseline = await footprint()
    await repeat(STREAM_CYCLES, 50, cycle)
    await until('every stream gone', async () => (await streams()) === 0)
    expectBackToBaseline('event streams', baseline, await footprint())
  }, 300_000)

  it(`${TRANSPORT_CYCLES.toLocaleString('en')} transport build/teardown cycles leave heap and handles at the baseline`, async () => {
    const c = await connector()
    const secret = 'leak-secret-0123456789'
    await seed(c, 'gw-leak', secret)
    let connected = false
    const fleet = createFleet({
      connectorUrl: c.url,
      clock: systemClock,
      random: Math.random,
      dialer: createWsDialer(),
      log: silentLog,
      timings: { backoffBaseMs: 50, backoffMaxMs: 200, handshakeTimeoutMs: 2000 },
      attentionAfterMs: 7_200_000,
      onChange: (change) => {
        connected = change.platforms.every((p) => p.state === 'connected')
      },
    })
    cleanups.push(() => fleet.stopAll())
    const admin = connectorAdmin(c.httpUrl)
    const connections = async () => (await admin<{ connections: number }>('GET', '/instances/gw-leak')).connections
    const cycle = async () => {
      connected = false
      await fleet.start({
        instanceId: 'leak',
        gatewayId: 'gw-leak',
        secret,
        platforms: [{ platform: 'discord', botId: '1' }],
      })
      await until('connected', () => connected)
      await fleet.stop('leak')
      await until('the socket gone at the connector', async () => (await connections()) === 0)
    }

    // Warm enough that the code is compiled and the pools are full: measured from there.
    await repeat(FULL ? 300 : 100, 1, cycle)
    const baseline = await footprint()
    await repeat(TRANSPORT_CYCLES, 1, cycle)
    expect(fleet.size).toBe(0)
    expectBackToBaseline('transports', baseline, await footprint())
  }, 300_000)
})
