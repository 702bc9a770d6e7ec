/**
 * The fleet as an operator's browser sees it: one event stream, every payload checked with the
 * shared schemas, each instance's latest view kept, and every change handed to a checker. The
 * stream is reopened with `Last-Event-ID` if the console ends it.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import { parseSseEvent } from '@relay-console/shared/sse'
import { SseClient } from '@relay-console/testkit/sse-client'

export class InstanceWatch {
  readonly instances = new Map<string, ClientInstance>()
  /** Payloads that failed the shared schemas (must stay empty). */
  readonly malformed: string[] = []
  events = 0
  reopened = 0
  #client: SseClient
  #lastId = ''
  #closed = false
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = []

  constructor(
    readonly url: string,
    readonly onInstance: (instance: ClientInstance) => void,
  ) {
    this.#client = this.#open()
  }

  /** Resolves once the first snapshot arrived. */
  ready(timeoutMs = 10_000): Promise<void> {
    return this.until('the first snapshot', () => this.instances.size > 0, timeoutMs)
  }

  #open(): SseClient {
    const client = new SseClient({
      url: this.url,
      lastEventId: this.#lastId || undefined,
      onEvent: (raw) => {
        if (raw.event === 'ping') return
        const parsed = parseSseEvent(raw.event, raw.id ?? '', raw.data)
        if (!parsed.ok) {
          this.malformed.push(parsed.error)
          return
        }
        const { event } = parsed
        switch (event.type) {
          case 'snapshot':
            for (const instance of event.data.instances) this.#see(instance)
            this.#lastId = String(event.rev)
            break
          case 'instance':
            this.#see(event.data)
            this.#lastId = String(event.rev)
            break
          case 'ping':
            return
        }
        this.events += 1
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.check()) return true
          w.resolve()
          return false
        })
      },
      onEnd: () => {
        if (this.#closed) return
        this.reopened += 1
        this.#client = this.#open()
      },
    })
    client.connected.catch((error: unknown) => this.malformed.push(`event stream: ${String(error)}`))
    return client
  }

  #see(instance: ClientInstance): void {
    this.instances.set(instance.id, instance)
    this.onInstance(instance)
  }

  until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        resolve()
      }
      this.#waiters.push({ check, resolve: done })
    })
  }

  close(): void {
    this.#closed = true
    this.#client.close()
  }
}

/** Every platform in `state`. */
export const allIn = (instance: ClientInstance | undefined, state: string): boolean =>
  instance !== undefined && instance.platforms.length > 0 && instance.platforms.every((p) => p.state === state)
