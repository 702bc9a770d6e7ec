/**
 * Per-gateway durable-delivery buffer (docs/relay-contract.md §3, §7): an `inbound` with a `bufferId` is
 * redelivered — after every handshake, and on the live socket after a while — until it is acked.
 * Bounded: the oldest entries go first when a gateway never acks.
 * @module
 */
import { randomUUID } from 'node:crypto'

export interface BufferedInbound {
  bufferId: string
  event: Record<string, unknown>
  /** When it was last sent, or null when never. */
  sentAtMs: number | null
}

export class InboundBuffer {
  readonly #entries = new Map<string, BufferedInbound>()
  readonly #capacity: number

  constructor(capacity = 200) {
    this.#capacity = capacity
  }

  add(event: Record<string, unknown>): BufferedInbound {
    const entry: BufferedInbound = { bufferId: `buf-${randomUUID()}`, event, sentAtMs: null }
    this.#entries.set(entry.bufferId, entry)
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    return entry
  }

  ack(bufferId: string): boolean {
    return this.#entries.delete(bufferId)
  }

  /** Every unacked entry, oldest first. */
  all(): BufferedInbound[] {
    return [...this.#entries.values()]
  }

  /** Entries sent longer ago than `afterMs` (or never sent), oldest first. */
  due(nowMs: number, afterMs: number): BufferedInbound[] {
    return this.all().filter((e) => e.sentAtMs === null || nowMs - e.sentAtMs >= afterMs)
  }

  get size(): number {
    return this.#entries.size
  }
}
