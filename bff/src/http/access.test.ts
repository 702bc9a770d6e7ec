import { ROLES, type Role } from '@relay-console/shared/roles'
import { describe, expect, it } from 'vitest'
import { consoleForThisFile, OPERATOR_TOKEN } from '../test-support'
import { requiredAccess } from './access'

/** One operator per role; the operator token is the admin named `admin`. */
const TOKENS: Record<Role, string> = {
  viewer: 'viewer-token-0123456789abcdefghijklmnop',
  operator: 'operator-token-0123456789abcdefghijklmn',
  admin: OPERATOR_TOKEN,
}

/**
 * The role every `/api` route needs, written out by hand: a route the router has and this table
 * does not fails the test, so no new route is left to a default nobody thought about.
 */
const EXPECTED: Record<string, Role> = {
  'GET /api/session': 'viewer',
  'DELETE /api/session': 'viewer',
  'POST /api/session/sign-out-everywhere': 'viewer',
  'GET /api/sessions': 'admin',
  'DELETE /api/sessions/:id': 'admin',
  'GET /api/instances': 'viewer',
  'PUT /api/instances/:id/relay': 'operator',
  'POST /api/relay/bulk': 'operator',
  'GET /api/instances/:id/history': 'viewer',
  'GET /api/audit': 'viewer',
  'GET /api/events': 'viewer',
  'GET /api/cluster': 'viewer',
  'GET /api/maintenance': 'viewer',
  'POST /api/maintenance': 'operator',
  'DELETE /api/maintenance/:id': 'operator',
  'GET /api/notifications': 'admin',
  'GET /api/notifications/deliveries': 'admin',
  'POST /api/notifications/test': 'admin',
}

const shared = consoleForThisFile({
  operators: [
    { name: 'vera', role: 'viewer', token: TOKENS.viewer, field: 'operators[0].tokenEnv' },
    { name: 'otto', role: 'operator', token: TOKENS.operator, field: 'operators[1].tokenEnv' },
  ],
  // A webhook nobody listens on: the test event is written, and its tries fail in the background.
  notifications: {
    webhooks: [
      {
        name: 'ops',
        url: 'http://127.0.0.1:9/hook',
        secret: 'whsec_0123456789abcdef',
        events: ['instance.failed'],
        format: 'json',
      },
    ],
    flappingWindowMs: 0,
    timeoutMs: 1000,
    retryForMs: 60_000,
  },
})

type Method = 'session' | 'bearer'

/** Credentials of `role` by `method`: a fresh session each time, so signing out in one check touches no other. */
async function credentials(role: Role, method: Method): Promise<Record<string, string>> {
  if (method === 'bearer') return { authorization: `Bearer ${TOKENS[role]}` }
  const res = await fetch(`${shared.console.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: TOKENS[role] }),
  })
  const { key } = (await res.json()) as { key: string }
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', 'x-relay-console-key': key }
}

/** A body each route takes (one that changes nothing: every instance is opted in already). */
const BODIES: Record<string, unknown> = {
  'PUT /api/instances/:id/relay': { optedIn: true },
  'POST /api/relay/bulk': { ids: ['acme', 'globex'], optedIn: true },
  // A window a year away: scheduled, never started in the test.
  'POST /api/maintenance': {
    name: 'access check',
    ids: ['acme'],
    startsAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
    endsAt: new Date(Date.now() + 366 * 86_400_000).toISOString(),
  },
  'POST /api/notifications/test': {},
}

/** Sends `method path` and answers the status; a stream is closed as soon as its status is known. */
async function statusOf(method: string, path: string, headers: Record<string, string>): Promise<number> {
  const abort = new AbortController()
  const body = BODIES[`${method} ${path}`]
  const res = await fetch(
    `${shared.console.url}${path.replace(':id/relay', 'acme/relay').replace(':id/history', 'acme/history').replace(':id', 'f'.repeat(64))}`,
    {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
    },
  )
  abort.abort()
  return res.status
}

describe('roles on every route', () => {
  it('knows the role of every /api route the router has', () => {
    const routes = shared.console.app.routes
      .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL')
      .filter((r) => !(r.path === '/api/session' && r.method === 'POST'))
      .map((r) => `${r.method} ${r.path}`)
    expect(new Set(routes)).toEqual(new Set(Object.keys(EXPECTED)))
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string]
      expect(requiredAccess(method, path.replace(':id', 'x')).role, route).toBe(EXPECTED[route])
    }
  })

  for (const [route, needed] of Object.entries(EXPECTED)) {
    const [method, path] = route.split(' ') as [string, string]
    for (const role of ROLES) {
      for (const auth of ['session', 'bearer'] as const) {
        const allowed = ROLES.indexOf(role) >= ROLES.indexOf(needed)
        it(`${route}: a ${role} by ${auth} is ${allowed ? 'let through' : 'refused 403'}`, async () => {
          const status = await statusOf(method, path, await credentials(role, auth))
          if (allowed) expect([200, 201, 202, 204, 404]).toContain(status)
          else expect(status).toBe(403)
          // The 404s allowed: revoking a session id that is not open, ending a window that does not exist.
          if (status === 404) expect(['DELETE /api/sessions/:id', 'DELETE /api/maintenance/:id']).toContain(route)
        })
      }
    }
  }

  it("answers 403 forbidden, saying what the role can't do, and changes nothing", async () => {
    const before = await (
      await fetch(`${shared.console.url}/api/audit`, { headers: await credentials('viewer', 'bearer') })
    ).json()
    const res = await fetch(`${shared.console.url}/api/instances/acme/relay`, {
      method: 'PUT',
      headers: { ...(await credentials('viewer', 'session')), 'content-type': 'application/json' },
      body: JSON.stringify({ optedIn: false }),
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: { code: 'forbidden', message: "Viewers can't change the relay" } })
    const after = await (
      await fetch(`${shared.console.url}/api/audit`, { headers: await credentials('viewer', 'bearer') })
    ).json()
    expect(after).toEqual(before)
    const instances = (await (
      await fetch(`${shared.console.url}/api/instances`, { headers: await credentials('viewer', 'bearer') })
    ).json()) as { instances: Array<{ id: string }> }
    expect(instances.instances.find((i) => i.id === 'acme')).toMatchObject({
      optedIn: true,
      pending: null,
    })
  })
})
