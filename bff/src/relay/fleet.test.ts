/**
 * The transport and fleet against real peers on 127.0.0.1: the reference connector, and a bare
 * `ws` server written here from the contract alone, so the transport is not tuned to one peer.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningConnector, startConnector } from '@relay-console/connector'
import { systemClock } from '@relay-console/shared/clock'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import { mintUpgradeToken, verifyUpgradeToken } from '@relay-console/shared/relay/token'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { silentLog } from '../lib/log'
import type { StatusChange } from './adapter'
import { createFleet, type Fleet } from './fleet'
import { createWsDialer } from './ws-dialer'

const IDENTITY = 'idt_fleet_test'
const FAST = { backoffBaseMs: 50, backoffMaxMs: 200, stableAfterMs: 60_000, handshakeTimeoutMs: 2000 }
const PLATFORMS = [
  { platform: 'discord', botId: '1234' },
  { platform: 'telegram', botId: 'acme_bot' },
]

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function connectorAt(options: { dataDir?: string | null; port?: number } = {}): Promise<RunningConnector> {
  const connector = await startConnector({
    dataDir: options.dataDir ?? null,
    port: options.port ?? 0,
    adminToken: 'adm_fleet',
    identityTokens: { [IDENTITY]: 'default' },
    logger: pino({ level: 'silent' }),
  })
  cleanups.push(() => connector.stop())
  return connector
}

async function call(connector: RunningConnector, path: string, bearer: string, body?: unknown) {
  const res = await fetch(`${connector.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return (await res.json()) as any
}

async function provision(connector: RunningConnector, gatewayId: string): Promise<string> {
  let secret = ''
  for (const p of PLATFORMS) {
    secret = (
      await call(connector, '/relay/provision', IDENTITY, { gatewayId, ...p, gatewayEndpoint: '', routeKeys: [] })
    ).secret
  }
  return secret
}

/** `coalesceMs: 0` for a test that must see every intermediate state, however short. */
function fleetFor(connectorUrl: string, extra: { coalesceMs?: number } = {}) {
  const changes: StatusChange[] = []
  const revoked: string[] = []
  const fleet: Fleet = createFleet({
    connectorUrl,
    clock: systemClock,
    random: Math.random,
    dialer: createWsDialer(),
    log: silentLog,
    timings: FAST,
    attentionAfterMs: 7_200_000,
    onChange: (change) => changes.push(change),
    onRevoked: (id) => revoked.push(id),
    ...extra,
  })
  cleanups.push(() => fleet.stopAll())
  const states = (id: string) => fleet.platforms(id)?.map((p) => p.state)
  return { fleet, changes, revoked, states }
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const all = (platforms: readonly PlatformStatus[] | undefined, state: string) =>
  platforms !== undefined && platforms.length > 0 && platforms.every((p) => p.state === state)

describe('against the reference connector', () => {
  it('connects, then deprovision → 4401 → exactly one fresh-token dial → disabled → no more dials', async () => {
    const connector = await connectorAt()
    const secret = await provision(connector, 'gw-acme')
    const { fleet, revoked, changes } = fleetFor(connector.url)
    await fleet.start({ instanceId: 'acme', gatewayId: 'gw-acme', secret, platforms: PLATFORMS })
    await until('connected', () => all(fleet.platforms('acme'), 'connected'))
    expect(fleet.platforms('acme')?.map((p) => p.label)).toEqual(['Discord', 'Telegram'])

    const token = mintUpgradeToken({ gatewayId: 'gw-acme', secret, nowMs: Date.now() })
    expect((await call(connector, '/manage/deprovision', token, {})).revoked).toBe(true)
    await until('disabled', () => all(fleet.platforms('acme'), 'disabled'), 2000)
    expect(fleet.platforms('acme')?.[0]?.errorMessage).toBe('Relay disabled (opted out — opt in to re-enable)')
    expect(revoked).toEqual(['acme'])
    expect(changes.flatMap((c) => c.platforms.map((p) => p.state))).not.toContain('fatal')

    await new Promise((r) => setTimeout(r, 600)) // many backoff periods at 50–200 ms
    const stats = (await call(connector, '/admin/instances/gw-acme', 'adm_fleet')).upgrades
    expect(stats).toMatchObject({ total: 2, accepted: 1, rejected: 1 })
    expect(fleet.isRevoked('acme')).toBe(true)
  })

  it('an expected revocation goes connected → disabled directly, through the same one fresh-token dial', async () => {
    const connector = await connectorAt()
    const secret = await provision(connector, 'gw-acme')
    const { fleet, changes } = fleetFor(connector.url)
    await fleet.start({ instanceId: 'acme', gatewayId: 'gw-acme', secret, platforms: PLATFORMS })
    await until('connected shown', () => all(changes.at(-1)?.platforms, 'connected'))
    await new Promise((r) => setTimeout(r, 400)) // a quiet instance, past the coalescing window
    const before = changes.length

    fleet.expectRevocation('acme') // what the opt-out does before it deprovisions
    const token = mintUpgradeToken({ gatewayId: 'gw-acme', secret, nowMs: Date.now() })
    expect((await call(connector, '/manage/deprovision', token, {})).revoked).toBe(true)
    await until('disabled', () => all(fleet.platforms('acme'), 'disabled'), 2000)

    const after = changes.slice(before).map((c) => c.platforms.map((p) => p.state))
    expect(after).toEqual([['disabled', 'disabled']])
    expect((await call(connector, '/admin/instances/gw-acme', 'adm_fleet')).upgrades).toMatchObject({
      total: 2,
      accepted: 1,
      rejected: 1,
    })
  })

  it('opting back in builds a new transport that connects with the new secret', async () => {
    const connector = await connectorAt()
    const old = await provision(connector, 'gw-acme')
    const { fleet } = fleetFor(connector.url)
    await fleet.start({ instanceId: 'acme', gatewayId: 'gw-acme', secret: old, platforms: PLATFORMS })
    await until('connected', () => all(fleet.platforms('acme'), 'connected'))
    await call(
      connector,
      '/manage/deprovision',
      mintUpgradeToken({ gatewayId: 'gw-acme', secret: old, nowMs: Date.now() }),
      {},
    )
    await until('disabled', () => all(fleet.platforms('acme'), 'disabled'))
    const fresh = await provision(connector, 'gw-acme')
    expect(fresh).not.toBe(old)
    await fleet.start({ instanceId: 'acme', gatewayId: 'gw-acme', secret: fresh, platforms: PLATFORMS })
    expect(fleet.isRevoked('acme')).toBe(false)
    await until('connected again', () => all(fleet.platforms('acme'), 'connected'))
    expect(fleet.size).toBe(1)
  })

  it('survives a connector restart: retrying, then connected, without help', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'relay-fleet-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const first = await connectorAt({ dataDir })
    const secret = await provision(first, 'gw-acme')
    const { fleet } = fleetFor(first.url)
    await fleet.start({ instanceId: 'acme', gatewayId: 'gw-acme', secret, platforms: PLATFORMS })
    await until('connected', () => all(fleet.platforms('acme'), 'connected'))
    await first.stop()
    const retrying = await until('retrying', () => {
      const p = fleet.platforms('acme')
      return all(p, 'retrying') ? p : undefined
    })
    expect(retrying[0]).toMatchObject({ errorCode: 'relay_connection_lost' })
    await connectorAt({ dataDir, port: first.port })
    await until('reconnected', () => all(fleet.platforms('acme'), 'connected'), 5000)
    expect(fleet.isRevoked('acme')).toBe(false)
  })

  it('a revocation the connector starts on its own reads the same: disabled', async () => {
    const connector = await connectorAt()
    const secret = await provision(connector, 'gw-acme')
    const { fleet, revoked } = fleetFor(connector.url)
    await fleet.start({ instanceId: 'acme', gatewayId: 'gw-acme', secret, platforms: PLATFORMS })
    await until('connected', () => all(fleet.platforms('acme'), 'connected'))
    await call(connector, '/admin/instances/gw-acme/revoke', 'adm_fleet', {})
    await until('disabled', () => all(fleet.platforms('acme'), 'disabled'))
    expect(revoked).toEqual(['acme'])
  })

  it('an instance refused 4401 from the start keeps retrying, never disabled, and connects once accepted', async () => {
    const connector = await connectorAt()
    const secret = await provision(connector, 'gw-acme')
    await call(connector, '/admin/reject-upgrades', 'adm_fleet', {
      gatewayId: 'gw-acme',
      count: 4,
      code: 4401,
      reason: 'unauthorized',
    })
    const { fleet, changes } = fleetFor(connector.url, { coalesceMs: 0 })
    await fleet.start({ instanceId: 'acme', gatewayId: 'gw-acme', secret, platforms: PLATFORMS })
    await until('connected', () => all(fleet.platforms('acme'), 'connected'))
    const seen = changes.flatMap((c) => c.platforms)
    expect(seen.filter((p) => p.state === 'retrying').map((p) => p.errorCode)).toContain('relay_unauthorized')
    expect(Math.max(...seen.map((p) => p.attempt))).toBe(4)
    expect(seen.map((p) => p.state)).not.toContain('disabled')
  })
})

