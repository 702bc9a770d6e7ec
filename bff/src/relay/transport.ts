/**
 * One authenticated relay socket per instance, and its reconnect supervisor (docs/relay-contract.md §3–§5).
 *
 * At any moment the transport is in exactly one phase — a socket (opening or open), a backoff
 * wait, held, revoked or closed — so there is never more than one dialer. `close-policy.ts`
 * decides what a socket's end means; this module talks to the socket and keeps the timers.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { assertNever } from '@relay-console/shared/assert-never'
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { PlatformIdentity } from '@relay-console/shared/instance'
import { CLOSE_MESSAGE_TOO_BIG, CLOSE_NORMAL } from '@relay-console/shared/relay/close-codes'
import {
  type ConnectorFrame,
  decodeConnectorFrame,
  type OutboundResult,
  parseDescriptor,
} from '@relay-console/shared/relay/frame-schemas'
import { encodeFrame, NdjsonDecoder } from '@relay-console/shared/relay/ndjson'
import { mintUpgradeToken } from '@relay-console/shared/relay/token'
import type { Log } from '../lib/log'
import { backoffDelay } from './backoff'
import { decideOnEnd, type LocalCause, type SocketEnd } from './close-policy'
import { type DialPacer, UNPACED } from './dial-pacer'
import type { Dialer, RelaySocket } from './dialer'
import type { TransportEvent } from './events'
import { createPingWheel, type PingWheel } from './ping-wheel'

export interface TransportTimings {
  backoffBaseMs: number
  backoffMaxMs: number
  /** A connection that stayed up this long resets the backoff ladder. */
  stableAfterMs: number
  pingIntervalMs: number
  pongTimeoutMs: number
  /** From the socket opening to its first descriptor. */
  handshakeTimeoutMs: number
  outboundTimeoutMs: number
}

export const DEFAULT_TIMINGS: TransportTimings = {
  backoffBaseMs: 1000,
  backoffMaxMs: 30_000,
  stableAfterMs: 60_000,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 60_000,
  handshakeTimeoutMs: 30_000,
  outboundTimeoutMs: 30_000,
}

export interface TransportOptions {
  /**
   * Asked before every dial, the fresh-token re-dial included: false means this process may not
   * dial the instance now (a replica without a valid lease), and the dial does not happen.
   */
  mayDial?: () => boolean
  instanceId: string
  gatewayId: string
  /** The normalised socket URL (`…/relay`). */
  url: string
  secret: string
  platforms: readonly PlatformIdentity[]
  clock: Clock
  random: () => number
  dialer: Dialer
  /** Paces dials across the fleet; unpaced when absent. The fresh-token re-dial is never paced. */
  pacer?: DialPacer
  /** The fleet's shared liveness timer; the transport keeps its own when absent. */
  pingWheel?: PingWheel
  log: Log
  timings?: Partial<TransportTimings>
  onEvent: (event: TransportEvent) => void
  /** A user message for this instance; acked after it returns when it carried a bufferId. */
  onInbound?: (event: Record<string, unknown>) => void | Promise<void>
}

export type OutboundReply = OutboundResult & { ambiguous?: boolean }

export interface OutboundAction {
  op: string
  [key: string]: unknown
}

class Connection {
  opened = false
  /** A descriptor arrived on this socket. */
  handshaken = false
  /** Its first descriptor arrived while an auth outcome was being judged: a 4401 here latches. */
  judged = false
  /** Platforms whose hello no descriptor has answered yet, in hello order (docs/relay-contract.md §3). */
  unanswered: string[] = []
  connectedAt: number | null = null
  lastPongAt = 0
  localCause: LocalCause | null = null
  readonly decoder = new NdjsonDecoder()
  handshakeTimer: TimerHandle | null = null
  stopPings: (() => void) | null = null
  socket: RelaySocket | null = null
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'socket'; conn: Connection }
  /** Waiting: for the backoff timer, then for the pacer. `cancel` stops whichever is pending. */
  | { kind: 'backoff'; cancel: () => void }
  | { kind: 'held' }
  | { kind: 'revoked' }
  | { kind: 'closed' }

interface Pending {
  resolve: (reply: OutboundReply) => void
  timer: TimerHandle
}

