/**
 * Webhook notifications across replicas, on a real PostgreSQL: three replicas share one database
 * and one webhook, every replica's dispatcher polls the same outbox, and each event still reaches
 * the (real, HTTP) receiver once, whichever replica raised it (docs/notifications.md, "Delivery").
 */
import type { RunningConnector } from '@relay-console/connector'
import { NOTIFICATION_EVENTS } from '@relay-console/shared/fleet-ops'
import { type PostgresServer, startPostgres } from '@relay-console/testkit/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResolvedInstance } from '../config/load'
import { demoInstance } from '../demo/embedded'
import type { RunningConsole } from '../service'
import { allStates, api, testConfig, testConnector, testConsole, until } from '../test-support'
import { startReceiver, type TestReceiver, verifySignature } from './test-receiver'

const SECRET = 'whsec_pg_test_0123456789abcdef'
const EVENTS = [...NOTIFICATION_EVENTS]
/** Six instances, so each of the three replicas owns some and the opt-outs land on every owner. */
const INSTANCES: ResolvedInstance[] = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'].map((id) =>
  demoInstance(id, `Replica test ${id}`, [['discord', `${id}-bot`]]),
)
/** Longer than a poll (1 s) plus a claim (3 × timeoutMs = 3 s): a duplicate would have come by then. */
const QUIET_MS = 5000

let pg: PostgresServer
let connector: RunningConnector
let receiver: TestReceiver
const replicas: RunningConsole[] = []

beforeAll(async () => {
  pg = await startPostgres()
  connector = await testConnector()
  receiver = await startReceiver()
  const url = pg.createDatabase(`notify_${process.pid}`)
  for (let i = 0; i < 3; i++) {
    replicas.push(
      await testConsole(
        testConfig(connector.url, {
          databaseUrl: url,
          cluster: { leaseTtlMs: 3000, renewIntervalMs: 600 },
          instances: INSTANCES,
          notifications: {
            webhooks: [{ name: 'ops', url: `${receiver.url}/hook`, secret: SECRET, events: EVENTS, format: 'json' }],
            flappingWindowMs: 0,
            timeoutMs: 1000,
            retryForMs: 86_400_000,
          },
        }),
      ),
    )
  }
}, 90_000)

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()))
  await connector?.stop()
  await receiver?.close()
  pg?.destroy()
})

const deliveries = async (replica: RunningConsole) => {
  const res = await api(replica.url, 'GET', '/api/notifications/deliveries?limit=500')
  expect(res.status).toBe(200)
  return res.json.deliveries as any[]
}

const countBy = (values: readonly string[]) => {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return counts
}

describe('webhook notifications across replicas', () => {
  it('delivers each event once, whichever replica raised it and however many poll the outbox', async () => {
    for (const replica of replicas) {
      await until(
        `every instance connected, as ${replica.url} sees it`,
        async () => {
          const { instances } = (await api(replica.url, 'GET', '/api/instances')).json
          return INSTANCES.every((i) =>
            allStates(
              instances.find((x: any) => x.id === i.id),
              'connected',
            ),
          )
        },
        30_000,
      )
    }
    // Whatever the start raised (nothing, normally) is settled before the events under test.
    await until(
      'nothing pending',
      async () => (await deliveries(replicas[0] as RunningConsole)).every((d) => d.state !== 'pending'),
      15_000,
    )
    const before = new Set((await deliveries(replicas[0] as RunningConsole)).map((d) => d.eventId))
    const seenBefore = receiver.received.length

    // Four opt-outs through the three replicas, and a test event from each, all at once.
    const optedOut = ['alpha', 'bravo', 'charlie', 'delta']
    const answers = await Promise.all([
      ...optedOut.map((id, n) =>
        api((replicas[n % 3] as RunningConsole).url, 'PUT', `/api/instances/${id}/relay`, { optedIn: false }),
      ),
      ...replicas.map((r) => api(r.url, 'POST', '/api/notifications/test', {})),
    ])
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 202, 202, 202])
    const testIds = answers.slice(4).map((a) => a.json.eventId as string)
    expect(new Set(testIds).size).toBe(3)

    const fresh = (all: any[]) => all.filter((d) => !before.has(d.eventId))
    const settled = await until(
      'the four opt-outs and three tests delivered',
      async () => {
        const all = fresh(await deliveries(replicas[0] as RunningConsole))
        const disabled = all.filter((d) => d.event === 'instance.disabled').map((d) => d.instanceId)
        return disabled.length === 4 && all.every((d) => d.state === 'delivered') ? all : undefined
      },
      20_000,
    )
    // Longer than a poll and a claim: a second replica sending the same delivery would have by now.
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS))

    const got = receiver.received.slice(seenBefore)
    // One request per event id, and exactly the events the outbox holds.
    const perId = countBy(got.map((r) => r.body.id as string))
    expect([...perId].filter(([, n]) => n > 1)).toEqual([])
    const logged = fresh(await deliveries(replicas[0] as RunningConsole))
    expect([...perId.keys()].sort()).toEqual(logged.map((d) => d.eventId).sort())
    expect(logged.map((d) => d.eventId).sort()).toEqual(settled.map((d) => d.eventId).sort())
    for (const r of got) {
      expect(verifySignature(r.raw, r.headers['x-relay-console-signature'] as string, SECRET)).toBe(true)
      expect(r.path).toBe('/hook')
      expect(r.body.attempt).toBe(1)
    }
    expect(
      got
        .filter((r) => r.body.type === 'test')
        .map((r) => r.body.id)
        .sort(),
    ).toEqual([...testIds].sort())
    const disabled = got.filter((r) => r.body.type === 'instance.disabled')
    expect(disabled.map((r) => r.body.instance.id).sort()).toEqual(optedOut)
    for (const r of disabled) expect(r.body.actor).toBe('admin')

    // Every replica reads the same log: each delivery once, delivered on the first try.
    const views = await Promise.all(replicas.map(async (r) => fresh(await deliveries(r))))
    for (const view of views) {
      expect(view).toEqual(views[0])
      for (const d of view)
        expect(d).toMatchObject({ webhook: 'ops', state: 'delivered', attempts: 1, lastStatus: 200 })
    }
  }, 90_000)
})
