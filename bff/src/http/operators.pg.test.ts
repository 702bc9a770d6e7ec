/**
 * Named operators across replicas, on a real PostgreSQL: a session opened on one replica is the
 * same operator with the same role on the other, and an admin's revocation on one replica signs it
 * out on its next request on every replica, its open event stream included.
 */
import type { RunningConnector } from '@relay-console/connector'
import { type PostgresServer, startPostgres } from '@relay-console/testkit/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningConsole } from '../service'
import { api, OPERATOR_TOKEN, testConfig, testConnector, testConsole } from '../test-support'

const VIEWER_TOKEN = 'viewer-token-0123456789abcdefghijklmnop'
const ADMIN = { authorization: `Bearer ${OPERATOR_TOKEN}` }

let pg: PostgresServer
let connector: RunningConnector
const replicas: RunningConsole[] = []

beforeAll(async () => {
  pg = await startPostgres()
  connector = await testConnector()
  const url = pg.createDatabase(`operators_${process.pid}`)
  for (let i = 0; i < 2; i++) {
    replicas.push(
      await testConsole(
        testConfig(connector.url, {
          databaseUrl: url,
          cluster: { leaseTtlMs: 3000, renewIntervalMs: 600 },
          operators: [{ name: 'vera', role: 'viewer', token: VIEWER_TOKEN, field: 'operators[0].tokenEnv' }],
        }),
      ),
    )
  }
}, 90_000)

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()))
  await connector?.stop()
  pg?.destroy()
})

async function signIn(base: string, token: string): Promise<Record<string, string>> {
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'operators.pg.test' },
    body: JSON.stringify({ token }),
  })
  const { key } = (await res.json()) as { key: string }
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', 'x-relay-console-key': key }
}

describe('operators across replicas', () => {
  it('signs a revoked session out on its next request on every replica, and ends its event stream', async () => {
    const [a, b] = replicas as [RunningConsole, RunningConsole]
    const vera = await signIn(a.url, VIEWER_TOKEN)
    for (const replica of replicas) {
      expect((await api(replica.url, 'GET', '/api/session', undefined, vera)).json).toEqual({
        authenticated: true,
        operator: { name: 'vera', role: 'viewer' },
        via: 'token',
      })
    }
    // The role holds on the replica that did not sign her in.
    const refused = await api(b.url, 'PUT', '/api/instances/acme/relay', { optedIn: false }, vera)
    expect(refused.status).toBe(403)
    expect(refused.json.error.code).toBe('forbidden')

    const stream = await fetch(`${b.url}/api/events?k=${vera['x-relay-console-key']}`, {
      headers: { cookie: vera.cookie ?? '' },
    })
    expect(stream.status).toBe(200)
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
    await reader.read() // the snapshot

    // The admin, on replica b, finds vera's session and revokes it.
    const listed = await api(b.url, 'GET', '/api/sessions', undefined, ADMIN)
    const session = listed.json.sessions.find((s: { operator: { name: string } }) => s.operator.name === 'vera')
    expect(session).toMatchObject({ via: 'token', userAgent: 'operators.pg.test', current: false })
    expect((await api(b.url, 'DELETE', `/api/sessions/${session.id}`, undefined, ADMIN)).status).toBe(204)

    for (const replica of replicas) {
      expect((await api(replica.url, 'GET', '/api/instances', undefined, vera)).status, replica.url).toBe(401)
    }
    // Her stream on b ends too (the replica that revoked it tells its own streams at once).
    for (;;) {
      const { done } = await reader.read()
      if (done) break
    }
    expect((await api(a.url, 'GET', '/api/sessions', undefined, ADMIN)).json.sessions).not.toContainEqual(
      expect.objectContaining({ id: session.id }),
    )
    expect((await api(a.url, 'DELETE', `/api/sessions/${session.id}`, undefined, ADMIN)).status).toBe(404)
  })

  it('signs one operator out everywhere, on every replica, and no one else', async () => {
    const [a, b] = replicas as [RunningConsole, RunningConsole]
    const onA = await signIn(a.url, VIEWER_TOKEN)
    const onB = await signIn(b.url, VIEWER_TOKEN)
    const admin = await signIn(a.url, OPERATOR_TOKEN)
    const out = await api(b.url, 'POST', '/api/session/sign-out-everywhere', undefined, onB)
    expect(out).toMatchObject({ status: 200, json: { ended: 2 } })
    expect((await api(a.url, 'GET', '/api/session', undefined, onA)).status).toBe(401)
    expect((await api(b.url, 'GET', '/api/session', undefined, onB)).status).toBe(401)
    expect((await api(b.url, 'GET', '/api/session', undefined, admin)).status).toBe(200)
  })
})
