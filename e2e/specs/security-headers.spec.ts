import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '../fixtures'
import { SHARED_CONSOLE_URL } from '../support/env'

/** A page served from another port of 127.0.0.1: another origin, but the same site, as a neighbour's would be. */
async function servePage(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

test('a page on another port of the same host cannot frame the console, even signed in', async ({
  page,
  consolePage,
  cspViolations,
}) => {
  await consolePage.open()
  const control = await servePage('<p>framable</p>')
  const neighbour = await servePage(
    `<iframe id="console" src="${SHARED_CONSOLE_URL}/" onload="document.body.dataset.console = 'loaded'"></iframe>
     <iframe id="control" src="${control.url}" onload="document.body.dataset.control = 'loaded'"></iframe>`,
  )
  try {
    await page.goto(neighbour.url)
    await expect(page.locator('body')).toHaveAttribute('data-console', 'loaded')
    await expect(page.locator('body')).toHaveAttribute('data-control', 'loaded')
    // The control frame shows its page, so framing works from here; the console's shows nothing of it.
    await expect(page.frameLocator('#control').getByText('framable')).toBeVisible()
    const framed = page.frames().filter((f) => f.parentFrame() !== null && f.url() !== control.url)
    expect(framed.map((f) => f.url())).toEqual(['chrome-error://chromewebdata/'])
    await expect(page.frameLocator('#console').locator('#root')).toHaveCount(0)
    // It is the console's own policy that refused: the one violation this test expects, and takes.
    await expect.poll(() => cspViolations.length).toBe(1)
    expect(cspViolations.splice(0)).toEqual([
      expect.stringMatching(/Framing 'http:\/\/127\.0\.0\.1:\d+\/'.*frame-ancestors 'none'/s),
    ])
  } finally {
    await Promise.all([neighbour.close(), control.close()])
  }
})

test('the console answers with its security headers', async ({ page }) => {
  const res = await page.request.get('/login')
  const headers = res.headers()
  expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/)
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/)
  expect(headers['x-frame-options']).toBe('DENY')
  expect(headers['x-content-type-options']).toBe('nosniff')
  expect(headers['referrer-policy']).toBe('no-referrer')
})