export class RelayTransport {
  readonly #o: TransportOptions
  readonly #t: TransportTimings
  #phase: Phase = { kind: 'idle' }
  #handshakeSucceeded = false
  #authRevoked = false
  /** Set by the first post-handshake 4401; the next auth outcome is judged. Survives non-auth failures. */
  #judgeNextAuth = false
  #held = false
  /** The console itself is revoking this instance (docs/relay-contract.md §5, "This code"). */
  #revocationExpected = false
  #attempt = 0
  #dials = 0
  readonly #pending = new Map<string, Pending>()
  #closedWaiters: Array<() => void> = []
  readonly #pings: PingWheel

  constructor(options: TransportOptions) {
    this.#o = options
    this.#t = { ...DEFAULT_TIMINGS, ...options.timings }
    this.#pings = options.pingWheel ?? createPingWheel(options.clock, this.#t.pingIntervalMs)
  }

  /** Never cleared on this transport (docs/relay-contract.md §5). */
  get handshakeSucceeded(): boolean {
    return this.#handshakeSucceeded
  }

  /** The terminal latch. Opting back in builds a new transport. */
  get authRevoked(): boolean {
    return this.#authRevoked
  }

  get connected(): boolean {
    return this.#phase.kind === 'socket' && this.#phase.conn.handshaken
  }

  get attempt(): number {
    return this.#attempt
  }

  get dials(): number {
    return this.#dials
  }

  get phase(): Phase['kind'] {
    return this.#phase.kind
  }

  connect(): void {
    if (this.#phase.kind !== 'idle') return
    this.#phase = { kind: 'backoff', cancel: () => {} }
    this.#paced()
  }

  /** Dials when the fleet's pacer allows; the phase stays `backoff` until then. */
  #paced(): void {
    const phase = this.#phase
    if (phase.kind !== 'backoff') return
    const cancel = (this.#o.pacer ?? UNPACED).request(() => {
      if (this.#phase === phase) this.#dial(false)
    })
    phase.cancel = cancel
  }

  /** From now on no backoff re-dial happens; the one fresh-token re-dial of a 4401 still does. */
  holdRedials(): void {
    this.#held = true
    if (this.#phase.kind === 'backoff') {
      this.#phase.cancel()
      this.#phase = { kind: 'held' }
    }
  }

  /**
   * The console is about to revoke this instance itself (an opt-out): redials are held, and the
   * first 4401 is reported as the revocation it expects, not as a fault. The fresh-token re-dial
   * still happens; if it succeeds after all, the instance simply stays connected.
   */
  expectRevocation(): void {
    this.#revocationExpected = true
    this.holdRedials()
  }

  /**
   * The revocation it expected will not come (the connector refused to deprovision): redials
   * resume, and a socket that dropped while they were held is dialled again now.
   */
  cancelRevocation(): void {
    this.#revocationExpected = false
    this.#held = false
    if (this.#phase.kind === 'held') {
      this.#phase = { kind: 'backoff', cancel: () => {} }
      this.#paced()
    }
  }

