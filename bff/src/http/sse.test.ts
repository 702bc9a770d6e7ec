import { type AddressInfo, connect } from 'node:net'
import { serve } from '@hono/node-server'
import { systemClock } from '@relay-console/shared/clock'
import { connectingStatus } from '@relay-console/shared/platform-state'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../lib/metrics'
import { ConsoleState } from '../state/console-state'
import type { LoggedChange } from '../state/store'
import { StoreUnavailableError } from '../state/store'
import { createEventHub } from './event-hub'
import { BEHIND_RETRY_MS, createClientQueue, eventRoutes, RESUME_WAIT_MS } from './sse'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (chunk: Uint8Array) => new TextDecoder().decode(chunk)

describe('createClientQueue', () => {
  it('writes at once when idle, and coalesces what piles up during a write into one write', async () => {
    const writes: string[] = []
    let release: () => void = () => {}
    const queue = createClientQueue({
      write: (chunk) => {
        writes.push(text(chunk))
        return new Promise<void>((resolve) => {
          release = resolve
        })
      },
      maxBytes: 1000,
      onOverflow: vi.fn(),
      onError: vi.fn(),
    })
    queue.push(bytes('a'))
    queue.push(bytes('b'))
    queue.push(bytes('c'))
    expect(writes).toEqual(['a'])
    release()
    await vi.waitFor(() => expect(writes).toEqual(['a', 'bc']))
  })

  it('drops a client that lets too much pile up, once, and takes nothing after', () => {
    const onOverflow = vi.fn()
    const write = vi.fn(() => new Promise<void>(() => {})) // a reader that never reads
    const queue = createClientQueue({ write, maxBytes: 10, onOverflow, onError: vi.fn() })
    queue.push(bytes('x')) // in flight
    queue.push(bytes('0123456789')) // 10 bytes waiting: still fine
    expect(onOverflow).not.toHaveBeenCalled()
    queue.push(bytes('!')) // 11: dropped
    queue.push(bytes('more'))
    expect(onOverflow).toHaveBeenCalledTimes(1)
    expect(write).toHaveBeenCalledTimes(1)
  })

  it('sends one big chunk (a snapshot) at once, however large', () => {
    const onOverflow = vi.fn()
    const write = vi.fn(() => new Promise<void>(() => {}))
    const queue = createClientQueue({ write, maxBytes: 10, onOverflow, onError: vi.fn() })
    queue.push(bytes('x'.repeat(1000)))
    expect(write).toHaveBeenCalledTimes(1)
    expect(onOverflow).not.toHaveBeenCalled()
  })

  it('reports a failed write', async () => {
    const onError = vi.fn()
    const queue = createClientQueue({
      write: () => Promise.reject(new Error('gone')),
      maxBytes: 10,
      onOverflow: vi.fn(),
      onError,
    })
    queue.push(bytes('x'))
    await vi.waitFor(() => expect(onError).toHaveBeenCalled())
  })
})

