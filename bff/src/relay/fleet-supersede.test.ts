/**
 * Two console replicas dialling one gateway, against the reference connector: the connector keeps
 * one socket per gateway and closes the older 4409 `superseded` (docs/relay-contract.md §4, §7), and
 * each replica reads that as an ordinary retryable drop, never a revocation.
 */
import { type RunningConnector, startConnector } from '@relay-console/connector'
import { systemClock } from '@relay-console/shared/clock'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLog } from '../lib/log'
import type { StatusChange } from './adapter'
import { createFleet } from './fleet'
import { createWsDialer } from './ws-dialer'

const IDENTITY = 'idt_supersede_test'
const ADMIN = 'adm_supersede'
const FAST = { backoffBaseMs: 50, backoffMaxMs: 200, stableAfterMs: 60_000, handshakeTimeoutMs: 2000 }
const PLATFORMS = [
  { platform: 'discord', botId: '1234' },
  { platform: 'telegram', botId: 'acme_bot' },
]

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function call(connector: RunningConnector, path: string, bearer: string, body?: unknown) {
  const res = await fetch(`${connector.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return (await res.json()) as any
}

/** One console replica: its own fleet, dialling the same connector. */
function replica(connector: RunningConnector) {
  const changes: StatusChange[] = []
  const revoked: string[] = []
  const fleet = createFleet({
    connectorUrl: connector.url,
    clock: systemClock,
    random: Math.random,
    dialer: createWsDialer(),
    log: silentLog,
    timings: FAST,
    attentionAfterMs: 7_200_000,
    coalesceMs: 0,
    onChange: (change) => changes.push(change),
    onRevoked: (id) => revoked.push(id),
  })
  cleanups.push(() => fleet.stopAll())
  return { fleet, changes, revoked }
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const all = (platforms: readonly PlatformStatus[] | undefined, state: string) =>
  platforms !== undefined && platforms.length > 0 && platforms.every((p) => p.state === state)

describe('two replicas dialling one gateway of the reference connector', () => {
  it('never leaves two live sockets: the older is superseded (4409), read as a retryable drop', async () => {
    const connector = await startConnector({
      dataDir: null,
      adminToken: ADMIN,
      identityTokens: { [IDENTITY]: 'default' },
      logger: pino({ level: 'silent' }),
    })
    cleanups.push(() => connector.stop())
    let secret = ''
    for (const p of PLATFORMS) {
      const body = { gatewayId: 'gw-acme', ...p, gatewayEndpoint: '', routeKeys: [] }
      secret = (await call(connector, '/relay/provision', IDENTITY, body)).secret
    }
    const spec = { instanceId: 'acme', gatewayId: 'gw-acme', secret, platforms: PLATFORMS }
    const view = () => call(connector, '/admin/instances/gw-acme', ADMIN)

    const first = replica(connector)
    await first.fleet.start(spec)
    await until('the first replica connected', async () => all(first.fleet.platforms('acme'), 'connected'))

    const second = replica(connector)
    await second.fleet.start(spec)
    await until('a supersede', async () => (await view()).supersededTotal >= 1)

    // Both replicas keep re-dialling with backoff and keep superseding each other: at every sample
    // the connector holds exactly one live socket, and never had two open at once.
    const samples: Array<{ connections: number; peakConnections: number }> = []
    const contendUntil = Date.now() + 1500
    while (Date.now() < contendUntil) {
      const { connections, peakConnections } = await view()
      samples.push({ connections, peakConnections })
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(samples.length).toBeGreaterThan(20)
    expect(samples.filter((s) => s.connections !== 1 || s.peakConnections !== 1)).toEqual([])
    expect((await view()).supersededTotal).toBeGreaterThan(1)

    const states = (r: ReturnType<typeof replica>) => r.changes.flatMap((c) => c.platforms)
    for (const r of [first, second]) {
      expect(states(r).some((p) => p.state === 'retrying' && p.errorCode === 'relay_superseded')).toBe(true)
      expect(states(r).map((p) => p.state)).not.toContain('disabled')
      expect(states(r).map((p) => p.state)).not.toContain('fatal')
      expect(r.revoked).toEqual([])
    }

    // One replica stops (its lease moved on): the other settles on the one socket, superseded no more.
    await first.fleet.stopAll()
    await until('the second replica connected', async () => all(second.fleet.platforms('acme'), 'connected'))
    const settled = await until('one live socket', async () => {
      const v = await view()
      return v.connections === 1 ? v : undefined
    })
    await new Promise((r) => setTimeout(r, 500)) // several backoff periods at 50–200 ms
    await until('the second replica still connected', async () => all(second.fleet.platforms('acme'), 'connected'))
    expect(await view()).toMatchObject({ connections: 1, peakConnections: 1, supersededTotal: settled.supersededTotal })
  })
})
