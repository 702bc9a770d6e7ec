/**
 * Clients that hold connections without playing their part: slow-loris senders that dribble a
 * request's headers, and event-stream clients that connect and then never read again (half-open
 * from the console's side). While they are there, the console keeps answering and streaming to
 * everyone else; when they go, nothing of them is left.
 */
import { rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  admin,
  allStates,
  api,
  OPERATOR_TOKEN,
  openEvents,
  testConfig,
  testConnector,
  testConsole,
  until,
} from '../test-support'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function stack() {
  const connector = await testConnector()
  cleanups.push(() => connector.stop())
  const config = testConfig(connector.url)
  cleanups.push(() => rmSync(config.stateDir, { recursive: true, force: true }))
  const running = await testConsole(config)
  cleanups.push(() => running.stop())
  await until('connected', async () =>
    (await api(running.url, 'GET', '/api/instances')).json.instances.every((i: any) => allStates(i, 'connected')),
  )
  return { connector, running }
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket))
    socket.once('error', reject)
  })
}

const sseClients = async (url: string) =>
  Number(/^relay_console_sse_clients (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1])

const answersEveryRequest = async (url: string) => {
  for (let i = 0; i < 20; i++) {
    const res = await api(url, 'GET', '/api/instances')
    expect(res.status).toBe(200)
    expect(res.json.instances).toHaveLength(2)
  }
}

describe('slow and silent clients', () => {
  it('keeps answering while 300 slow-loris clients dribble their headers', async () => {
    const { running } = await stack()
    const sockets = await Promise.all(Array.from({ length: 300 }, () => rawSocket(running.port)))
    cleanups.push(() => {
      for (const s of sockets) s.destroy()
    })
    const request = `GET /api/instances HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${OPERATOR_TOKEN}\r\nX-Slow: `
    for (let step = 0; step < 10; step++) {
      for (const socket of sockets) socket.write(request[step] ?? 'a')
      await answersEveryRequest(running.url)
      await new Promise((r) => setTimeout(r, 50))
    }
  })

  it('keeps streaming to others while 1,000 event-stream clients never read, and forgets them when they go', async () => {
    const { connector, running } = await stack()
    const request = `GET /api/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${OPERATOR_TOKEN}\r\nAccept: text/event-stream\r\n\r\n`
    const silent: Socket[] = []
    for (let batch = 0; batch < 10; batch++) {
      const sockets = await Promise.all(Array.from({ length: 100 }, () => rawSocket(running.port)))
      for (const socket of sockets) {
        socket.write(request)
        socket.pause() // never reads: the console's writes pile up in the kernel, then in its own queue
        silent.push(socket)
      }
    }
    cleanups.push(() => {
      for (const s of silent) s.destroy()
    })
    await until('1,000 streams open', async () => (await sseClients(running.url)) >= 1000, 10_000)

    // A live change reaches a reading client, and the API answers, with the silent ones still there.
    const reader = openEvents(running.url)
    cleanups.push(() => reader.close())
    await reader.waitFor((e) => e.event === 'snapshot')
    expect(
      await admin(connector, 'POST', '/instances/gw-acme/close', { code: 1012, reason: 'service restart' }),
    ).toEqual({
      closed: 1,
    })
    await reader.waitFor((e) => e.event === 'instance' && e.data.id === 'acme')
    await answersEveryRequest(running.url)

    for (const socket of silent) socket.destroy()
    await until('every silent stream forgotten', async () => (await sseClients(running.url)) === 1, 10_000)
  })
})