describe('eventRoutes', () => {
  const closing: Array<() => void> = []
  afterEach(() => {
    for (const close of closing.splice(0)) close()
  })

  const silent = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() })
  const change = (rev: number, optedIn: boolean): LoggedChange => ({
    rev,
    instance: {
      id: 'acme',
      displayName: 'Acme',
      gatewayId: 'gw-acme',
      optedIn,
      pending: null,
      platforms: [connectingStatus('discord', new Date(1_900_000_000_000 + rev).toISOString())],
    },
    transitions: [],
  })

  /**
   * One replica's event stream over a view at rev 2, whose `reach` reads the log as the change feed
   * would: `log` holds what other replicas committed after that, applied when `reach` is asked.
   */
  async function replica(log: LoggedChange[], readAfterMs: number | null | 'away') {
    const state = new ConsoleState({
      stored: [
        {
          id: 'acme',
          displayName: 'Acme',
          gatewayId: 'gw-acme',
          platforms: [{ platform: 'discord', botId: '1' }],
          labels: {},
          disabledBy: null,
          optedIn: true,
          pending: null,
          secret: null,
          configSecretDigest: null,
          statuses: change(0, true).instance.platforms,
          pendingEntry: null,
        },
      ],
      rev: 0,
      log: silent(),
    })
    const hub = createEventHub()
    state.subscribe(hub.publish)
    state.apply([change(1, false), change(2, true)])
    const reach = vi.fn(async (rev: number) => {
      if (readAfterMs === null)
        throw new Error(`rev ${rev} was committed, but the log has nothing after ${state.rev()}`)
      if (readAfterMs === 'away') throw new StoreUnavailableError(new Error('connect ECONNREFUSED'))
      await new Promise((resolve) => setTimeout(resolve, readAfterMs))
      state.apply(log)
    })
    const routes = new Hono()
    // A slow answer for a stream to queue behind on one kept-alive connection.
    routes.get('/slow', async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return c.text('slow')
    })
    routes.route(
      '/',
      eventRoutes({
        state,
        hub,
        clock: systemClock,
        metrics: createMetrics({ defaults: false }),
        pingIntervalMs: 60_000,
        maxQueuedBytes: 1 << 20,
        reach,
      }),
    )
    const server = serve({ fetch: routes.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    closing.push(() => server.close())
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, reach }
  }

  /** The stream's first message, read until its blank line. */
  async function firstMessage(url: string, lastEventId: string): Promise<{ event: string; ids: number[] }> {
    const controller = new AbortController()
    closing.push(() => controller.abort())
    const response = await fetch(url, { headers: { 'last-event-id': lastEventId }, signal: controller.signal })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    while (!text.includes('\n\n')) {
      const { value } = await reader.read()
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    return {
      event: /^event: (\w+)/.exec(text)?.[1] ?? '',
      ids: [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])),
    }
  }

  /** Everything the stream sends, when it ends by itself. */
  async function wholeStream(url: string, lastEventId: string): Promise<string> {
    const response = await fetch(url, { headers: { 'last-event-id': lastEventId } })
    return response.text()
  }

  it('replays to a tab from a replica ahead of this one once this one has read as far, rather than rewinding it', async () => {
    const { url, reach } = await replica([change(3, false), change(4, true)], 50)
    // The tab saw rev 3 on another replica; this one is at 2 until it reads the log.
    const first = await firstMessage(url, '3')
    expect(reach).toHaveBeenCalledWith(3)
    expect(first).toEqual({ event: 'instance', ids: [4] })
  })

  it('answers a stream asked for on a kept-alive connection while the answer before it is still going out', async () => {
    const { url } = await replica([], 50)
    const { port } = new URL(url)
    const socket = connect(Number(port), '127.0.0.1')
    closing.push(() => socket.destroy())
    let received = ''
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8')
    })
    // Two requests at once: the stream's response waits behind the slow one's for the connection.
    socket.write('GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await vi.waitFor(() => expect(received).toContain('event: snapshot'), { timeout: 5000 })
    expect(received.indexOf('slow')).toBeLessThan(received.indexOf('event: snapshot'))
  })

  it('sends a snapshot when the rev the tab names was never committed', async () => {
    const { url } = await replica([], null)
    expect(await firstMessage(url, '99')).toEqual({ event: 'snapshot', ids: [2] })
  })

  it(`waits ${RESUME_WAIT_MS} ms at most for a replica that cannot catch up, then ends the stream with a retry pause rather than rewind the tab`, async () => {
    const { url } = await replica([change(3, false)], RESUME_WAIT_MS * 10)
    expect(await wholeStream(url, '3')).toBe(`retry: ${BEHIND_RETRY_MS}\n\n`)
  })

  it('ends the stream the same way when its database is away', async () => {
    const { url } = await replica([], 'away')
    expect(await wholeStream(url, '3')).toBe(`retry: ${BEHIND_RETRY_MS}\n\n`)
  })
})
