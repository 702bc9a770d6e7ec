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
async function signIn(url: string): Promise<{ cookie: string; 'x-relay-console-key': string }> {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: OPERATOR_TOKEN }),
  })
  expect(res.status).toBe(200)
  const { key } = (await res.json()) as { key: string }
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  return { cookie, 'x-relay-console-key': key }
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

  it('keeps the tab key valid: the signing key is in the store', async () => {
    const c = await consoleOnDisk()
    const session = await signIn(c.url)
    await c.restart()
    expect(await sessionStatus(c.url, session)).toBe(200)
    await c.stop()
  })

  it('honours a login link printed before the restart, once', async () => {
    const c = await consoleOnDisk()
    const link = await c.running.loginLink()
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

  it('is an opaque random id, worth nothing without the tab key', async () => {
    const c = await consoleOnDisk()
    const { cookie, 'x-relay-console-key': key } = await signIn(c.url)
    expect(await sessionStatus(c.url, { cookie })).toBe(401)
    expect(await sessionStatus(c.url, { cookie, 'x-relay-console-key': key })).toBe(200)
    expect(cookie).toMatch(/^rc_session=[A-Za-z0-9_-]{43}$/)
    await c.stop()
  })

  it('never shows the tab key in the logs, not even the ?k= of the event stream', async () => {
    const c = await consoleOnDisk()
    const { cookie, 'x-relay-console-key': key } = await signIn(c.url)
    const abort = new AbortController()
    const stream = await fetch(`${c.url}/api/events?k=${key}`, { headers: { cookie }, signal: abort.signal })
    expect(stream.status).toBe(200)
    abort.abort()
    await fetch(`${c.url}/api/nothing?k=${key}`, { headers: { cookie } })
    await fetch(`${c.url}/api/events?k=${key}x`, { headers: { cookie } })
    await c.stop()
    const lines = (c.running as RunningConsole & { lines: string[] }).lines.join('\n')
    expect(lines).not.toContain(key)
  })

  it('ends the session’s open event streams at sign-out, and only that session’s', async () => {
    const c = await consoleOnDisk()
    const leaving = await signIn(c.url)
    const staying = await signIn(c.url)
    const open = async (session: { cookie: string; 'x-relay-console-key': string }) => {
      const res = await fetch(`${c.url}/api/events?k=${session['x-relay-console-key']}`, {
        headers: { cookie: session.cookie },
      })
      expect(res.status).toBe(200)
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      await reader.read() // the snapshot
      return reader
    }
    const [gone, kept] = [await open(leaving), await open(staying)]
    expect((await fetch(`${c.url}/api/session`, { method: 'DELETE', headers: leaving })).status).toBe(204)
    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await gone.read()).done) return true
      })(),
      new Promise((resolve) => setTimeout(() => resolve(false), 3000)),
    ])
    expect(ended).toBe(true)
    const stillOpen = await Promise.race([
      kept.read().then(() => false),
      new Promise((resolve) => setTimeout(() => resolve(true), 300)),
    ])
    expect(stillOpen).toBe(true)
    await kept.cancel()
    await c.stop()
  })
})