  /** Tears everything down: no socket, timer or pending request is left behind. */
  disconnect(): Promise<void> {
    const phase = this.#phase
    if (phase.kind === 'closed') return Promise.resolve()
    this.#failPending('relay transport closed', true)
    if (phase.kind === 'backoff') phase.cancel()
    if (phase.kind !== 'socket') {
      this.#phase = { kind: 'closed' }
      return Promise.resolve()
    }
    const { conn } = phase
    this.#clearConnTimers(conn)
    this.#phase = { kind: 'closed' }
    return new Promise<void>((resolve) => {
      const grace = this.#o.clock.setTimeout(() => {
        conn.socket?.terminate()
        done()
      }, 1000)
      const done = () => {
        this.#o.clock.clearTimeout(grace)
        resolve()
      }
      this.#closedWaiters.push(done)
      conn.socket?.close(CLOSE_NORMAL, 'gateway disconnect')
    })
  }

  /** Sends an `outbound` and waits for its `outbound_result` (docs/relay-contract.md §3). Never throws. */
  request(action: OutboundAction, target: { platform?: string; botId?: string } = {}): Promise<OutboundReply> {
    if (this.#phase.kind === 'closed') return Promise.resolve({ success: false, error: 'relay transport closed' })
    const conn = this.#phase.kind === 'socket' ? this.#phase.conn : null
    if (conn === null || !conn.opened || conn.socket === null) {
      return Promise.resolve({ success: false, error: 'relay transport not connected' })
    }
    const requestId = randomUUID().replaceAll('-', '')
    const socket = conn.socket
    return new Promise<OutboundReply>((resolve) => {
      const timer = this.#o.clock.setTimeout(() => {
        this.#pending.delete(requestId)
        resolve({ success: false, error: 'relay outbound timed out', ambiguous: true })
      }, this.#t.outboundTimeoutMs)
      this.#pending.set(requestId, { resolve, timer })
      try {
        socket.send(encodeFrame({ type: 'outbound', requestId, action, ...target }))
      } catch (error) {
        this.#o.clock.clearTimeout(timer)
        this.#pending.delete(requestId)
        resolve({ success: false, error: `relay send failed: ${errorText(error)}` })
      }
    })
  }

  // ── dialling ──────────────────────────────────────────────────────────────────────────────────

  #dial(fresh: boolean): void {
    const { gatewayId, instanceId, clock } = this.#o
    if (this.#o.mayDial?.() === false) {
      // This process no longer holds the instance (its lease lapsed, e.g. after a pause): no dial.
      // Whoever decided so closes the transport; until then it stays quiet.
      this.#phase = { kind: 'held' }
      return
    }
    let token: string
    try {
      token = mintUpgradeToken({ gatewayId, secret: this.#o.secret, nowMs: clock.now() })
    } catch (error) {
      this.#phase = { kind: 'closed' }
      this.#emit({ type: 'fatal', failure: { code: 'relay_no_secret', message: errorText(error) } })
      return
    }
    const conn = new Connection()
    this.#phase = { kind: 'socket', conn }
    this.#dials += 1
    this.#emit({ type: 'dialing', fresh })
    this.#o.log.debug({ instanceId, gatewayId, fresh, attempt: this.#attempt }, 'relay dial')
    const socket = this.#o.dialer(
      { url: this.#o.url, headers: { Authorization: `Bearer ${token}` } },
      {
        onOpen: () => this.#socketOnOpen(conn),
        onMessage: (text) => this.#socketOnMessage(conn, text),
        onPong: () => {
          conn.lastPongAt = clock.now()
        },
        onEnd: (end) => this.#socketOnEnd(conn, end),
      },
    )
    if (this.#isCurrent(conn)) conn.socket = socket
  }

  #isCurrent(conn: Connection): boolean {
    return this.#phase.kind === 'socket' && this.#phase.conn === conn
  }

  #socketOnOpen(conn: Connection): void {
    if (!this.#isCurrent(conn)) return
    const { clock } = this.#o
    conn.opened = true
    conn.lastPongAt = clock.now()
    for (const { platform, botId } of this.#o.platforms) {
      if (!this.#send(conn, { type: 'hello', platform, botId })) return
      conn.unanswered.push(platform)
    }
    conn.handshakeTimer = clock.setTimeout(() => this.#handshakeOnDeadline(conn), this.#t.handshakeTimeoutMs)
    conn.stopPings = this.#pings.add(() => this.#pingTick(conn))
  }

  /**
   * The handshake deadline covers every hello (docs/relay-contract.md §3): no descriptor at all ends
   * the socket; a hello still unanswered while others were answered makes its platform
   * `relay_descriptor_invalid`, so no platform waits for ever on a socket that works.
   */
  #handshakeOnDeadline(conn: Connection): void {
    conn.handshakeTimer = null
    if (!this.#isCurrent(conn)) return
    if (!conn.handshaken) {
      this.#endLocally(conn, 'handshake_timeout')
      return
    }
    const seconds = Math.round(this.#t.handshakeTimeoutMs / 1000)
    for (const platform of conn.unanswered.splice(0)) {
      this.#o.log.warn({ instanceId: this.#o.instanceId, platform }, 'hello never answered')
      this.#emit({
        type: 'descriptor_invalid',
        platform,
        error: `no descriptor answered its hello within ${seconds} s`,
      })
      if (!this.#isCurrent(conn)) return
    }
  }

  /** Every ping interval: terminate a socket whose pongs stopped, else ping it. */
  #pingTick(conn: Connection): void {
    if (!this.#isCurrent(conn)) return
    if (this.#o.clock.now() - conn.lastPongAt > this.#t.pongTimeoutMs) {
      this.#endLocally(conn, 'ping_timeout')
      return
    }
    conn.socket?.ping()
  }

  #endLocally(conn: Connection, cause: LocalCause): void {
    conn.localCause = cause
    this.#o.log.warn({ instanceId: this.#o.instanceId, gatewayId: this.#o.gatewayId, cause }, 'ending relay socket')
    if (cause === 'frame_too_large') conn.socket?.close(CLOSE_MESSAGE_TOO_BIG, 'frame too large')
    else conn.socket?.terminate()
  }

  #send(conn: Connection, frame: object): boolean {
    try {
      conn.socket?.send(encodeFrame(frame))
      return true
    } catch (error) {
      this.#o.log.warn({ instanceId: this.#o.instanceId, err: errorText(error) }, 'relay send failed')
      return false
    }
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────────

  #socketOnMessage(conn: Connection, text: string): void {
    if (!this.#isCurrent(conn) || conn.localCause !== null) return
    const decoded = conn.decoder.push(text)
    if (!decoded.ok) {
      this.#endLocally(conn, 'frame_too_large')
      return
    }
    for (const line of decoded.lines) {
      const result = decodeConnectorFrame(line)
      switch (result.kind) {
        case 'frame':
          this.#handleFrame(conn, result.frame)
          break
        case 'unknown_type':
          this.#o.log.debug(
            { instanceId: this.#o.instanceId, type: result.type },
            'ignoring relay frame of unknown type',
          )
          break
        case 'malformed':
          this.#o.log.warn({ instanceId: this.#o.instanceId, error: result.error }, 'dropping malformed relay frame')
          break
        default:
          assertNever(result)
      }
      if (!this.#isCurrent(conn)) return
    }
  }

  #handleFrame(conn: Connection, frame: ConnectorFrame): void {
    switch (frame.type) {
      case 'descriptor':
        this.#onDescriptor(conn, frame.descriptor)
        break
      case 'outbound_result': {
        const pending = this.#pending.get(frame.requestId)
        if (pending === undefined) break
        this.#pending.delete(frame.requestId)
        this.#o.clock.clearTimeout(pending.timer)
        pending.resolve(frame.result)
        break
      }
      case 'inbound':
        void this.#onInbound(conn, frame.event, frame.bufferId)
        break
      case 'interrupt_inbound':
        this.#o.log.info({ instanceId: this.#o.instanceId, chatId: frame.chat_id }, 'connector interrupted a session')
        break
      case 'going_idle_ack':
        this.#o.log.debug({ instanceId: this.#o.instanceId }, 'going_idle acknowledged')
        break
      default:
        assertNever(frame)
    }
  }

  #onDescriptor(conn: Connection, raw: unknown): void {
    // Any descriptor proves the connector authenticated this socket.
    this.#handshakeSucceeded = true
    if (!conn.handshaken) {
      conn.handshaken = true
      conn.connectedAt = this.#o.clock.now()
      if (this.#judgeNextAuth) {
        // docs/relay-contract.md §5: this socket is judged for its whole life.
        conn.judged = true
        this.#judgeNextAuth = false
      }
    }
    const parsed = parseDescriptor(raw)
    const platform = this.#answeredBy(conn, parsed.ok ? parsed.descriptor.platform : parsed.platform)
    if (conn.unanswered.length === 0 && conn.handshakeTimer !== null) {
      this.#o.clock.clearTimeout(conn.handshakeTimer)
      conn.handshakeTimer = null
    }
    if (!parsed.ok) {
      this.#o.log.warn(
        { instanceId: this.#o.instanceId, platform: parsed.platform, pinnedOn: platform, error: parsed.error },
        'invalid descriptor',
      )
      if (platform !== null) this.#emit({ type: 'descriptor_invalid', platform, error: parsed.error })
      return
    }
    if (platform !== null) this.#emit({ type: 'descriptor', descriptor: parsed.descriptor })
    else
      this.#o.log.warn(
        { instanceId: this.#o.instanceId, platform: parsed.descriptor.platform },
        'descriptor for a platform never announced',
      )
  }

  /**
   * Which announced platform a descriptor answers (docs/relay-contract.md §3): the one it names,
   * wherever its hello stands; when it names none that can be read, the oldest hello still
   * unanswered (descriptors answer hellos in order); null for a platform never announced, or
   * when no hello is left to answer.
   */
  #answeredBy(conn: Connection, named: string | null): string | null {
    if (named === null) return conn.unanswered.shift() ?? null
    if (!this.#o.platforms.some((p) => p.platform === named)) return null
    const at = conn.unanswered.indexOf(named)
    if (at >= 0) conn.unanswered.splice(at, 1)
    return named
  }

  async #onInbound(conn: Connection, event: Record<string, unknown>, bufferId: string | undefined): Promise<void> {
    try {
      await this.#o.onInbound?.(event)
    } catch (error) {
      // Unacked, so the connector redelivers it.
      this.#o.log.warn({ instanceId: this.#o.instanceId, err: errorText(error) }, 'inbound handler failed')
      return
    }
    if (bufferId !== undefined && this.#isCurrent(conn)) this.#send(conn, { type: 'inbound_ack', bufferId })
  }

  // ── the end of a socket, and what comes next ──────────────────────────────────────────────────

  #socketOnEnd(conn: Connection, end: SocketEnd): void {
    this.#clearConnTimers(conn)
    if (this.#phase.kind === 'closed') {
      for (const done of this.#closedWaiters.splice(0)) done()
      return
    }
    if (!this.#isCurrent(conn)) return
    const { clock, log, instanceId, gatewayId } = this.#o
    this.#failPending('relay transport connection lost', true)
    this.#emit({ type: 'ended', end })
    if (conn.connectedAt !== null && clock.now() - conn.connectedAt >= this.#t.stableAfterMs) this.#attempt = 0

    const decision = decideOnEnd({
      end,
      localCause: conn.localCause,
      handshakeSucceeded: this.#handshakeSucceeded,
      judgeNextAuth: this.#judgeNextAuth,
      socketJudged: conn.judged,
      socketHandshaken: conn.handshaken,
    })
    switch (decision.kind) {
      case 'latch_revoked':
        this.#authRevoked = true
        this.#judgeNextAuth = false
        this.#phase = { kind: 'revoked' }
        log.info({ instanceId, gatewayId, reason: decision.reason }, 'relay credential revoked; no more dials')
        this.#emit({ type: 'revoked', reason: decision.reason })
        return
      case 'fresh_token_redial':
        this.#judgeNextAuth = true
        log.info({ instanceId, gatewayId }, 'post-handshake 4401; re-dialling once with a fresh token')
        this.#emit({ type: 'reauthenticating', failure: decision.failure, expected: this.#revocationExpected })
        this.#dial(true)
        return
      case 'backoff': {
        if (!decision.keepJudging) this.#judgeNextAuth = false
        this.#attempt += 1
        log.info({ instanceId, gatewayId, attempt: this.#attempt, error: decision.failure.message }, 'relay down')
        if (this.#held) {
          this.#phase = { kind: 'held' }
          this.#emit({ type: 'down', failure: decision.failure, attempt: this.#attempt, nextRetryAt: null })
          return
        }
        const delay = backoffDelay(
          this.#attempt,
          { baseMs: this.#t.backoffBaseMs, maxMs: this.#t.backoffMaxMs },
          this.#o.random,
        )
        const phase: Phase & { kind: 'backoff' } = { kind: 'backoff', cancel: () => clock.clearTimeout(timer) }
        const timer = clock.setTimeout(() => this.#paced(), delay)
        this.#phase = phase
        this.#emit({
          type: 'down',
          failure: decision.failure,
          attempt: this.#attempt,
          nextRetryAt: clock.now() + delay,
        })
        return
      }
      default:
        assertNever(decision)
    }
  }

  #clearConnTimers(conn: Connection): void {
    if (conn.handshakeTimer !== null) this.#o.clock.clearTimeout(conn.handshakeTimer)
    conn.stopPings?.()
    conn.handshakeTimer = null
    conn.stopPings = null
  }

  #failPending(error: string, ambiguous: boolean): void {
    for (const [id, pending] of this.#pending) {
      this.#o.clock.clearTimeout(pending.timer)
      this.#pending.delete(id)
      pending.resolve({ success: false, error, ambiguous })
    }
  }

  #emit(event: TransportEvent): void {
    try {
      this.#o.onEvent(event)
    } catch (error) {
      this.#o.log.error({ instanceId: this.#o.instanceId, err: errorText(error) }, 'transport listener threw')
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
