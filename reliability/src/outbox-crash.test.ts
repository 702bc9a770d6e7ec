/**
 * The notification outbox across a SIGKILL of the console process (docs/notifications.md,
 * "Delivery"): an event committed with its change is sent after a restart on the same state, with
 * the same id, whether the console died while the receiver had the request in hand (at least
 * once: the repeat carries the id a receiver drops it by) or before it could reach the receiver.
 * A real console process, a real connector, a real HTTP receiver that checks every signature.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Received,
  startReceiver,
  type TestReceiver,
  verifySignature,
} from '@relay-console/bff/notify/test-receiver'
import { type RunningConnector, startConnector } from '@relay-console/connector'
import { connectorAdmin } from '@relay-console/testkit/connector-admin'
import { type ConsoleProcess, consoleProcess } from '@relay-console/testkit/console-process'
import { freePort } from '@relay-console/testkit/ports'
import { type TempDir, tempDir } from '@relay-console/testkit/temp-dir'
import { sleep } from '@relay-console/testkit/time'
import { TOKENS } from '@relay-console/testkit/tokens'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SECRET = 'whsec_crash_test_0123456789abcdef'
const SECRET_ENV = 'OPS_WEBHOOK_SECRET'
const INSTANCES = ['alpha', 'bravo', 'charlie'].map((id) => ({
  id,
  displayName: `Outbox ${id}`,
  gatewayId: `gw-outbox-${id}`,
  secret: `outbox-secret-${id}-0123456789`,
  platforms: [{ platform: 'discord', botId: `${id}-bot` }],
}))
const operator = { authorization: `Bearer ${TOKENS.RELAY_CONSOLE_TOKEN}`, 'content-type': 'application/json' }

let dir: TempDir
let connector: RunningConnector
let receiver: TestReceiver
let console_: ConsoleProcess

beforeAll(async () => {
  dir = tempDir()
  receiver = await startReceiver()
  connector = await startConnector({
    dataDir: join(dir.path, 'connector'),
    port: 0,
    adminToken: TOKENS.CONNECTOR_ADMIN_TOKEN,
    identityTokens: { [TOKENS.RELAY_IDENTITY_TOKEN]: 'default' },
    logger: pino({ level: 'silent' }),
  })
  const admin = connectorAdmin(connector.httpUrl)
  for (const { gatewayId, secret, platforms } of INSTANCES) {
    await admin('POST', '/instances', { gatewayId, secret, platforms })
  }
  const port = await freePort()
  const configFile = join(dir.path, 'console.json')
  writeFileSync(
    configFile,
    JSON.stringify({
      listen: { host: '127.0.0.1', port },
      stateDir: join(dir.path, 'console'),
      connector: { url: connector.url },
      instances: INSTANCES,
      relay: { backoffBaseMs: 100, backoffMaxMs: 1000, handshakeTimeoutMs: 3000 },
      notifications: {
        webhooks: [{ name: 'ops', url: `${receiver.url}/hook`, secretEnv: SECRET_ENV, events: ['instance.disabled'] }],
        flappingWindowMs: 0,
        // A dead process's claim runs out after 3 × 1 s.
        timeoutMs: 1000,
      },
    }),
  )
  console_ = consoleProcess({ configFile, port, env: { [SECRET_ENV]: SECRET }, healthTimeoutMs: 30_000 })
}, 60_000)

afterAll(async () => {
  await console_?.kill()
  await receiver?.close().catch(() => {})
  await connector?.stop()
  dir?.remove()
})

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${console_.url}${path}`, {
    method,
    headers: operator,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, json: await res.json() }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const connected = (id: string) =>
  until(
    `${id} connected`,
    async () => {
      const { json } = await api('GET', '/api/instances')
      const instance = json.instances.find((i: any) => i.id === id)
      return instance?.platforms.length > 0 && instance.platforms.every((p: any) => p.state === 'connected')
        ? true
        : undefined
    },
    20_000,
  )

const deliveries = async (): Promise<any[]> => (await api('GET', '/api/notifications/deliveries')).json.deliveries

const delivered = (eventId: string) =>
  until(
    `${eventId} delivered in the log`,
    async () => {
      const rows = (await deliveries()).filter((d: any) => d.eventId === eventId)
      return rows.length > 0 && rows.every((d: any) => d.state === 'delivered') ? rows : undefined
    },
    20_000,
  )

const signed = (r: Received) => verifySignature(r.raw, r.headers['x-relay-console-signature'] as string, SECRET)
const disabledOf = (id: string) =>
  receiver.received.filter((r) => r.body?.type === 'instance.disabled' && r.body.instance?.id === id)

describe('the notification outbox when the console is SIGKILLed', () => {
  it('sends the event again, with the same id, when the console dies between sending it and recording it', async () => {
    await console_.start()
    await connected('alpha')
    // The receiver takes the first delivery and never answers: the console is killed with the
    // request in the receiver's hands, before any answer could reach it.
    receiver.answer = { hang: true }
    let killed: Promise<void> | null = null
    const proc = console_.proc
    receiver.onRequest = () => {
      killed ??= console_.kill()
    }
    expect((await api('PUT', '/api/instances/alpha/relay', { optedIn: false })).status).toBe(200)
    await until('the first delivery', async () => (killed === null ? undefined : true), 20_000)
    await killed
    expect(proc?.child.signalCode).toBe('SIGKILL')
    receiver.onRequest = null
    receiver.answer = { status: 200 }
    const [first] = disabledOf('alpha')
    expect(first).toBeDefined()
    expect(signed(first as Received)).toBe(true)
    const eventId = first?.body.id as string

    await console_.start()
    const repeat = await until(
      'the delivery sent again',
      async () => (disabledOf('alpha').length >= 2 ? disabledOf('alpha')[1] : undefined),
      20_000,
    )
    expect(signed(repeat)).toBe(true)
    // The try the crash cut short is counted: this is the second.
    expect(first?.body.attempt).toBe(1)
    expect(repeat.body).toMatchObject({ id: eventId, type: 'instance.disabled', actor: 'admin', attempt: 2 })
    expect(repeat.body.occurredAt).toBe(first?.body.occurredAt)
    const [row] = await delivered(eventId)
    expect(row).toMatchObject({
      event: 'instance.disabled',
      instanceId: 'alpha',
      webhook: 'ops',
      attempts: 2,
      lastStatus: 200,
    })
    // One event, however many tries: no second event for the same opt-out after the restart.
    expect(new Set(disabledOf('alpha').map((r) => r.body.id))).toEqual(new Set([eventId]))
    expect(disabledOf('alpha')).toHaveLength(2)
  })

  it('sends an event committed while the receiver was down, and tried once, after a SIGKILL', async () => {
    if (console_.proc === null) await console_.start()
    await connected('bravo')
    await receiver.close()
    expect((await api('PUT', '/api/instances/bravo/relay', { optedIn: false })).status).toBe(200)
    // The event is committed with the opt-out's statuses, and its first try is refused.
    const [pending] = await until(
      'bravo’s opt-out tried once',
      async () => {
        const rows = (await deliveries()).filter((d) => d.instanceId === 'bravo')
        return rows.length > 0 && rows.every((d) => d.lastError !== null) ? rows : undefined
      },
      20_000,
    )
    expect(pending).toMatchObject({ event: 'instance.disabled', state: 'pending', lastStatus: null })
    expect(pending.lastError).toMatch(/could not reach the webhook/)
    const proc = console_.proc
    await console_.kill()
    expect(proc?.child.signalCode).toBe('SIGKILL')

    await receiver.reopen()
    await console_.start()
    // Its next try is where the killed console put it: 10 s (±20 %) after the first.
    const got = await until('bravo’s opt-out at the receiver', async () => disabledOf('bravo')[0], 25_000)
    expect(signed(got)).toBe(true)
    expect(got.body).toMatchObject({
      id: pending.eventId,
      type: 'instance.disabled',
      instance: { id: 'bravo' },
      actor: 'admin',
      attempt: pending.attempts + 1,
    })
    const [row] = await delivered(pending.eventId)
    expect(row).toMatchObject({ id: pending.id, instanceId: 'bravo', attempts: pending.attempts + 1, lastStatus: 200 })
    expect(disabledOf('bravo')).toHaveLength(1)
  })

  it('sends the opt-out’s event once when the console is SIGKILLed the moment the request returns', async () => {
    if (console_.proc === null) await console_.start()
    await connected('charlie')
    // The answer may come before the statuses that raise the event are written: whichever
    // process writes them, the event is written once and sent.
    expect((await api('PUT', '/api/instances/charlie/relay', { optedIn: false })).status).toBe(200)
    const proc = console_.proc
    await console_.kill()
    expect(proc?.child.signalCode).toBe('SIGKILL')
    await console_.start()
    const got = await until('charlie’s opt-out at the receiver', async () => disabledOf('charlie')[0], 20_000)
    expect(signed(got)).toBe(true)
    expect(got.body).toMatchObject({ type: 'instance.disabled', instance: { id: 'charlie' }, actor: 'admin' })
    await delivered(got.body.id)
    const rows = (await deliveries()).filter((d) => d.instanceId === 'charlie')
    expect(rows.map((d) => [d.eventId, d.state])).toEqual([[got.body.id, 'delivered']])
    expect(disabledOf('charlie')).toHaveLength(1)
    const { json } = await api('GET', '/api/instances')
    expect(json.instances.find((i: any) => i.id === 'charlie')).toMatchObject({ optedIn: false })
  })
})
