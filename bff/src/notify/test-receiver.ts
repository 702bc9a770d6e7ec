/**
 * A real webhook receiver for tests: an HTTP server on an ephemeral port of 127.0.0.1 that keeps
 * every request it gets (raw body and headers) and answers as the test tells it to.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  path: string
  headers: IncomingMessage['headers']
  raw: string
  /** The parsed JSON (null when not JSON); tests read the fields they expect. */
  // biome-ignore lint/suspicious/noExplicitAny: a test's view of a body it checks field by field
  body: any
}

/** How the receiver answers: a status, never (hang), a redirect, or a body far over any limit. */
export type Answer = { status: number } | { hang: true } | { redirect: string } | { huge: number }

export interface TestReceiver {
  url: string
  port: number
  received: Received[]
  answer: Answer
  /** Called as each request arrives, before it is answered. */
  onRequest: ((request: Received) => void) | null
  /** Waits until `count` requests have arrived (or `timeoutMs` passes). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>
  /** Stops accepting connections (tries are refused) and ends those open. */
  close(): Promise<void>
  /** Listens again on the same port. */
  reopen(): Promise<void>
}

/** The check a receiver makes: the header is the HMAC-SHA256 of exactly these bytes, with its secret. */
export function verifySignature(raw: string, header: string | undefined, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`)
  const given = Buffer.from(header ?? '')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export async function startReceiver(port = 0): Promise<TestReceiver> {
  const sockets = new Set<import('node:net').Socket>()
  const hung = new Set<ServerResponse>()
  let server: Server
  const receiver: TestReceiver = {
    url: '',
    port: 0,
    received: [],
    answer: { status: 200 },
    onRequest: null,
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (receiver.received.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`the receiver got ${receiver.received.length} of ${count} requests in ${timeoutMs} ms`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return receiver.received
    },
    async close() {
      for (const res of hung) res.destroy()
      hung.clear()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    async reopen() {
      await listen(receiver.port)
    },
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown = null
      try {
        body = JSON.parse(raw)
      } catch {}
      const request = { path: req.url ?? '/', headers: req.headers, raw, body }
      receiver.received.push(request)
      receiver.onRequest?.(request)
      const answer = receiver.answer
      if ('hang' in answer) {
        hung.add(res)
        res.on('close', () => hung.delete(res))
      } else if ('redirect' in answer) {
        res.writeHead(307, { location: answer.redirect }).end()
      } else if ('huge' in answer) {
        res.writeHead(200, { 'content-type': 'text/plain' })
        const chunk = Buffer.alloc(64 * 1024, 'x')
        let sent = 0
        const pump = () => {
          while (sent < answer.huge) {
            sent += chunk.length
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          res.end()
        }
        res.on('error', () => {})
        pump()
      } else {
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end('{"ok":true}')
      }
    })
  }

  async function listen(port: number): Promise<void> {
    server = createServer(handle)
    server.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    receiver.port = (server.address() as AddressInfo).port
    receiver.url = `http://127.0.0.1:${receiver.port}`
  }

  await listen(port)
  return receiver
}
