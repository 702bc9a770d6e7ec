/**
 * `trustProxy` (docs/configuration.md): X-Forwarded-For and X-Forwarded-Proto are believed only from
 * a configured proxy, so no client can pick the address its failed logins are counted under, nor
 * pass itself off as HTTPS.
 */
import { connect } from 'node:net'
import type { RunningConnector } from '@relay-console/connector'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningConsole } from '../service'
import { OPERATOR_TOKEN, testConfig, testConnector, testConsole } from '../test-support'

let connector: RunningConnector
let running: RunningConsole
beforeAll(async () => {
  connector = await testConnector()
  running = await testConsole(testConfig(connector.url, { instances: [], trustProxy: ['10.0.0.0/8', '::1'] }))
})
afterAll(async () => {
  await running.stop()
  await connector.stop()
})

const PROXY = '10.1.2.3'
const STRANGER = '198.51.100.7'

function post(peer: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return running.app.request(
    path,
    {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { host: 'localhost', 'content-type': 'application/json', ...headers },
    },
    { incoming: { socket: { remoteAddress: peer } } },
  )
}

async function failTenTimes(peer: string, headers: Record<string, string>) {
  for (let i = 0; i < 10; i++) {
    expect((await post(peer, '/api/session', { token: `wrong-${i}` }, headers)).status).toBe(401)
  }
}

describe('X-Forwarded-For', () => {
  it('from a trusted proxy: failures count against the client it names (the right-most untrusted hop)', async () => {
    await failTenTimes(PROXY, { 'x-forwarded-for': '192.0.2.50, 203.0.113.1, 10.9.9.9' })
    const blocked = await post(PROXY, '/api/session', { token: 'x' }, { 'x-forwarded-for': '203.0.113.1' })
    expect(blocked.status).toBe(429)
    // Another client behind the same proxy is not locked out, and neither is the proxy itself.
    expect((await post(PROXY, '/api/session', { token: 'x' }, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(401)
    expect((await post('::ffff:10.1.2.3', '/api/session', { token: 'x' })).status).toBe(401)
  })

  it('from anyone else: ignored, so a client cannot dodge its block by naming another address', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await post(STRANGER, '/api/session', { token: `wrong-${i}` }, { 'x-forwarded-for': `192.0.2.${i}` })
      expect(res.status).toBe(401)
    }
    const res = await post(STRANGER, '/api/session', { token: 'x' }, { 'x-forwarded-for': '192.0.2.200' })
    expect(res.status).toBe(429)
  })
})

describe('X-Forwarded-Proto', () => {
  const signIn = (peer: string) =>
    post(peer, '/api/session', { token: OPERATOR_TOKEN }, { 'x-forwarded-proto': 'https', origin: 'https://localhost' })

  it('from a trusted proxy: the request came over HTTPS (Secure __Host- cookie, https origin)', async () => {
    const res = await signIn(PROXY)
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toMatch(/^__Host-rc_session=[^;]+;.*; Secure/)
  })

  it('from anyone else: ignored — a plain-HTTP cookie, and an https Origin is foreign', async () => {
    const res = await signIn(STRANGER)
    expect(res.status).toBe(403)
    const plain = await post(STRANGER, '/api/session', { token: OPERATOR_TOKEN }, { 'x-forwarded-proto': 'https' })
    expect(plain.status).toBe(200)
    expect(plain.headers.get('set-cookie')).toMatch(/^rc_session=/)
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/)
  })

  it('takes the scheme from the socket, never from an absolute request target over plain HTTP', async () => {
    const body = JSON.stringify({ token: OPERATOR_TOKEN })
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(running.port, '127.0.0.1', () => {
        socket.end(
          `POST https://localhost/api/session HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        )
      })
      let text = ''
      socket.on('data', (chunk) => {
        text += chunk
      })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    expect(answer).toMatch(/^HTTP\/1\.1 200/)
    expect(answer).toMatch(/\r\nset-cookie: rc_session=/i)
    expect(answer).not.toMatch(/Secure/)
  })
})
