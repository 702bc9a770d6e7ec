/**
 * A lean SSE client on node:http for load tests: hundreds of them run in one process, so it does
 * no more than split events and hand over their text with a high-resolution receipt time.
 * @module
 */
import { type ClientRequest, request } from 'node:http'
import { TOKENS } from './procs'

export const wallNow = () => performance.timeOrigin + performance.now()

export interface RawEvent {
  event: string
  id: string | null
  data: string
  receivedAt: number
}

export interface SseClientOptions {
  url: string
  /** Every event, split and labelled. */
  onEvent?: (event: RawEvent) => void
  /**
   * Or the raw bytes as they arrive, undecoded: the cheapest way to timestamp what hundreds of
   * clients receive in one process (decode and analyse later, off the measured path).
   */
  onChunk?: (chunk: Buffer, receivedAt: number) => void
  /** Called when the server ends the stream (not when we close it). */
  onEnd?: () => void
  lastEventId?: string
  /** Start paused: the client takes no data until `resume()` (a slow consumer). */
  paused?: boolean
}

export class SseClient {
  #req: ClientRequest | null = null
  #buffer = ''
  #closed = false
  #response: import('node:http').IncomingMessage | null = null
  readonly connected: Promise<void>

  constructor(readonly options: SseClientOptions) {
    const url = new URL(`${options.url}/api/events`)
    this.connected = new Promise((resolve, reject) => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${TOKENS.RELAY_CONSOLE_TOKEN}`,
        accept: 'text/event-stream',
      }
      if (options.lastEventId) headers['last-event-id'] = options.lastEventId
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers, agent: false }, (res) => {
        this.#response = res
        if (res.statusCode !== 200) {
          reject(new Error(`event stream answered ${res.statusCode}`))
          res.resume()
          return
        }
        if (options.onChunk === undefined) res.setEncoding('utf8')
        if (options.paused) res.pause()
        res.on('data', (chunk: string | Buffer) => {
          if (options.onChunk) options.onChunk(chunk as Buffer, wallNow())
          else this.#onData(chunk as string)
        })
        res.on('end', () => {
          if (!this.#closed) options.onEnd?.()
        })
        res.on('error', () => {})
        resolve()
      })
      req.on('error', (error) => {
        if (!this.#closed) reject(error)
      })
      req.end()
      this.#req = req
    })
  }

  resume(): void {
    this.#response?.resume()
  }

  close(): void {
    this.#closed = true
    this.#req?.destroy()
  }

  #onData(chunk: string): void {
    const receivedAt = wallNow()
    const onEvent = this.options.onEvent
    if (onEvent === undefined) return
    const blocks = (this.#buffer + chunk).split('\n\n')
    this.#buffer = blocks.pop() ?? ''
    for (const block of blocks) {
      let event = 'message'
      let id: string | null = null
      let data = ''
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('id: ')) id = line.slice(4)
        else if (line.startsWith('data: ')) data = line.slice(6)
      }
      onEvent({ event, id, data, receivedAt })
    }
  }
}

interface PlatformLite {
  platform: string
  state: string
  updatedAt: string
}
interface InstanceLite {
  id: string
  platforms: PlatformLite[]
}

/** Keeps the whole fleet's states from one stream, and lets a scenario wait on them. */
export class FleetWatcher {
  readonly states = new Map<string, string[]>()
  readonly client: SseClient
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = []
  onInstance: ((instance: InstanceLite, receivedAt: number) => void) | null = null

  constructor(url: string) {
    this.client = new SseClient({
      url,
      onEvent: (event) => {
        if (event.event === 'snapshot') {
          const snapshot = JSON.parse(event.data) as { instances: InstanceLite[] }
          for (const i of snapshot.instances)
            this.states.set(
              i.id,
              i.platforms.map((p) => p.state),
            )
        } else if (event.event === 'instance') {
          const instance = JSON.parse(event.data) as InstanceLite
          this.states.set(
            instance.id,
            instance.platforms.map((p) => p.state),
          )
          this.onInstance?.(instance, event.receivedAt)
        } else return
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.check()) return true
          w.resolve()
          return false
        })
      },
    })
  }

  count(state: string): number {
    let n = 0
    for (const states of this.states.values()) if (states.length > 0 && states.every((s) => s === state)) n += 1
    return n
  }

  allIn(state: string, ids?: readonly string[]): boolean {
    const list = ids ?? [...this.states.keys()]
    return list.length > 0 && list.every((id) => this.states.get(id)?.every((s) => s === state) ?? false)
  }

  until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
        timeoutMs,
      )
      this.#waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      })
    })
  }

  close(): void {
    this.client.close()
  }
}
