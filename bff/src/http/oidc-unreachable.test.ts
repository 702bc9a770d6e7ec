/**
 * Single sign-on whose provider cannot be reached: the console starts anyway, says so to the login
 * page, refuses to start a sign-in (back to the login page, which explains), and local operators
 * sign in as ever.
 */
import type { RunningConnector } from '@relay-console/connector'
import { freePort } from '@relay-console/testkit/ports'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningConsole } from '../service'
import { api, OPERATOR_TOKEN, testConfig, testConnector, testConsole } from '../test-support'

let connector: RunningConnector
let running: RunningConsole & { lines: string[] }

beforeAll(async () => {
  connector = await testConnector()
  // Nothing listens there.
  const issuer = `http://127.0.0.1:${await freePort()}/realms/ops`
  running = await testConsole(
    testConfig(connector.url, {
      oidc: {
        issuer,
        clientId: 'relay-console',
        clientSecret: 'client-secret-that-must-not-leak',
        displayName: 'Keycloak',
        roleClaim: 'groups',
        roles: { ops: 'operator' },
        nameClaim: 'preferred_username',
        scopes: ['openid'],
        redirectUrl: null,
      },
    }),
  )
})
afterAll(async () => {
  await running?.stop()
  await connector?.stop()
})

describe('single sign-on with an unreachable provider', () => {
  it('starts the console, tells the login page, and sends a sign-in back to it', async () => {
    expect(await api(running.url, 'GET', '/auth/options', undefined, {})).toMatchObject({
      status: 200,
      json: { sso: { name: 'Keycloak', available: false } },
    })
    const start = await api(running.url, 'GET', '/auth/oidc/start', undefined, {})
    expect(start.status).toBe(303)
    expect(start.headers.get('location')).toBe('/login?sso=unavailable')
    const callback = await api(running.url, 'GET', '/auth/oidc/callback?code=x&state=y', undefined, {})
    expect(callback.headers.get('location')).toBe('/login?sso=unavailable')
  })

  it('lets local operators sign in as ever', async () => {
    expect((await api(running.url, 'POST', '/api/session', { token: OPERATOR_TOKEN }, {})).status).toBe(200)
    expect((await api(running.url, 'GET', '/api/instances')).status).toBe(200)
  })

  it('logs why, naming the issuer and never the client secret', () => {
    const line = running.lines.find((l) => l.includes('cannot discover the provider'))
    expect(line).toBeDefined()
    expect(line).toContain('/realms/ops')
    expect(running.lines.join('\n')).not.toContain('client-secret-that-must-not-leak')
  })
})
