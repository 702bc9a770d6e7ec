/**
 * The whole fleet's states from one event stream, for benchmark scenarios to wait on ("all
 * connected", "some down") and to time changes by. Lean on purpose: no schema checks on the
 * measured path.
 * @module
 */
import type { RawEvent, SseClient } from '@relay-console/testkit/sse-client'
import { ReconnectingStream } from './reconnecting-stream'

import type { InstanceLite } from './sse-tap'

/**
 * Keeps the whole fleet's states from one stream, and lets a scenario wait on them. When the
 * console ends the stream (it dropped this client, or rebuilt its view after falling behind its
 * change log), it connects again, as a browser tab would, and takes the new snapshot.
 */
export class FleetWatcher {
  readonly states = new Map<string, string[]>()
  #stream: ReconnectingStream
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = []
  onInstance: ((instance: InstanceLite, receivedAt: number) => void) | null = null

  constructor(readonly url: string) {
    this.#stream = new ReconnectingStream(url, { onEvent: (event) => this.#onEvent(event) })
  }

  /** The current stream (a new one after each reconnect). */
  get client(): SseClient {
    return this.#stream.client
  }

  /** How often the console ended the stream and this watcher connected again. */
  get reconnects(): number {
    return this.#stream.ends
  }

  #onEvent(event: RawEvent): void {
    if (event.event === 'snapshot') {
      const snapshot = JSON.parse(event.data) as { instances: InstanceLite[] }
      for (const i of snapshot.instances) {
        this.states.set(
          i.id,
          i.platforms.map((p) => p.state),
        )
        // After a reconnect the snapshot stands for the events missed meanwhile.
        if (this.reconnects > 0) this.onInstance?.(i, event.receivedAt)
      }
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
    this.#stream.close()
  }
}
