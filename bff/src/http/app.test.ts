import { describe, expect, it } from 'vitest'
import { consoleForThisFile, OPERATOR_TOKEN } from '../test-support'

const shared = consoleForThisFile()

const BEARER = { authorization: `Bearer ${OPERATOR_TOKEN}` }
/** A body goes as JSON, as every client must send it, unless a test says otherwise. */
const req = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  shared.console.app.request(path, {
    ...init,
    headers: {
      host: 'localhost',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
  })

/** Signs in as the web app does: the cookie, and the tab key from the answer. */
async function signIn(): Promise<{ cookie: string; key: string }> {
  const res = await req('/api/session', { method: 'POST', body: JSON.stringify({ token: OPERATOR_TOKEN }) })
  const { key } = (await res.json()) as { key: string }
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', key }
}

describe('operator authentication', () => {
  it('guards every /api route but the login itself', async () => {
    const routes = shared.console.app.routes
      .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL')
      .filter((r) => !(r.path === '/api/session' && r.method === 'POST'))
    const seen = new Set(routes.map((r) => `${r.method} ${r.path}`))
    expect(seen).toEqual(
      new Set([
        'GET /api/session',
        'DELETE /api/session',
        'POST /api/session/sign-out-everywhere',
        'GET /api/sessions',
        'DELETE /api/sessions/:id',
        'GET /api/instances',
        'PUT /api/instances/:id/relay',
        'POST /api/relay/bulk',
        'GET /api/instances/:id/history',
        'GET /api/audit',
        'GET /api/events',
        'GET /api/cluster',
        'GET /api/maintenance',
        'POST /api/maintenance',
        'DELETE /api/maintenance/:id',
        'GET /api/notifications',
        'GET /api/notifications/deliveries',
        'POST /api/notifications/test',
      ]),
    )
    for (const route of routes) {
      const path = route.path.replace(':id', 'acme')
      const res = await req(path, {
        method: route.method,
        body: route.method === 'PUT' ? '{"optedIn":true}' : undefined,
      })
      expect(res.status, `${route.method} ${path}`).toBe(401)
      expect((await res.json()) as any).toEqual({
        error: { code: 'unauthenticated', message: 'log in with your operator token' },
      })
    }
  })

  it('opens a session for the right token: an HttpOnly SameSite=Strict cookie, and the tab key in the answer', async () => {
    const res = await req('/api/session', { method: 'POST', body: JSON.stringify({ token: OPERATOR_TOKEN }) })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const { key } = (await res.json()) as { key: string }
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^rc_session=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Strict$/)
    const proof = { cookie: cookie.split(';')[0] ?? '', 'x-relay-console-key': key }
    expect(await (await req('/api/session', { headers: proof })).json()).toEqual({
      authenticated: true,
      operator: { name: 'admin', role: 'admin' },
      via: 'token',
    })
    expect(await (await req('/api/instances', { headers: proof })).json()).toMatchObject({ rev: expect.any(Number) })

    const out = await req('/api/session', { method: 'DELETE', headers: proof })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toMatch(/^rc_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/)
    expect((await req('/api/session', { headers: proof })).status).toBe(401)
  })

  it('refuses the cookie alone, or with a key that is not its own (a neighbour on another port)', async () => {
    const a = await signIn()
    const b = await signIn()
    const altered = `${a.key.slice(0, -1)}${a.key.endsWith('A') ? 'B' : 'A'}`
    const attempts: Array<Record<string, string>> = [
      { cookie: a.cookie },
      { cookie: a.cookie, 'x-relay-console-key': b.key },
      { cookie: a.cookie, 'x-relay-console-key': altered },
      { cookie: a.cookie, 'x-relay-console-key': '' },
      { 'x-relay-console-key': a.key },
    ]
    for (const headers of attempts) {
      const res = await req('/api/instances', { headers })
      expect(res.status, JSON.stringify(headers)).toBe(401)
      expect(((await res.json()) as any).error.code).toBe('unauthenticated')
    }
    expect((await req('/api/instances', { headers: { cookie: a.cookie, 'x-relay-console-key': a.key } })).status).toBe(
      200,
    )
  })

  it('takes the key as ?k= on the event stream only', async () => {
    const { cookie, key } = await signIn()
    expect((await req(`/api/instances?k=${key}`, { headers: { cookie } })).status).toBe(401)
    expect((await req(`/api/session?k=${key}`, { headers: { cookie } })).status).toBe(401)
    // Over a real socket: the stream writes to Node's response itself.
    const abort = new AbortController()
    const stream = await fetch(`${shared.console.url}/api/events?k=${key}`, {
      headers: { cookie },
      signal: abort.signal,
    })
    expect(stream.status).toBe(200)
    abort.abort()
    const keyless = await fetch(`${shared.console.url}/api/events`, { headers: { cookie } })
    expect(keyless.status).toBe(401)
  })

  it('names the cookie __Host-rc_session and marks it Secure over HTTPS', async () => {
    const res = await shared.console.app.request('https://localhost/api/session', {
      method: 'POST',
      body: JSON.stringify({ token: OPERATOR_TOKEN }),
      headers: { host: 'localhost', 'content-type': 'application/json' },
    })
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(
      /^__Host-rc_session=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    )
    const { key } = (await res.json()) as { key: string }
    const headers = { host: 'localhost', cookie: cookie.split(';')[0] ?? '', 'x-relay-console-key': key }
    expect((await shared.console.app.request('https://localhost/api/session', { headers })).status).toBe(200)
    // The plain-HTTP name is another cookie: the secure one is not read from it.
    const plain = { ...headers, cookie: headers.cookie.replace('__Host-', '') }
    expect((await shared.console.app.request('https://localhost/api/session', { headers: plain })).status).toBe(401)
  })

  it('accepts the bearer token, and refuses a wrong one', async () => {
    expect((await req('/api/session', { headers: BEARER })).status).toBe(200)
    expect((await req('/api/session', { headers: { authorization: 'Bearer nope' } })).status).toBe(401)
  })

  it('refuses a wrong token with a clear message', async () => {
    const res = await req('/api/session', { method: 'POST', body: JSON.stringify({ token: 'wrong' }) })
    expect(res.status).toBe(401)
    expect((await res.json()) as any).toEqual({
      error: { code: 'invalid_token', message: 'that operator token is not valid' },
    })
  })

  it('logs in once through a login link, handing the tab key over in the fragment, and never twice', async () => {
    const code = (await shared.console.loginLink()).split('/auth/link/')[1] ?? ''
    const first = await req(`/auth/link/${code}`)
    expect(first.status).toBe(303)
    expect(first.headers.get('cache-control')).toBe('no-store')
    const key = /^\/#k=([A-Za-z0-9_-]{43})$/.exec(first.headers.get('location') ?? '')?.[1]
    expect(key).toBeDefined()
    expect(first.headers.get('set-cookie')).toMatch(/^rc_session=/)
    const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? ''
    expect((await req('/api/session', { headers: { cookie, 'x-relay-console-key': key ?? '' } })).status).toBe(200)
    const second = await req(`/auth/link/${code}`)
    expect(second.headers.get('location')).toBe('/login?link=invalid')
    expect(second.headers.get('set-cookie')).toBeNull()
  })
})

