/**
 * Sessions across restarts, over real sockets: what an operator signed out of stays signed out, a
 * login link printed before a restart still works once, and a cookie means nothing to another
 * console that happens to share the operator token (docs/api.md, "Sessions").
 */
import { rmSync } from 'node:fs'
import type { RunningConnector } from '@relay-console/connector'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningConsole } from '../service'
import { OPERATOR_TOKEN, tempDir, testConfig, testConnector, testConsole } from '../test-support'

let connector: RunningConnector
const dirs: string[] = []
beforeAll(async () => {
  connector = await testConnector()
})
afterAll(async () => {
  await connector.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A console on its own state directory, and a way to restart it on the same one. */
async function consoleOnDisk() {
  const stateDir = tempDir()
  dirs.push(stateDir)
  const config = testConfig(connector.url, { stateDir, instances: [] })
  let running: RunningConsole = await testConsole(config)
  return {
    get url() {
      return running.url
    },
    get running() {
      return running
    },
    async restart() {
      await running.stop()
      running = await testConsole(config)
    },
    stop: () => running.stop(),
  }
}

/** Signs in as the web app does; answers the headers that prove the session on later requests. */
async function signIn(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: OPERATOR_TOKEN }),
  })
  expect(res.status).toBeLessThan(300)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  return { cookie }
}

const sessionStatus = async (url: string, headers: Record<string, string>) =>
  (await fetch(`${url}/api/session`, { headers })).status

describe('sessions across a restart', () => {
  it('keeps a session open, and a signed-out one closed', async () => {
    const c = await consoleOnDisk()
    const kept = await signIn(c.url)
    const ended = await signIn(c.url)
    expect((await fetch(`${c.url}/api/session`, { method: 'DELETE', headers: ended })).status).toBe(204)
    await c.restart()
    expect(await sessionStatus(c.url, kept)).toBe(200)
    expect(await sessionStatus(c.url, ended)).toBe(401)
    await c.stop()
  })

  it('honours a login link printed before the restart, once', async () => {
    const c = await consoleOnDisk()
    const link = c.running.loginLink()
    await c.restart()
    const path = new URL(link).pathname
    const first = await fetch(`${c.url}${path}`, { redirect: 'manual' })
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).not.toMatch(/link=invalid/)
    const second = await fetch(`${c.url}${path}`, { redirect: 'manual' })
    expect(second.headers.get('location')).toBe('/login?link=invalid')
    await c.stop()
  })
})

describe('the session cookie', () => {
  it('opens nothing at another console with the same operator token', async () => {
    const a = await consoleOnDisk()
    const b = await consoleOnDisk()
    const session = await signIn(a.url)
    expect(await sessionStatus(a.url, session)).toBe(200)
    expect(await sessionStatus(b.url, session)).toBe(401)
    await Promise.all([a.stop(), b.stop()])
  })

  it('is an opaque random id: nothing in it can be checked against a guessed token', async () => {
    const c = await consoleOnDisk()
    const { cookie } = await signIn(c.url)
    expect(cookie).toMatch(/^rc_session=[A-Za-z0-9_-]{43}$/)
    await c.stop()
  })
})
