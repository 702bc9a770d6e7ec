/**
 * Turns what a transport reports into per-platform status (docs/relay-contract.md §5), using
 * the one error → state mapping of `shared/error-codes`. Event-driven: the revocation latch
 * becomes `relay_disabled` the moment it closes (upstream polls every second; we don't).
 * Each real change is emitted once; the state layer numbers it. A flood of changes (a connector
 * re-describing a platform thousands of times) is coalesced: at most one change per
 * {@link COALESCE_MS}, the first at once and the latest at the window's end; the latch never waits.
 * @module
 */
import { assertNever } from '@relay-console/shared/assert-never'
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import { isRetryable, RELAY_DISABLED, RELAY_DISABLED_MESSAGE, stateForError } from '@relay-console/shared/error-codes'
import type { PlatformIdentity } from '@relay-console/shared/instance'
import { connectingStatus, type PlatformStatus } from '@relay-console/shared/platform-state'
import type { RelayFailure } from './close-policy'
import type { TransportEvent } from './events'

/** An instance's platforms after a real change; the state layer numbers it. */
export interface StatusChange {
  instanceId: string
  platforms: readonly PlatformStatus[]
}

export interface AdapterOptions {
  instanceId: string
  platforms: readonly PlatformIdentity[]
  clock: Clock
  /** Continuous retrying for this long raises `needsAttention`; 0 never does. */
  attentionAfterMs: number
  onChange: (change: StatusChange) => void
  /** Where a restarted console left each platform (label, emoji, last state). */
  initial?: readonly PlatformStatus[]
  /** The coalescing window; {@link COALESCE_MS} when absent, 0 emits every change at once. */
  coalesceMs?: number
}

/**
 * At most one change per instance per window. A change after a quiet window goes out at once (the
 * leading edge); changes inside a window wait for its end and go out as one, carrying the latest
 * state (the trailing edge). So no change waits longer than this — a transition out of `connected`
 * included — and `relay_disabled` never waits at all.
 */
export const COALESCE_MS = 250

const iso = (ms: number) => new Date(ms).toISOString()

function samePlatforms(a: readonly PlatformStatus[], b: readonly PlatformStatus[]): boolean {
  return a.length === b.length && a.every((p, i) => sameStatus(p, b[i] as PlatformStatus))
}

function sameStatus(a: PlatformStatus, b: PlatformStatus): boolean {
  return (
    a.state === b.state &&
    a.label === b.label &&
    a.emoji === b.emoji &&
    a.errorCode === b.errorCode &&
    a.errorMessage === b.errorMessage &&
    a.attempt === b.attempt &&
    a.nextRetryAt === b.nextRetryAt &&
    a.retryingSince === b.retryingSince &&
    a.needsAttention === b.needsAttention
  )
}

export class RelayAdapter {
  readonly #o: AdapterOptions
  #platforms: PlatformStatus[]
  #attentionTimer: TimerHandle | null = null
  #stopped = false
  /** What the last emitted change said, and when; a change held for the window's end. */
  #emitted: readonly PlatformStatus[]
  #emittedAt = Number.NEGATIVE_INFINITY
  #trailing: TimerHandle | null = null

