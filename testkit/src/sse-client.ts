/**
 * A lean client of the console's event stream (`/api/events`, with the operator's bearer) on
 * node:http: hundreds of them run in one process under load, so it does no more than split events
 * and hand over their text with a high-resolution receipt time. Parsing is the caller's.
 * @module
 */
import { type ClientRequest, type IncomingMessage, request } from 'node:http'
import { wallNow } from './time'
import { TOKENS } from './tokens'

export interface RawEvent {
  event: string
  id: string | null
  data: string
  receivedAt: number
}

export interface SseClientOptions {
  /** The console's base URL: the client opens `url/api/events`. */
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
  /**
   * Called once when an open stream stops for any reason but our `close()`: the server ended it
   * (`end`, after `onEnd`), or the connection broke under it (`error`: a server SIGKILLed).
   */
  onClose?: (why: 'end' | 'error') => void
  lastEventId?: string
  /** Start paused: the client takes no data until `resume()` (a slow consumer). */
  paused?: boolean
}

export class SseClient {
  #req: ClientRequest | null = null
  #buffer = ''
  #closed = false
  #response: IncomingMessage | null = null
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
        let ended = false
        res.on('end', () => {
          ended = true
          if (!this.#closed) options.onEnd?.()
        })
        res.on('error', () => {})
        res.on('close', () => {
          if (!this.#closed) options.onClose?.(ended ? 'end' : 'error')
        })
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
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('id: ')) id = line.slice(4)
        else if (line.startsWith('data: ')) data.push(line.slice(6))
      }
      // As a browser's EventSource: a block with no data (`retry: 1000`, a `:` comment) is not an
      // event, and several data lines are one event's lines.
      if (data.length === 0) continue
      onEvent({ event, id, data: data.join('\n'), receivedAt })
    }
  }
}