describe('request guards', () => {
  it('refuses a Host it does not answer for (DNS rebinding)', async () => {
    const res = await shared.console.app.request('/api/instances', { headers: { host: 'evil.example', ...BEARER } })
    expect(res.status).toBe(421)
    expect(((await res.json()) as any).error.code).toBe('unknown_host')
  })

  it('refuses cross-site state changes whatever the credentials', async () => {
    const put = (headers: Record<string, string>) =>
      req('/api/instances/acme/relay', { method: 'PUT', body: '{"optedIn":true}', headers: { ...BEARER, ...headers } })
    expect((await put({ origin: 'https://evil.example' })).status).toBe(403)
    expect((await put({ origin: 'null' })).status).toBe(403)
    expect((await put({ 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await put({ origin: 'http://localhost', 'sec-fetch-site': 'same-origin' })).status).toBe(200)
    const login = await req('/api/session', {
      method: 'POST',
      body: JSON.stringify({ token: OPERATOR_TOKEN }),
      headers: { origin: 'https://evil.example' },
    })
    expect(login.status).toBe(403)
  })
})

describe('media types', () => {
  it('refuses a PUT or POST whose body is not application/json (415), and takes JSON with parameters', async () => {
    const put = (type: string) =>
      req('/api/instances/acme/relay', {
        method: 'PUT',
        body: '{"optedIn":true}',
        headers: { ...BEARER, 'content-type': type },
      })
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await put(type)
      expect(res.status, type).toBe(415)
      expect(((await res.json()) as any).error.code).toBe('unsupported_media_type')
    }
    const login = await req('/api/session', {
      method: 'POST',
      body: `token=${OPERATOR_TOKEN}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(login.status).toBe(415)
    expect(login.headers.get('set-cookie')).toBeNull()
    expect((await put('application/json; charset=utf-8')).status).toBe(200)
    expect((await put('Application/JSON')).status).toBe(200)
  })

  it('takes a DELETE without a body', async () => {
    expect((await req('/api/session', { method: 'DELETE', headers: BEARER })).status).toBe(204)
  })
})

describe('bad input changes nothing', () => {
  const put = (body: string, headers: Record<string, string> = {}) =>
    req('/api/instances/acme/relay', { method: 'PUT', body, headers: { ...BEARER, ...headers } })

  it.each([
    ['malformed JSON', '{"optedIn":', 400, 'invalid_json'],
    ['a wrong type', '{"optedIn":"no"}', 400, 'invalid_body'],
    ['an unknown field', '{"optedIn":false,"force":true}', 400, 'invalid_body'],
    ['no body', '', 400, 'invalid_json'],
    ['an array', '[false]', 400, 'invalid_body'],
  ])('%s → %i %s', async (_name, body, status, code) => {
    const before = ((await (await req('/api/instances', { headers: BEARER })).json()) as any).rev
    const res = await put(body)
    expect(res.status).toBe(status)
    const json = (await res.json()) as any
    expect(json.error.code).toBe(code)
    expect(typeof json.error.message).toBe('string')
    expect(((await (await req('/api/instances', { headers: BEARER })).json()) as any).rev).toBe(before)
  })

  it('names the unknown field', async () => {
    expect(((await (await put('{"optedIn":false,"force":true}')).json()) as any).error.message).toBe(
      'unknown field(s) force',
    )
  })

  it('answers 413 to a body over 64 KB', async () => {
    const res = await put(JSON.stringify({ optedIn: false, pad: 'x'.repeat(70_000) }))
    expect(res.status).toBe(413)
    expect(((await res.json()) as any).error.code).toBe('body_too_large')
  })

  it('answers 404 for an unknown instance, and for an unknown /api route', async () => {
    const res = await req('/api/instances/nobody/relay', { method: 'PUT', body: '{"optedIn":false}', headers: BEARER })
    expect(res.status).toBe(404)
    expect((await res.json()) as any).toEqual({
      error: { code: 'unknown_instance', message: 'no instance with id nobody' },
    })
    expect((await req('/api/instances/nobody/history', { headers: BEARER })).status).toBe(404)
    expect((await req('/api/nothing', { headers: BEARER })).status).toBe(404)
  })

  it('throttles repeated failed logins', async () => {
    const attempts: number[] = []
    for (let i = 0; i < 12; i++) {
      const res = await shared.console.app.request(
        '/api/session',
        {
          method: 'POST',
          body: JSON.stringify({ token: `wrong-${i}` }),
          headers: { host: 'localhost', 'content-type': 'application/json' },
        },
        { incoming: { socket: { remoteAddress: '203.0.113.9' } } },
      )
      attempts.push(res.status)
    }
    expect(attempts.slice(0, 10).every((s) => s === 401)).toBe(true)
    expect(attempts.slice(10)).toEqual([429, 429])
  })
})

describe('the failed-login throttle', () => {
  const from = (address: string, path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    shared.console.app.request(
      path,
      {
        ...init,
        headers: {
          host: 'localhost',
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
      },
      { incoming: { socket: { remoteAddress: address } } },
    )
  const login = (address: string, token: string) =>
    from(address, '/api/session', { method: 'POST', body: JSON.stringify({ token }) })

  it('never locks out the right credential: a valid login or bearer passes while failures are refused', async () => {
    const address = '203.0.113.20'
    for (let i = 0; i < 10; i++) expect((await login(address, `wrong-${i}`)).status).toBe(401)
    const blocked = await login(address, 'wrong-again')
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await login(address, OPERATOR_TOKEN)).status).toBe(200)
    expect((await from(address, '/api/instances', { headers: BEARER })).status).toBe(200)
    // A success does not wipe the slate: another process at the same address keeps its block.
    expect((await login(address, 'wrong-after')).status).toBe(429)
    const wrongBearer = await from(address, '/api/instances', { headers: { authorization: 'Bearer wrong' } })
    expect(wrongBearer.status).toBe(429)
    expect(wrongBearer.headers.get('retry-after')).not.toBeNull()
  })
})

describe('other routes', () => {
  it('answers /healthz without auth, naming the replica', async () => {
    const res = await req('/healthz')
    expect((await res.json()) as any).toEqual({ status: 'ok', replica: expect.stringMatching(/-\d+-[0-9a-f]{6}$/) })
  })

  it('answers /api/cluster with this process alone, holding every instance', async () => {
    const res = await req('/api/cluster', { headers: BEARER })
    const body = (await res.json()) as any
    expect(body).toMatchObject({ self: expect.any(String), replicas: [{ listen: shared.console.url }] })
    expect(body.replicas[0]).toMatchObject({ id: body.self, owned: expect.any(Number) })
    expect(body.replicas[0].owned).toBeGreaterThan(0)
  })

  it('exposes Prometheus metrics', async () => {
    const text = await (await req('/metrics')).text()
    for (const name of [
      'relay_console_transports',
      'relay_console_dials_total',
      'relay_console_sse_clients',
      'relay_console_event_fanout_seconds',
      'relay_console_http_request_duration_seconds',
      'relay_console_platform_transitions_total',
    ]) {
      expect(text).toContain(name)
    }
  })

  it('tells the operator when the web app is not built', async () => {
    const res = await req('/')
    expect(res.status).toBe(503)
    expect(await res.text()).toMatch(/web app is not built/)
  })
})