describe('a descriptor the console cannot pin on a platform', () => {
  it('ends in relay_descriptor_invalid on the platform whose hello it answers, not in a wait for ever', async () => {
    const connector = await connectorAt()
    const secret = await provision(connector, 'gw-acme')
    // telegram's hello is answered with a descriptor that has no platform at all.
    await fetch(`${connector.httpUrl}/admin/instances/gw-acme/faults`, {
      method: 'PUT',
      headers: { authorization: 'Bearer adm_fleet', 'content-type': 'application/json' },
      body: JSON.stringify({ descriptors: { telegram: { contract_version: 1, label: 'Telegram' } } }),
    })
    const { fleet } = fleetFor(connector.url)
    await fleet.start({ instanceId: 'acme', gatewayId: 'gw-acme', secret, platforms: PLATFORMS })
    const platforms = await until('both platforms settled', () => {
      const p = fleet.platforms('acme')
      return p?.every((s) => s.state !== 'connecting' && s.state !== 'retrying') ? p : undefined
    })
    expect(platforms.map((p) => [p.platform, p.state, p.errorCode])).toEqual([
      ['discord', 'connected', null],
      ['telegram', 'fatal', 'relay_descriptor_invalid'],
    ])
  })
})

describe('against a bare ws connector written from the contract', () => {
  type Behaviour = (ws: import('ws').WebSocket, gatewayId: string) => void

  async function bareConnector(secret: string, behave: (dial: number) => Behaviour | 'http401') {
    let dials = 0
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: (_info, done) => {
        if (behave(dials + 1) === 'http401') {
          dials += 1
          done(false, 401, 'Unauthorized')
        } else done(true)
      },
    })
    server.on('connection', (ws, req) => {
      dials += 1
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      const auth = verifyUpgradeToken(token, { secretsFor: () => [secret], nowMs: Date.now() })
      if (!auth.ok) {
        ws.close(4401, 'unauthorized')
        return
      }
      const behaviour = behave(dials)
      if (behaviour !== 'http401') behaviour(ws, auth.gatewayId)
    })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as import('node:net').AddressInfo
    return { url: `http://127.0.0.1:${port}`, dials: () => dials }
  }

  const answerHellos: Behaviour = (ws) => {
    ws.on('message', (data) => {
      for (const line of data.toString().split('\n')) {
        if (line.trim() === '') continue
        const frame = JSON.parse(line)
        // A minimal descriptor: every optional field missing.
        if (frame.type === 'hello')
          ws.send(`${JSON.stringify({ type: 'descriptor', descriptor: { platform: frame.platform } })}\n`)
      }
    })
  }

  it('handshakes with minimal descriptors (an http:// URL normalised to ws://…/relay)', async () => {
    const peer = await bareConnector('bare', () => answerHellos)
    const { fleet } = fleetFor(peer.url)
    await fleet.start({ instanceId: 'i', gatewayId: 'gw-bare', secret: 'bare', platforms: PLATFORMS })
    await until('connected', () => all(fleet.platforms('i'), 'connected'))
    expect(fleet.platforms('i')?.map((p) => p.label)).toEqual([null, null])
  })

  it('survives garbage, arrays, unknown types and a 2 MiB frame, and reconnects after the 1009', async () => {
    const peer = await bareConnector('bare', (dial) => (ws) => {
      answerHellos(ws, '')
      if (dial === 1) {
        ws.send('not json\n[1,2]\n{"type":"teleport"}\n"x"\n')
        setTimeout(() => ws.send(`{"type":"inbound","event":{"text":"${'x'.repeat(2 * 1024 * 1024)}"}}\n`), 50)
      }
    })
    const { fleet, changes } = fleetFor(peer.url, { coalesceMs: 0 })
    await fleet.start({ instanceId: 'i', gatewayId: 'gw-bare', secret: 'bare', platforms: PLATFORMS })
    await until('second dial connected', () => peer.dials() >= 2 && all(fleet.platforms('i'), 'connected'))
    const codes = changes.flatMap((c) => c.platforms.map((p) => p.errorCode))
    expect(codes).toContain('relay_protocol_error')
  })

  it('latches through a different implementation: 4401 after handshake, fresh dial 4401 → disabled', async () => {
    const peer = await bareConnector('bare', (dial) =>
      dial === 1
        ? (ws) => {
            answerHellos(ws, '')
            setTimeout(() => ws.close(4401, 'revoked'), 100)
          }
        : (ws) => ws.close(4401, 'revoked'),
    )
    const { fleet } = fleetFor(peer.url)
    await fleet.start({ instanceId: 'i', gatewayId: 'gw-bare', secret: 'bare', platforms: PLATFORMS })
    await until('disabled', () => all(fleet.platforms('i'), 'disabled'))
    await new Promise((r) => setTimeout(r, 400))
    expect(peer.dials()).toBe(2)
  })

  it('turns a flood of thousands of alternating descriptors into a bounded number of changes', async () => {
    const FLOOD = 5000
    const peer = await bareConnector('bare', () => (ws) => {
      ws.on('message', (data) => {
        if (!data.toString().includes('"telegram"')) return // both hellos came: flood discord
        const descriptor = (label: string) =>
          `${JSON.stringify({ type: 'descriptor', descriptor: { platform: 'discord', label } })}\n`
        ws.send(`${descriptor('A')}${JSON.stringify({ type: 'descriptor', descriptor: { platform: 'telegram' } })}\n`)
        for (let i = 0; i < FLOOD; i++) ws.send(descriptor(i % 2 === 0 ? 'B' : 'A'))
        ws.send(descriptor('final'))
      })
    })
    const { fleet, changes } = fleetFor(peer.url)
    const started = Date.now()
    await fleet.start({ instanceId: 'i', gatewayId: 'gw-bare', secret: 'bare', platforms: PLATFORMS })
    await until('the last change carries the last label', () => changes.at(-1)?.platforms[0]?.label === 'final')
    const seconds = (Date.now() - started) / 1000
    // One change at once, then at most one per 250 ms window: a flood never becomes a change per frame.
    expect(changes.length).toBeLessThanOrEqual(3 + Math.ceil(seconds * 4))
    expect(changes.length).toBeLessThan(50)
    expect(fleet.platforms('i')?.map((p) => [p.label, p.state])).toEqual([
      ['final', 'connected'],
      [null, 'connected'],
    ])
  })

  it('treats HTTP 401 on the upgrade as retryable', async () => {
    const peer = await bareConnector('bare', (dial) => (dial <= 2 ? 'http401' : answerHellos))
    const { fleet, changes } = fleetFor(peer.url)
    await fleet.start({ instanceId: 'i', gatewayId: 'gw-bare', secret: 'bare', platforms: PLATFORMS })
    await until('connected', () => all(fleet.platforms('i'), 'connected'))
    expect(changes.flatMap((c) => c.platforms.map((p) => p.errorCode))).toContain('relay_unauthorized')
    expect(peer.dials()).toBe(3)
  })
})
