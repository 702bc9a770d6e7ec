/**
 * Event-stream clients that only stamp what they receive, while told to record, and are read
 * afterwards: dozens of them in the runner must not make the runner the bottleneck of what they
 * measure. Reading splits the stream into events, each stamped with the arrival of its last byte.
 * @module
 */
import type { SseClient } from '@relay-console/testkit/sse-client'
import { ReconnectingStream } from './reconnecting-stream'

export interface TappedEvent {
  event: string
  rev: number | null
  data: string
  receivedAt: number
}

export interface InstanceLite {
  id: string
  optedIn: boolean
  pending: string | null
  platforms: Array<{ platform: string; state: string; updatedAt: string }>
}

export class SseTap {
  #stream: ReconnectingStream
  #chunks: Array<[Buffer, number]> = []
  #recording = false

  constructor(readonly url: string) {
    this.#stream = new ReconnectingStream(url, {
      onChunk: (chunk, receivedAt) => {
        if (this.#recording) this.#chunks.push([chunk, receivedAt])
      },
    })
  }

  get client(): SseClient {
    return this.#stream.client
  }

  /** How often the server ended the stream (it dropped this client, or reset its event hub): it reconnects. */
  get ends(): number {
    return this.#stream.ends
  }

  /** Forgets what was recorded and records from now on. */
  record(): void {
    this.#chunks = []
    this.#recording = true
  }

  /** Stops recording and answers the events recorded (a partial first event is dropped). */
  stop(): TappedEvent[] {
    this.#recording = false
    const events: TappedEvent[] = []
    let text = ''
    for (const [chunk, at] of this.#chunks) {
      text += chunk.toString('utf8')
      const blocks = text.split('\n\n')
      text = blocks.pop() ?? ''
      for (const block of blocks) {
        let event = 'message'
        let rev: number | null = null
        let data = ''
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7)
          else if (line.startsWith('id: ')) rev = Number(line.slice(4))
          else if (line.startsWith('data: ')) data = line.slice(6)
        }
        events.push({ event, rev, data, receivedAt: at })
      }
    }
    this.#chunks = []
    return events
  }

  close(): void {
    this.#stream.close()
  }
}

/** The `instance` events of a recording, parsed. */
export function instanceEvents(events: readonly TappedEvent[]): Array<{ rev: number; at: number; i: InstanceLite }> {
  return events
    .filter((e) => e.event === 'instance')
    .map((e) => ({ rev: e.rev ?? -1, at: e.receivedAt, i: JSON.parse(e.data) as InstanceLite }))
}
