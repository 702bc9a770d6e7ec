import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type RawEvent, SseClient } from './sse-client'
import { sleep } from './time'
import { TOKENS } from './tokens'

interface EventServer {
  url: string
  /** Resolves with the request's headers and the open response, once a client connects. */
  next(): Promise<{ headers: IncomingHttpHeaders; res: ServerResponse }>
}

const servers: Server[] = []
const clients: SseClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A real HTTP server on an ephemeral loopback port that hands each `/api/events` request to the test. */
async function eventServer(status = 200): Promise<EventServer> {
  const waiting: Array<(r: { headers: IncomingHttpHeaders; res: ServerResponse }) => void> = []
  const server = createServer((req, res) => {
    if (req.url !== '/api/events') {
      res.writeHead(404).end()
      return
    }
    res.writeHead(status, { 'content-type': 'text/event-stream' })
    if (status !== 200) {
      res.end('no')
      return
    }
    res.flushHeaders()
    waiting.shift()?.({ headers: req.headers, res })
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    next: () => new Promise((resolve) => waiting.push(resolve)),
  }
}

function client(options: ConstructorParameters<typeof SseClient>[0]): SseClient {
  const c = new SseClient(options)
  clients.push(c)
  return c
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(5)
  }
}

describe('SseClient', () => {
  it("sends the operator's bearer and Last-Event-ID, and splits events across chunk boundaries", async () => {
    const server = await eventServer()
    const events: RawEvent[] = []
    const accepted = server.next()
    const c = client({ url: server.url, lastEventId: '41', onEvent: (e) => events.push(e) })
    await c.connected
    const { headers, res } = await accepted
    expect(headers.authorization).toBe(`Bearer ${TOKENS.RELAY_CONSOLE_TOKEN}`)
    expect(headers.accept).toBe('text/event-stream')
    expect(headers['last-event-id']).toBe('41')

    const before = performance.timeOrigin + performance.now()
    res.write('event: snapshot\nid: 42\ndata: {"instances":[]}\n\nevent: ins')
    await sleep(20)
    res.write('tance\nid: 43\ndata: {"id":"a"}\n\ndata: plain\n\n')
    await until(() => events.length === 3)

    expect(events.map(({ event, id, data }) => ({ event, id, data }))).toEqual([
      { event: 'snapshot', id: '42', data: '{"instances":[]}' },
      { event: 'instance', id: '43', data: '{"id":"a"}' },
      { event: 'message', id: null, data: 'plain' },
    ])
    for (const e of events) expect(e.receivedAt).toBeGreaterThanOrEqual(before)
  })

  it('dispatches no event for a block without data (a retry pause, a comment), as a browser does', async () => {
    const server = await eventServer()
    const events: RawEvent[] = []
    const accepted = server.next()
    await client({ url: server.url, onEvent: (e) => events.push(e) }).connected
    const { res } = await accepted
    res.write('retry: 1000\n\n: keep-alive\n\nevent: instance\nid: 7\ndata: {"a":1,\ndata: "b":2}\n\n')
    await until(() => events.length === 1)
    await sleep(50)
    expect(events.map(({ event, id, data }) => ({ event, id, data }))).toEqual([
      { event: 'instance', id: '7', data: '{"a":1,\n"b":2}' },
    ])
  })

  it('sends no Last-Event-ID when there is none', async () => {
    const server = await eventServer()
    const accepted = server.next()
    await client({ url: server.url }).connected
    expect((await accepted).headers['last-event-id']).toBeUndefined()
  })

  it('hands over raw chunks, stamped, when asked for chunks', async () => {
    const server = await eventServer()
    const chunks: Array<[Buffer, number]> = []
    const accepted = server.next()
    await client({ url: server.url, onChunk: (chunk, at) => chunks.push([chunk, at]) }).connected
    ;(await accepted).res.write('data: x\n\n')
    await until(() => chunks.length > 0)
    expect(Buffer.isBuffer(chunks[0]?.[0])).toBe(true)
    expect(Buffer.concat(chunks.map(([c]) => c)).toString()).toBe('data: x\n\n')
  })

  it('takes nothing while paused, and everything after resume()', async () => {
    const server = await eventServer()
    const events: RawEvent[] = []
    const accepted = server.next()
    const c = client({ url: server.url, paused: true, onEvent: (e) => events.push(e) })
    await c.connected
    ;(await accepted).res.write('data: 1\n\n')
    await sleep(100)
    expect(events).toEqual([])
    c.resume()
    await until(() => events.length === 1)
  })

  it('calls onEnd when the server ends the stream, not when the client closes it', async () => {
    const server = await eventServer()
    let ended = 0
    const first = server.next()
    await client({ url: server.url, onEnd: () => ended++ }).connected
    ;(await first).res.end()
    await until(() => ended === 1)

    const second = server.next()
    const c = client({ url: server.url, onEnd: () => ended++ })
    await c.connected
    await second
    c.close()
    await sleep(100)
    expect(ended).toBe(1)
  })

  it('calls onClose once: `end` when the server ends the stream, `error` when the connection breaks', async () => {
    const server = await eventServer()
    const closes: string[] = []
    const first = server.next()
    await client({ url: server.url, onClose: (why) => closes.push(why) }).connected
    ;(await first).res.end()
    await until(() => closes.length === 1)

    const second = server.next()
    await client({ url: server.url, onClose: (why) => closes.push(why) }).connected
    // A server that dies: the socket is gone without the stream's end.
    ;(await second).res.socket?.destroy()
    await until(() => closes.length === 2)

    const third = server.next()
    const c = client({ url: server.url, onClose: (why) => closes.push(why) })
    await c.connected
    await third
    c.close()
    await sleep(100)
    expect(closes).toEqual(['end', 'error'])
  })

  it('rejects `connected` when the stream answers anything but 200', async () => {
    const server = await eventServer(401)
    await expect(client({ url: server.url }).connected).rejects.toThrow('event stream answered 401')
  })
})