  constructor(options: AdapterOptions) {
    this.#o = options
    const now = iso(options.clock.now())
    this.#platforms = options.platforms.map(({ platform }) =>
      connectingStatus(
        platform,
        now,
        options.initial?.find((p) => p.platform === platform),
      ),
    )
    // A new transport starts at `connecting`: say so when the caller last showed something else
    // (opting back in from Disabled), so the operator sees connecting → connected.
    const initial = options.initial
    this.#emitted = this.#platforms
    if (
      initial !== undefined &&
      this.#platforms.some((p) => initial.find((i) => i.platform === p.platform)?.state !== p.state)
    ) {
      this.#emittedAt = options.clock.now()
      options.onChange({ instanceId: options.instanceId, platforms: this.#platforms })
    }
  }

  get platforms(): readonly PlatformStatus[] {
    return this.#platforms
  }

  /** Feeds one transport event. */
  handle(event: TransportEvent): void {
    if (this.#stopped) return
    switch (event.type) {
      case 'dialing':
      case 'ended':
        return
      case 'descriptor': {
        const { descriptor } = event
        this.#update((p) =>
          p.platform !== descriptor.platform
            ? p
            : {
                ...p,
                label: descriptor.label,
                emoji: descriptor.emoji,
                state: 'connected',
                errorCode: null,
                errorMessage: null,
                attempt: 0,
                nextRetryAt: null,
                retryingSince: null,
                needsAttention: false,
              },
        )
        return
      }
      case 'descriptor_invalid':
        this.#update((p) =>
          p.platform === event.platform
            ? this.#failed(
                p,
                { code: 'relay_descriptor_invalid', message: `invalid descriptor: ${event.error}` },
                0,
                null,
              )
            : p,
        )
        return
      case 'down':
        // A platform the connector described as invalid stays fatal until a new descriptor says otherwise.
        this.#update((p) =>
          p.state === 'fatal' ? p : this.#failed(p, event.failure, event.attempt, event.nextRetryAt),
        )
        return
      case 'reauthenticating':
        // An opt-out's own 4401 is the revocation arriving: the platforms go from connected
        // straight to disabled when the latch closes, never through an amber retrying.
        if (event.expected) return
        this.#update((p) => (p.state === 'fatal' ? p : this.#failed(p, event.failure, p.attempt, this.#o.clock.now())))
        return
      case 'revoked':
        this.#update((p) => this.#failed(p, { code: RELAY_DISABLED, message: RELAY_DISABLED_MESSAGE }, 0, null))
        return
      case 'fatal':
        this.#update((p) => this.#failed(p, event.failure, 0, null))
        return
      default:
        assertNever(event)
    }
  }

  /** Puts every platform in `disabled` without a socket: an opted-out instance after a restart. */
  markDisabled(): void {
    this.handle({ type: 'revoked', reason: 'opted out' })
  }

  /** Nothing more is emitted: a change still held for its window is dropped with its timer. */
  stop(): void {
    this.#stopped = true
    if (this.#attentionTimer !== null) this.#o.clock.clearTimeout(this.#attentionTimer)
    this.#attentionTimer = null
    this.#cancelTrailing()
  }

  #failed(p: PlatformStatus, failure: RelayFailure, attempt: number, nextRetryAt: number | null): PlatformStatus {
    const state = stateForError({ code: failure.code, retryable: isRetryable(failure.code) })
    const now = this.#o.clock.now()
    const retryingSince = state === 'retrying' ? (p.retryingSince ?? iso(now)) : null
    return {
      ...p,
      state,
      errorCode: failure.code,
      errorMessage: failure.message,
      attempt: state === 'retrying' ? attempt : 0,
      nextRetryAt: state === 'retrying' && nextRetryAt !== null ? iso(nextRetryAt) : null,
      retryingSince,
      needsAttention: retryingSince !== null && this.#attentionDue(retryingSince, now),
    }
  }

  #attentionDue(retryingSince: string, now: number): boolean {
    const after = this.#o.attentionAfterMs
    return after > 0 && now - Date.parse(retryingSince) >= after
  }

  #update(next: (p: PlatformStatus) => PlatformStatus): void {
    const now = iso(this.#o.clock.now())
    let changed = false
    this.#platforms = this.#platforms.map((p) => {
      const candidate = next(p)
      if (candidate === p || sameStatus(candidate, p)) return p
      changed = true
      return { ...candidate, updatedAt: now }
    })
    this.#scheduleAttention()
    if (changed) this.#publish()
  }

  /** The leading or the trailing edge of the window (see {@link COALESCE_MS}). */
  #publish(): void {
    const { clock } = this.#o
    const windowMs = this.#o.coalesceMs ?? COALESCE_MS
    const latch = this.#platforms.some((p) => p.state === 'disabled')
    const wait = this.#emittedAt + windowMs - clock.now()
    if (latch || wait <= 0) {
      this.#emitNow()
      return
    }
    this.#trailing ??= clock.setTimeout(() => {
      this.#trailing = null
      this.#emitNow()
    }, wait)
  }

  #emitNow(): void {
    this.#cancelTrailing()
    // A window whose changes cancelled out (A → B → A) says nothing.
    if (samePlatforms(this.#platforms, this.#emitted)) return
    this.#emitted = this.#platforms
    this.#emittedAt = this.#o.clock.now()
    this.#o.onChange({ instanceId: this.#o.instanceId, platforms: this.#platforms })
  }

  #cancelTrailing(): void {
    if (this.#trailing !== null) this.#o.clock.clearTimeout(this.#trailing)
    this.#trailing = null
  }

  /** One timer, for the earliest platform still retrying without the flag. */
  #scheduleAttention(): void {
    const { clock, attentionAfterMs } = this.#o
    if (this.#attentionTimer !== null) clock.clearTimeout(this.#attentionTimer)
    this.#attentionTimer = null
    if (attentionAfterMs <= 0 || this.#stopped) return
    const due = this.#platforms
      .filter((p) => p.retryingSince !== null && !p.needsAttention)
      .map((p) => Date.parse(p.retryingSince as string) + attentionAfterMs)
    if (due.length === 0) return
    const at = Math.min(...due)
    this.#attentionTimer = clock.setTimeout(
      () => {
        this.#attentionTimer = null
        const now = clock.now()
        this.#update((p) =>
          p.retryingSince !== null && !p.needsAttention && this.#attentionDue(p.retryingSince, now)
            ? { ...p, needsAttention: true }
            : p,
        )
      },
      Math.max(0, at - clock.now()),
    )
  }
}
