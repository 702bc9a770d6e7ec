/**
 * A benchmark's event-stream client that connects again, as a browser tab would, whenever the
 * console ends the stream (it dropped this client, or rebuilt its view after falling behind its
 * change log). What each new stream sends goes to the same handlers.
 * @module
 */
import { SseClient, type SseClientOptions } from '@relay-console/testkit/sse-client'

/** The pause before connecting again. */
const RECONNECT_MS = 100

export class ReconnectingStream {
  #client: SseClient
  #closed = false
  /** How often the console ended the stream and this client connected again. */
  ends = 0

  constructor(
    readonly url: string,
    readonly handlers: Pick<SseClientOptions, 'onChunk' | 'onEvent'>,
  ) {
    this.#client = this.#connect()
  }

  /** The current stream (a new one after each reconnect). */
  get client(): SseClient {
    return this.#client
  }

  #connect(): SseClient {
    return new SseClient({
      url: this.url,
      ...this.handlers,
      onEnd: () => {
        if (this.#closed) return
        this.ends += 1
        setTimeout(() => {
          if (!this.#closed) this.#client = this.#connect()
        }, RECONNECT_MS)
      },
    })
  }

  close(): void {
    this.#closed = true
    this.#client.close()
  }
}
