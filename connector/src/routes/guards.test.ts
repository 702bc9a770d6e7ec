import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningConnector } from '../connector'
import { dial, IDENTITY, provision, startTestConnector, tokenFor } from '../test-support'

const running: RunningConnector[] = []
async function start(options: Parameters<typeof startTestConnector>[0] = {}) {
  const c = await startTestConnector(options)
  running.push(c)
  return c
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()))
})

interface Answer {
  status: number
  retryAfter: string | undefined
  json: any
}

/** A request over node:http, which (unlike fetch) lets a test send any `Host`. */
function call(
  c: RunningConnector,
  method: string,
  path: string,
  options: { bearer?: string | null; host?: string; body?: unknown } = {},
): Promise<Answer> {
  const body = options.body === undefined ? '' : JSON.stringify(options.body)
  const headers: Record<string, string> = {
    host: options.host ?? `127.0.0.1:${c.port}`,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  }
  const bearer = options.bearer === undefined ? c.adminToken : options.bearer
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`
  return new Promise((resolve, reject) => {
    const req = request({ host: new URL(c.httpUrl).hostname, port: c.port, method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        text += chunk
      })
      res.on('end', () => {
        const retryAfter = res.headers['retry-after']
        resolve({ status: res.statusCode ?? 0, retryAfter, json: text === '' ? null : JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

const provisionBody = (gatewayId: string) => ({
  gatewayId,
  platform: 'discord',
  botId: '1',
  gatewayEndpoint: '',
  routeKeys: [],
})

const THREE = { authThrottle: { maxFailures: 3, windowMs: 60_000 } }

describe('throttling of failed authentications', () => {
  it('answers 429 with Retry-After to a client whose identity tokens keep failing, yet lets a valid one through', async () => {
    const c = await start(THREE)
    for (let i = 0; i < 3; i++) {
      const refused = await call(c, 'POST', '/relay/provision', { bearer: `idt_guess_${i}`, body: provisionBody('g') })
      expect(refused.status).toBe(401)
    }
    const blocked = await call(c, 'POST', '/relay/provision', { bearer: 'idt_guess_4', body: provisionBody('g') })
    expect(blocked).toMatchObject({ status: 429, json: { error: 'too many failed attempts; try again later' } })
    expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(59)
    const enroll = await call(c, 'POST', '/relay/enroll', {
      bearer: 'idt_guess_5',
      body: { enrollmentToken: 'enr_x', gatewayId: 'g' },
    })
    expect(enroll.status).toBe(429)
    // The operator is never locked out by someone else's failures on the same address.
    const valid = await call(c, 'POST', '/relay/provision', { bearer: IDENTITY, body: provisionBody('g') })
    expect(valid.status).toBe(200)
  })

  it('does the same for the admin token', async () => {
    const c = await start(THREE)
    for (let i = 0; i < 3; i++) expect((await call(c, 'GET', '/admin/status', { bearer: `adm_${i}` })).status).toBe(401)
    const blocked = await call(c, 'GET', '/admin/status', { bearer: 'adm_4' })
    expect(blocked.status).toBe(429)
    expect(blocked.retryAfter).toMatch(/^\d+$/)
    expect((await call(c, 'GET', '/admin/status')).status).toBe(200)
    // Failures on one route count for the client on the others.
    expect((await call(c, 'POST', '/relay/provision', { bearer: 'idt_x', body: provisionBody('g') })).status).toBe(429)
  })

  it('does the same for the bearer of /manage/deprovision, per gateway', async () => {
    const c = await start(THREE)
    const secret = await provision(c, 'gw-a')
    const secretB = await provision(c, 'gw-b')
    const deprovision = (gatewayId: string, s: string) =>
      call(c, 'POST', '/manage/deprovision', { bearer: tokenFor(gatewayId, s), body: {} })
    for (let i = 0; i < 3; i++) expect((await deprovision('gw-a', `wrong-${i}`)).status).toBe(401)
    expect((await deprovision('gw-a', 'wrong')).status).toBe(429)
    // Another gateway's stale credential is still told 401: a console reads that as "already out".
    expect((await deprovision('gw-b', 'wrong')).status).toBe(401)
    expect((await deprovision('gw-a', secret)).json).toMatchObject({ revoked: true, alreadyRevoked: false })
    expect((await deprovision('gw-b', secretB)).status).toBe(200)
    // Tokens that name no known gateway count for the client's address.
    for (let i = 0; i < 3; i++) expect((await deprovision(`gw-none-${i}`, 'x')).status).toBe(401)
    expect((await deprovision('gw-none-4', 'x')).status).toBe(429)
  })

  it('does not count requests that carry no credential', async () => {
    const c = await start(THREE)
    for (let i = 0; i < 5; i++) expect((await call(c, 'GET', '/admin/status', { bearer: null })).status).toBe(401)
    expect((await call(c, 'GET', '/admin/status', { bearer: 'adm_wrong' })).status).toBe(401)
  })
})

describe('the Host check', () => {
  it('refuses the admin API and provisioning for a Host other than a loopback name on its own port', async () => {
    const c = await start()
    for (const host of ['evil.example', `evil.example:${c.port}`, `127.0.0.1:${c.port + 1}`, '127.0.0.1']) {
      const admin = await call(c, 'GET', '/admin/status', { host })
      expect(admin).toMatchObject({ status: 421, json: { error: expect.stringMatching(/Host/) } })
      const provisioned = await call(c, 'POST', '/relay/provision', {
        host,
        bearer: IDENTITY,
        body: provisionBody('g'),
      })
      expect(provisioned.status).toBe(421)
      const enrolled = await call(c, 'POST', '/relay/enroll', {
        host,
        bearer: IDENTITY,
        body: { enrollmentToken: 'enr_x', gatewayId: 'g' },
      })
      expect(enrolled.status).toBe(421)
    }
    for (const host of [`127.0.0.1:${c.port}`, `localhost:${c.port}`, `[::1]:${c.port}`, `LOCALHOST:${c.port}`]) {
      expect((await call(c, 'GET', '/admin/status', { host })).status).toBe(200)
    }
  })

  it('accepts the hosts it was told to', async () => {
    const c = await start({ allowedHosts: ['connector.example', 'relay.example:443'] })
    const ok = (host: string) =>
      call(c, 'POST', '/relay/provision', { host, bearer: IDENTITY, body: provisionBody('g') })
    expect((await ok('connector.example')).status).toBe(200)
    expect((await ok(`connector.example:${c.port}`)).status).toBe(200)
    expect((await ok('relay.example:443')).status).toBe(200)
    expect((await ok('relay.example:444')).status).toBe(421)
  })

  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address

  it.runIf(lanAddress !== undefined)('answers for the address it listens on, on its own port', async () => {
    const c = await start({ host: lanAddress })
    const provisionAt = (host: string) =>
      call(c, 'POST', '/relay/provision', { host, bearer: IDENTITY, body: provisionBody('g') })
    expect((await provisionAt(`${lanAddress}:${c.port}`)).status).toBe(200)
    expect((await provisionAt(`${lanAddress}:${c.port + 1}`)).status).toBe(421)
  })

  it('leaves the relay upgrade, deprovision and the health check alone, whatever the Host', async () => {
    const c = await start()
    const secret = await provision(c, 'gw-a')
    const peer = dial(c.url, tokenFor('gw-a', secret), { headers: { host: 'gateway-side-name.example' } })
    await peer.opened
    peer.send({ type: 'hello', platform: 'discord', botId: '1' })
    await peer.next('descriptor')
    peer.ws.close()
    expect((await call(c, 'GET', '/healthz', { host: 'any.example', bearer: null })).status).toBe(200)
    const out = await call(c, 'POST', '/manage/deprovision', {
      host: 'any.example',
      bearer: tokenFor('gw-a', secret),
      body: {},
    })
    expect(out.status).toBe(200)
  })
})
