/**
 * One operator's tab on a cluster, as the cluster run checks it: one event stream at a time, on
 * some replica; every payload parsed with the shared schemas; every rev checked against the one
 * before. `rev` is one cluster-wide counter and every change is one `instance` event, so each must
 * be exactly the last rev + 1; only a `snapshot` may skip ahead. When its stream ends, breaks,
 * goes silent (a frozen replica), or the run tells it to hop, the tab reconnects to another
 * replica with `Last-Event-ID`, and the first answer tells whether that replica replayed exactly
 * (the next rev) or sent a snapshot.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import { parseSseEvent } from '@relay-console/shared/sse'
import { SseClient } from '@relay-console/testkit/sse-client'

export interface StreamTarget {
  name: string
  url: string
}

export type MoveReason = 'end' | 'error' | 'stale' | 'hop' | 'refused'

/** How reconnects with `Last-Event-ID` were answered, on the same replica or on another. */
export interface ResumeTally {
  replaySame: number
  replayOther: number
  snapshotSame: number
  snapshotOther: number
}

export interface RevWatchOptions {
  /** A replica to move to, other than `avoid` if there is one; null when none runs. */
  pick(avoid: string): StreamTarget | null
  /** No byte (not even a ping) for this long: the replica is taken as frozen. */
  staleMs: number
  violate(what: string): void
}

export class RevWatch {
  readonly instances = new Map<string, ClientInstance>()
  lastRev: number | null = null
  events = 0
  readonly resumes: ResumeTally = { replaySame: 0, replayOther: 0, snapshotSame: 0, snapshotOther: 0 }
  readonly moves: Record<MoveReason, number> = { end: 0, error: 0, stale: 0, hop: 0, refused: 0 }
  #target: StreamTarget
  #client: SseClient | null = null
  /** Bumped at every (re)connect: a late callback of an older stream is ignored. */
  #generation = 0
  /** Set at a reconnect with Last-Event-ID until its first event says replay or snapshot. */
  #resuming: { from: number; other: boolean } | null = null
  #lastDataAt = Date.now()
  #closed = false
  #retry: ReturnType<typeof setTimeout> | null = null
  readonly #staleTimer: ReturnType<typeof setInterval>
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = []

  constructor(
    readonly name: string,
    first: StreamTarget,
    readonly options: RevWatchOptions,
  ) {
    this.#target = first
    this.#open(null)
    this.#staleTimer = setInterval(() => {
      if (!this.#closed && this.#retry === null && Date.now() - this.#lastDataAt > options.staleMs) this.move('stale')
    }, 250)
  }

  /** The replica it reads now. */
  get on(): string {
    return this.#target.name
  }

  /** Leaves this replica for another (a load balancer's choice, or the replica is gone). */
  move(reason: MoveReason): void {
    if (this.#closed) return
    this.moves[reason] += 1
    const from = this.#target
    this.#client?.close()
    this.#client = null
    this.#generation += 1
    const next = this.options.pick(from.name)
    if (next === null) {
      // Nobody runs: try again shortly.
      this.#retry = setTimeout(() => {
        this.#retry = null
        this.move('refused')
      }, 200)
      return
    }
    this.#target = next
    this.#open(from.name)
  }

  #open(fromReplica: string | null): void {
    const generation = this.#generation
    const current = () => generation === this.#generation && !this.#closed
    this.#lastDataAt = Date.now()
    this.#resuming =
      this.lastRev === null
        ? null
        : { from: this.lastRev, other: fromReplica !== null && fromReplica !== this.#target.name }
    const client = new SseClient({
      url: this.#target.url,
      lastEventId: this.lastRev === null ? undefined : String(this.lastRev),
      onEvent: (raw) => {
        if (!current()) return
        this.#lastDataAt = Date.now()
        if (raw.event === 'ping') return
        this.#see(raw.event, raw.id ?? '', raw.data)
      },
      onClose: (why) => {
        if (current()) this.#later(why)
      },
    })
    client.connected.catch(() => {
      if (current()) this.#later('refused')
    })
    this.#client = client
  }

  #later(reason: MoveReason): void {
    this.#generation += 1
    this.#retry = setTimeout(() => {
      this.#retry = null
      this.move(reason)
    }, 50)
  }

  #see(type: string, id: string, data: string): void {
    const parsed = parseSseEvent(type, id, data)
    if (!parsed.ok) {
      this.options.violate(`${this.name} on ${this.#target.name}: ${parsed.error}`)
      return
    }
    const { event } = parsed
    if (event.type === 'ping') return
    this.events += 1
    const where = `${this.name} on ${this.#target.name}`
    const resuming = this.#resuming
    this.#resuming = null
    if (event.type === 'snapshot') {
      if (resuming !== null) {
        this.resumes[resuming.other ? 'snapshotOther' : 'snapshotSame'] += 1
        if (event.rev < resuming.from) {
          this.options.violate(
            `${where}: asked to resume after rev ${resuming.from}, got a snapshot at rev ${event.rev}`,
          )
        }
      } else if (this.lastRev !== null) {
        this.options.violate(`${where}: a snapshot (rev ${event.rev}) in the middle of a stream`)
      }
      this.instances.clear()
      for (const instance of event.data.instances) this.instances.set(instance.id, instance)
      this.lastRev = event.rev
    } else {
      if (this.lastRev === null) {
        this.options.violate(`${where}: an instance event (rev ${event.rev}) before any snapshot`)
      } else if (event.rev !== this.lastRev + 1) {
        const what =
          event.rev <= this.lastRev
            ? 'again or out of order'
            : `after a gap (${this.lastRev + 1}…${event.rev - 1} missing)`
        this.options.violate(`${where}: rev ${event.rev} ${what}; the last was ${this.lastRev}`)
      } else if (resuming !== null) {
        this.resumes[resuming.other ? 'replayOther' : 'replaySame'] += 1
      }
      if (this.lastRev === null || event.rev > this.lastRev) this.lastRev = event.rev
      this.instances.set(event.data.id, event.data)
    }
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true
      w.resolve()
      return false
    })
  }

  /** Resolves once `check` holds after an event (or now); rejects after `timeoutMs`. */
  until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done)
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      this.#waiters.push({ check, resolve: done })
    })
  }

  close(): void {
    this.#closed = true
    clearInterval(this.#staleTimer)
    if (this.#retry !== null) clearTimeout(this.#retry)
    this.#client?.close()
  }
}
