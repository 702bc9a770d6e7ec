import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { consoleApi } from './console-api'
import { TOKENS } from './tokens'

describe('consoleApi', () => {
  it("sends the operator's bearer and a JSON body, and answers status and JSON whatever the status", async () => {
    const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = []
    const server = createServer(async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      const status = req.method === 'PUT' ? 409 : 200
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const api = consoleApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
      await expect(api('GET', '/api/instances')).resolves.toEqual({ status: 200, json: { status: 200 } })
      await expect(api('PUT', '/api/instances/a/relay', { optedIn: false })).resolves.toEqual({
        status: 409,
        json: { status: 409 },
      })
      expect(seen.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
        { method: 'GET', url: '/api/instances', body: '' },
        { method: 'PUT', url: '/api/instances/a/relay', body: '{"optedIn":false}' },
      ])
      for (const { headers } of seen) expect(headers.authorization).toBe(`Bearer ${TOKENS.RELAY_CONSOLE_TOKEN}`)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
