/**
 * The console end to end against a hostile connector: a stub on an ephemeral port on 127.0.0.1
 * that provisions normally, then answers every deprovision with a 5 MB error. Its words must
 * reach neither the API, nor the audit, nor the logs whole (docs/relay-contract.md §6).
 */

import { rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { api, testConfig, testConsole, until } from './test-support'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const HUGE_ERROR = JSON.stringify({ error: `refused ${'x'.repeat(5 * 1024 * 1024)}` })

async function hostileConnector() {
  let deprovisions = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      if (req.url === '/relay/provision') {
        const { gatewayId } = JSON.parse(body)
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ secret: `s_${gatewayId}_0123456789abcdef`, secretIssued: true, gatewayId }))
      } else if (req.url === '/manage/deprovision') {
        deprovisions += 1
        res.writeHead(500, { 'content-type': 'application/json' }).end(HUGE_ERROR)
      } else res.writeHead(404).end()
    })
  })
  // No relay socket here: upgrades are dropped, and the instances keep retrying.
  server.on('upgrade', (_req, socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deprovisions: () => deprovisions,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve)
        server.closeAllConnections()
      }),
  }
}

describe('a connector that answers with a huge error', () => {
  it('gets a short 502 and short audit entries, and the audit still reads afterwards', async () => {
    const connector = await hostileConnector()
    cleanups.push(() => connector.close())
    const config = testConfig(connector.url)
    cleanups.push(() => rmSync(config.stateDir, { recursive: true, force: true }))
    const running = await testConsole(config)
    cleanups.push(() => running.stop())
    await until('acme provisioned', async () =>
      (await api(running.url, 'GET', '/api/audit?instanceId=acme')).json.entries.some(
        (e: any) => e.action === 'opt_in' && e.result === 'ok',
      ),
    )

    const res = await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    expect(res.status).toBe(502)
    expect(res.json.error.message).toMatch(/^connector answered \/manage\/deprovision with HTTP 500/)
    expect(JSON.stringify(res.json).length).toBeLessThan(2000)

    // The reconciler retries, and each retry is audited: none of them may store the reply.
    await until('retried', async () => connector.deprovisions() >= 3)
    const audit = await api(running.url, 'GET', '/api/audit')
    expect(audit.status).toBe(200)
    const details = audit.json.entries.map((e: any) => e.detail ?? '')
    expect(details.some((d: string) => d.includes('HTTP 500'))).toBe(true)
    for (const detail of details) expect(detail.length).toBeLessThan(1000)
    for (const line of running.lines) expect(line.length).toBeLessThan(4000)
  })
})
