import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type RunningConnector, startConnector } from '@relay-console/connector'
import { systemClock } from '@relay-console/shared/clock'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConnectorClient } from './client'

const IDENTITY = 'idt_client_test'
let connector: RunningConnector
beforeAll(async () => {
  connector = await startConnector({
    dataDir: null,
    identityTokens: { [IDENTITY]: 'default' },
    logger: pino({ level: 'silent' }),
  })
})
afterAll(() => connector.stop())

const body = (gatewayId: string) => ({ gatewayId, platform: 'discord', botId: '1', gatewayEndpoint: '', routeKeys: [] })

describe('connector client, against the reference connector', () => {
  it('provisions and deprovisions', async () => {
    const client = createConnectorClient({ connectorUrl: connector.url, clock: systemClock })
    const provisioned = await client.provision(IDENTITY, body('gw-c'))
    expect(provisioned.ok).toBe(true)
    if (!provisioned.ok) return
    expect(provisioned.value.secret).toBeTruthy()
    const secret = provisioned.value.secret ?? ''
    expect(await client.deprovision('gw-c', secret)).toEqual({ ok: true, value: { alreadyRevoked: false } })
    expect(await client.deprovision('gw-c', secret)).toEqual({ ok: true, value: { alreadyRevoked: true } })
  })

  it('reports a refused identity as a non-retryable HTTP failure with the connector’s words', async () => {
    const client = createConnectorClient({ connectorUrl: connector.url, clock: systemClock })
    expect(await client.provision('idt_wrong', body('gw-x'))).toEqual({
      ok: false,
      kind: 'http',
      status: 401,
      message: 'connector answered /relay/provision with HTTP 401: caller identity not verified',
      retryable: false,
    })
  })

  it('reports an unreachable connector as retryable', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    const client = createConnectorClient({ connectorUrl: `ws://127.0.0.1:${port}`, clock: systemClock })
    const result = await client.deprovision('gw', 'secret')
    expect(result).toMatchObject({ ok: false, kind: 'network', retryable: true })
    if (!result.ok)
      expect(result.message).toMatch(/could not reach the connector for \/manage\/deprovision: ECONNREFUSED/)
  })
})

