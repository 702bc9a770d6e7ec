/**
 * The tab key (docs/api.md, "Sessions"): kept from sign-in or the login link's fragment, sent with
 * every request and on the event stream, dropped at sign-out; without it the console answers 401
 * and the operator is sent back to sign in.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, onUnauthenticated, openEventStream } from './api-client'
import { adoptTabKeyFromFragment, readTabKey } from './tab-key'

const KEY = 'k'.repeat(43)
const calls: Array<{ path: string; init: RequestInit }> = []

function answer(status: number, body: unknown) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init: RequestInit) => {
      calls.push({ path, init })
      return new Response(body === null ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      })
    }),
  )
}

const headerOf = (i: number) => new Headers(calls[i]?.init.headers).get('x-relay-console-key')

const toLogin = vi.fn()
onUnauthenticated(toLogin)

beforeEach(() => {
  calls.length = 0
  localStorage.clear()
  toLogin.mockClear()
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the tab key', () => {
  it('is kept from the sign-in answer and sent with every request', async () => {
    answer(200, { key: KEY })
    await api.login('the-operator-token')
    expect(readTabKey()).toBe(KEY)
    answer(200, { rev: 1, instances: [] })
    await api.getInstances()
    expect(headerOf(1)).toBe(KEY)
  })

  it('goes on the event stream as ?k=, the one place a header cannot be set', () => {
    const opened: string[] = []
    vi.stubGlobal(
      'EventSource',
      class {
        constructor(url: string) {
          opened.push(url)
        }
      },
    )
    localStorage.setItem('relay-console.key', KEY)
    openEventStream()
    localStorage.clear()
    openEventStream()
    expect(opened).toEqual([`/api/events?k=${KEY}`, '/api/events'])
  })

  it('is dropped at sign-out, even when the console already forgot the session', async () => {
    localStorage.setItem('relay-console.key', KEY)
    answer(401, { error: { code: 'unauthenticated', message: 'log in with the operator token' } })
    await api.logout().catch(() => {})
    expect(readTabKey()).toBeNull()
  })

  it('missing, makes the console answer 401, which sends the operator to sign in', async () => {
    answer(401, { error: { code: 'unauthenticated', message: 'log in with the operator token' } })
    await expect(api.getInstances()).rejects.toMatchObject({ status: 401 })
    expect(headerOf(0)).toBeNull()
    expect(toLogin).toHaveBeenCalledTimes(1)
  })

  it('is taken from the login link’s fragment, which is then cleared from the address bar', () => {
    window.history.replaceState(null, '', `/#k=${KEY}`)
    adoptTabKeyFromFragment()
    expect(readTabKey()).toBe(KEY)
    expect(window.location.hash).toBe('')
    expect(window.location.pathname).toBe('/')
    window.history.replaceState(null, '', '/#other')
    adoptTabKeyFromFragment()
    expect(window.location.hash).toBe('#other')
  })
})
