/**
 * The console end to end against hostile connectors: stubs on ephemeral ports on 127.0.0.1 that
 * provision normally, then answer every deprovision with a 5 MB error (its words must reach
 * neither the API, nor the audit, nor the logs whole; docs/relay-contract.md §6), or refuse it for
 * good with a redirect to another host (the instance must read as what it is: still relayed).
 */

import { rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { encodeFrame } from '@relay-console/shared/relay/ndjson'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { allStates, api, testConfig, testConsole, until } from './test-support'

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

/** A console on fresh state against the connector at `url`, stopped and removed after the test. */
async function consoleAgainst(url: string) {
  const config = testConfig(url)
  cleanups.push(() => rmSync(config.stateDir, { recursive: true, force: true }))
  const running = await testConsole(config)
  cleanups.push(() => running.stop())
  return running
}

describe('a connector that answers with a huge error', () => {
  it('gets a short 502 and short audit entries, and the audit still reads afterwards', async () => {
    const connector = await hostileConnector()
    cleanups.push(() => connector.close())
    const running = await consoleAgainst(connector.url)
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

/** A connector that relays (answers every hello) but redirects every deprovision to another host. */
async function redirectingConnector() {
  let deprovisions = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url === '/relay/provision') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ secret: 's_redirected_0123456789abcdef', secretIssued: true }))
      } else if (req.url === '/manage/deprovision') {
        deprovisions += 1
        res.writeHead(307, { location: 'http://203.0.113.7/manage/deprovision' }).end()
      } else res.writeHead(404).end()
    })
  })
  const relay = new WebSocketServer({ server, path: '/relay' })
  relay.on('connection', (socket) => {
    socket.on('message', (data) => {
      for (const line of String(data).split('\n')) {
        if (line.trim() === '') continue
        const frame = JSON.parse(line)
        if (frame.type === 'hello') {
          socket.send(
            encodeFrame({ type: 'descriptor', descriptor: { contract_version: 1, platform: frame.platform } }),
          )
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deprovisions: () => deprovisions,
    close: () =>
      new Promise((resolve) => {
        for (const client of relay.clients) client.terminate()
        relay.close()
        server.close(resolve)
        server.closeAllConnections()
      }),
  }
}

describe('a connector that refuses a deprovision for good', () => {
  it('leaves the instance visibly opted in and connected, tells the operator, and takes a retry', async () => {
    const connector = await redirectingConnector()
    cleanups.push(() => connector.close())
    const running = await consoleAgainst(connector.url)
    const acme = async () =>
      (await api(running.url, 'GET', '/api/instances')).json.instances.find((i: any) => i.id === 'acme')
    await until('acme connected', async () => allStates(await acme(), 'connected'))

    const refused = await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    expect(refused.status).toBe(502)
    expect(refused.json.error.code).toBe('connector_error')
    // Not "opting out" for ever: the intent failed, and the instance is still in the relay.
    expect(await acme()).toMatchObject({ optedIn: true, pending: null })
    expect(allStates(await acme(), 'connected')).toBe(true)
    const [entry] = (await api(running.url, 'GET', '/api/audit?instanceId=acme')).json.entries
    expect(entry).toMatchObject({ action: 'opt_out', result: 'failed' })

    // The operator can try again: it reaches the connector again, and nothing retries on its own.
    expect((await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })).status).toBe(502)
    expect(connector.deprovisions()).toBe(2)
  })
})