describe('connector client, against odd peers', () => {
  async function peer(handler: Parameters<typeof createServer>[1]) {
    const server = createServer(handler)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }
  }

  it('treats a 429 (the connector throttling) as retryable: waiting heals it', async () => {
    const p = await peer((_req, res) => res.writeHead(429, { 'retry-after': '5' }).end('{"error":"slow down"}'))
    const client = createConnectorClient({ connectorUrl: p.url, clock: systemClock })
    expect(await client.deprovision('g', 's')).toMatchObject({ ok: false, status: 429, retryable: true })
    p.close()
  })

  it('treats 5xx as retryable, and a reply with neither secret nor secretIssued as invalid ("no secret")', async () => {
    const p = await peer((req, res) => {
      if (req.url === '/manage/deprovision') res.writeHead(503).end('{"error":"overloaded"}')
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"tenant":"t"}')
    })
    const client = createConnectorClient({ connectorUrl: p.url, clock: systemClock })
    expect(await client.deprovision('g', 's')).toMatchObject({ ok: false, status: 503, retryable: true })
    expect(await client.provision('i', body('g'))).toMatchObject({
      ok: false,
      kind: 'invalid_reply',
      message: expect.stringContaining('no secret'),
    })
    p.close()
  })

  it('follows a same-origin redirect but never carries the bearer to another host', async () => {
    const seen: Array<string | undefined> = []
    const other = await peer((req, res) => {
      seen.push(req.headers.authorization)
      res.writeHead(200).end('{"secretIssued":false}')
    })
    const p = await peer((req, res) => {
      if (req.url === '/relay/provision') res.writeHead(307, { location: '/v2/relay/provision' }).end()
      else if (req.url === '/v2/relay/provision') res.writeHead(307, { location: `${other.url}/relay/provision` }).end()
      else res.writeHead(404).end()
    })
    const client = createConnectorClient({ connectorUrl: p.url, clock: systemClock })
    const result = await client.provision('i', body('g'))
    expect(result).toMatchObject({ ok: false, status: 307, retryable: false })
    if (!result.ok) expect(result.message).toMatch(/to another host/)
    expect(seen).toEqual([])
    p.close()
    other.close()
  })

  it('times out', async () => {
    const p = await peer(() => {})
    const client = createConnectorClient({ connectorUrl: p.url, clock: systemClock, timeoutMs: 100 })
    expect(await client.deprovision('g', 's')).toMatchObject({
      ok: false,
      kind: 'network',
      message: 'connector did not answer /manage/deprovision within 0.1 s',
    })
    p.close()
  })

  /**
   * Streams `head`, then `size` bytes of filler, then `tail`, honouring backpressure; `sent()` is how
   * much went out, `cut()` whether the client hung up before the end.
   */
  function streamHuge(res: ServerResponse, status: number, size: number, head: string, tail: string) {
    const chunk = Buffer.alloc(64 * 1024, 'x')
    let sent = 0
    let cut = false
    res.on('close', () => {
      cut = !res.writableFinished
    })
    res.writeHead(status, { 'content-type': 'application/json' })
    res.write(head)
    const pump = () => {
      while (sent < size) {
        sent += chunk.length
        if (!res.write(chunk)) {
          res.once('drain', pump)
          return
        }
      }
      res.end(tail)
    }
    pump()
    return { sent: () => sent, cut: () => cut }
  }

  it('reads at most 64 KB of a huge error reply, hangs up, and keeps the message short', async () => {
    const streams: Array<ReturnType<typeof streamHuge>> = []
    const p = await peer((_req, res) => {
      streams.push(streamHuge(res, 500, 50 * 1024 * 1024, '{"error":"', '"}'))
    })
    const client = createConnectorClient({ connectorUrl: p.url, clock: systemClock })
    const started = Date.now()
    const result = await client.deprovision('g', 's')
    expect(Date.now() - started).toBeLessThan(2000)
    expect(result).toMatchObject({ ok: false, kind: 'http', status: 500, retryable: true })
    if (!result.ok) {
      expect(result.message.length).toBeLessThan(700)
      expect(result.message).toMatch(/^connector answered \/manage\/deprovision with HTTP 500/)
    }
    await until(() => streams[0]?.cut() === true)
    expect(streams[0]?.sent()).toBeLessThan(10 * 1024 * 1024)
    p.close()
  })

  it('takes a success reply over 64 KB as invalid, and does not read it all', async () => {
    const streams: Array<ReturnType<typeof streamHuge>> = []
    const p = await peer((_req, res) => {
      streams.push(streamHuge(res, 200, 50 * 1024 * 1024, '{"secretIssued":false,"pad":"', '"}'))
    })
    const client = createConnectorClient({ connectorUrl: p.url, clock: systemClock })
    const result = await client.provision('i', body('g'))
    expect(result).toMatchObject({ ok: false, kind: 'invalid_reply', status: 200, retryable: false })
    if (!result.ok) expect(result.message.length).toBeLessThan(700)
    await until(() => streams[0]?.cut() === true)
    expect(streams[0]?.sent()).toBeLessThan(10 * 1024 * 1024)
    p.close()
  })

  it('gives up on a reply that trickles past the timeout, as a retryable network failure', async () => {
    const p = await peer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"secretIssued":')
    })
    const client = createConnectorClient({ connectorUrl: p.url, clock: systemClock, timeoutMs: 150 })
    expect(await client.provision('i', body('g'))).toMatchObject({
      ok: false,
      kind: 'network',
      retryable: true,
      message: 'connector did not answer /relay/provision within 0.15 s',
    })
    p.close()
  })

  it('cuts a long error text to about 500 characters, marked', async () => {
    const said = 'no '.repeat(5000)
    const p = await peer((_req, res) => res.writeHead(400).end(JSON.stringify({ error: said })))
    const client = createConnectorClient({ connectorUrl: p.url, clock: systemClock })
    const result = await client.provision('i', body('g'))
    expect(result).toMatchObject({ ok: false, kind: 'http', status: 400, retryable: false })
    if (!result.ok) {
      expect(result.message).toContain(said.slice(0, 500))
      expect(result.message).not.toContain(said.slice(0, 501))
      expect(result.message).toMatch(/…/)
      expect(result.message.length).toBeLessThan(700)
    }
    p.close()
  })
})

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}
