/**
 * Security headers on every response (docs/api.md, "Security headers"): a Content-Security-Policy
 * whose scripts are this origin's files plus the hash of each inline script in the index.html the
 * console serves, no framing by anyone, no MIME sniffing, no Referer, and no caching of the API.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunningConnector } from '@relay-console/connector'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningConsole } from '../service'
import { OPERATOR_TOKEN, tempDir, testConfig, testConnector, testConsole } from '../test-support'

const THEME = "\n      ;(() => { document.documentElement.dataset.theme = 'dark' })()\n    "
const OTHER = 'window.x = 1'
const INDEX = `<!doctype html><html><head><script>${THEME}</script><script type="module" src="/assets/app.js"></script><script>${OTHER}</script></head><body><div id="root"></div></body></html>`
const sha = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

let connector: RunningConnector
let running: RunningConsole
let webRoot: string
beforeAll(async () => {
  webRoot = tempDir('relay-console-web-')
  mkdirSync(join(webRoot, 'assets'))
  writeFileSync(join(webRoot, 'index.html'), INDEX)
  writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1)')
  connector = await testConnector()
  running = await testConsole(testConfig(connector.url, { instances: [] }), { webRoot })
})
afterAll(async () => {
  await running.stop()
  await connector.stop()
  rmSync(webRoot, { recursive: true, force: true })
})

const get = (path: string, headers: Record<string, string> = {}) =>
  running.app.request(path, { headers: { host: 'localhost', ...headers } })

function directives(csp: string | null): Map<string, string[]> {
  return new Map(
    (csp ?? '').split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/)
      return [name, values] as const
    }),
  )
}

describe('security headers', () => {
  const everywhere = [
    ['the app shell', '/'],
    ['a client route', '/login'],
    ['an asset', '/assets/app.js'],
    ['the API', '/api/instances'],
    ['a refusal', '/api/nothing'],
    ['health', '/healthz'],
    ['metrics', '/metrics'],
    ['the login link', '/auth/link/nope'],
  ] as const

  it.each(everywhere)('are on %s', async (_what, path) => {
    const res = await get(path)
    const csp = directives(res.headers.get('content-security-policy'))
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.get('base-uri')).toEqual(["'none'"])
    expect(csp.get('form-action')).toEqual(["'self'"])
    expect(csp.get('connect-src')).toEqual(["'self'"])
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  })

  it('allow scripts from this origin and the inline scripts of the served index.html, by hash only', async () => {
    const scripts = directives((await get('/')).headers.get('content-security-policy')).get('script-src')
    expect(scripts).toEqual(["'self'", sha(THEME), sha(OTHER)])
    expect(scripts?.join(' ')).not.toMatch(/unsafe/)
  })

  it('let in a <style> only with the page’s own nonce, a new one each time the page is served', async () => {
    const first = await get('/')
    const second = await get('/login')
    const nonceOf = async (res: Response) => {
      const html = await res.text()
      const meta = /<meta property="csp-nonce" nonce="([A-Za-z0-9+/=_-]{22,})">/.exec(html)?.[1]
      expect(directives(res.headers.get('content-security-policy')).get('style-src')).toEqual([
        "'self'",
        `'nonce-${meta}'`,
      ])
      expect(html).toContain(`<script>${THEME}</script>`)
      return meta
    }
    expect(await nonceOf(first)).not.toBe(await nonceOf(second))
    expect(first.headers.get('cache-control')).toBe('no-store')
  })

  it('keep every API answer out of caches, refusals included', async () => {
    for (const path of ['/api/instances', '/api/session', '/api/nothing']) {
      expect((await get(path)).headers.get('cache-control'), path).toBe('no-store')
      expect((await get(path, { authorization: `Bearer ${OPERATOR_TOKEN}` })).headers.get('cache-control')).toBe(
        'no-store',
      )
    }
    expect((await get('/assets/app.js')).headers.get('cache-control')).toMatch(/immutable/)
  })

  it('are on the event stream too, which stays uncached and untransformed', async () => {
    const abort = new AbortController()
    const res = await fetch(`${running.url}/api/events`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      signal: abort.signal,
    })
    expect(res.headers.get('cache-control')).toBe('no-store, no-transform')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(directives(res.headers.get('content-security-policy')).get('frame-ancestors')).toEqual(["'none'"])
    abort.abort()
  })
})
