/**
 * One accepted relay socket: reads NDJSON frames from a gateway, answers each `hello` with a
 * descriptor, each `outbound` with an `outbound_result`, acks drains, and replays the gateway's
 * unacked inbound backlog after every handshake (docs/relay-contract.md §3, §7).
 * @module
 */
import { assertNever } from '@relay-console/shared/assert-never'
import type { Clock } from '@relay-console/shared/clock'
import { CLOSE_ABNORMAL, CLOSE_MESSAGE_TOO_BIG } from '@relay-console/shared/relay/close-codes'
import {
  type CapabilityDescriptor,
  decodeGatewayFrame,
  type GatewayFrame,
  type HelloFrame,
  type OutboundFrame,
  type OutboundResult,
} from '@relay-console/shared/relay/frame-schemas'
import { encodeFrame, NdjsonDecoder } from '@relay-console/shared/relay/ndjson'
import type { Logger } from 'pino'
import type { RawData, WebSocket } from 'ws'
import { descriptorFor, supportsOp } from './descriptors'
import type { InboundBuffer } from './inbound-buffer'

/** Faults an administrator can inject into a gateway's sessions (for tests and demos). */
export interface SessionFaults {
  /** Never answer a hello: the gateway's handshake hangs. */
  silentHellos: boolean
  /** Answer a hello for these platforms with this raw descriptor instead (it may be invalid). */
  descriptors: Record<string, unknown>
  /** Answer hellos only after this long: a slow connector, so `connecting` lasts long enough to see. */
  helloDelayMs: number
}

export const NO_FAULTS: SessionFaults = { silentHellos: false, descriptors: {}, helloDelayMs: 0 }

export interface SessionDeps {
  gatewayId: string
  buffer: InboundBuffer
  faults: () => SessionFaults
  clock: Clock
  log: Logger
  onClose: (session: RelaySession, code: number, reason: string) => void
}

let nextSessionId = 1

export class RelaySession {
  readonly id = nextSessionId++
  readonly gatewayId: string
  readonly openedAtMs: number
  /** platform → botId, in hello order. */
  readonly hellos = new Map<string, string>()
  readonly #descriptors = new Map<string, CapabilityDescriptor>()
  readonly #ws: WebSocket
  readonly #deps: SessionDeps
  readonly #decoder = new NdjsonDecoder()
  #idle = false
  #lastPongMs: number
  #messageCounter = 0
  #closed = false

  constructor(ws: WebSocket, deps: SessionDeps) {
    this.#ws = ws
    this.#deps = deps
    this.gatewayId = deps.gatewayId
    this.openedAtMs = deps.clock.now()
    this.#lastPongMs = this.openedAtMs
    ws.on('message', (data, isBinary) => this.#socketOnMessage(data, isBinary))
    ws.on('pong', () => {
      this.#lastPongMs = deps.clock.now()
    })
    ws.on('error', (error) => deps.log.warn({ gatewayId: this.gatewayId, err: error.message }, 'relay socket error'))
    ws.on('close', (code, reason) => {
      this.#closed = true
      deps.onClose(this, code, reason.toString())
    })
  }

  get handshaken(): boolean {
    return this.hellos.size > 0
  }

  get idle(): boolean {
    return this.#idle
  }

  get lastPongMs(): number {
    return this.#lastPongMs
  }

  send(frame: object): void {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return
    this.#ws.send(encodeFrame(frame))
  }

  /** Closes with a close frame; 1006, which no frame may carry, drops the socket without one. */
  close(code: number, reason: string): void {
    if (this.#closed) return
    if (code === CLOSE_ABNORMAL) this.terminate()
    else this.#ws.close(code, reason)
  }

  /** Open for traffic: not yet closing (a closing socket still counts until its TCP goes). */
  get open(): boolean {
    return this.#ws.readyState === this.#ws.OPEN
  }

  ping(): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.ping()
  }

  terminate(): void {
    this.#ws.terminate()
  }

  /**
   * Delivers an inbound event now, unless the gateway asked to go idle or the socket is closing
   * (superseded, say): then it stays buffered for the next socket's handshake.
   */
  deliver(bufferId: string, event: Record<string, unknown>): boolean {
    if (this.#idle || !this.handshaken || !this.open) return false
    this.send({ type: 'inbound', event, bufferId })
    return true
  }

  #socketOnMessage(data: RawData, isBinary: boolean): void {
    const text = isBinary || typeof data !== 'string' ? Buffer.from(data as Buffer).toString('utf8') : data
    const decoded = this.#decoder.push(text)
    if (!decoded.ok) {
      this.#deps.log.warn({ gatewayId: this.gatewayId }, 'frame over 1 MiB; closing 1009')
      this.close(CLOSE_MESSAGE_TOO_BIG, 'frame too large')
      return
    }
    for (const line of decoded.lines) {
      const result = decodeGatewayFrame(line)
      switch (result.kind) {
        case 'frame':
          this.#handle(result.frame)
          break
        case 'unknown_type':
          this.#deps.log.debug({ gatewayId: this.gatewayId, type: result.type }, 'ignoring frame of unknown type')
          break
        case 'malformed':
          this.#deps.log.warn({ gatewayId: this.gatewayId, error: result.error }, 'dropping malformed frame')
          break
        default:
          assertNever(result)
      }
    }
  }

  #handle(frame: GatewayFrame): void {
    // A socket the connector is closing (superseded by a newer one, docs/relay-contract.md §7) does no
    // more work: a fenced replica's late hello or outbound is not acted on. Its late ack still counts,
    // since it reports an event that replica did handle; dropping it would only deliver it twice.
    if (!this.open && frame.type !== 'inbound_ack') {
      this.#deps.log.debug({ gatewayId: this.gatewayId, type: frame.type }, 'ignoring a frame on a closing socket')
      return
    }
    switch (frame.type) {
      case 'hello': {
        const faults = this.#deps.faults()
        if (faults.silentHellos) break
        if (faults.helloDelayMs > 0)
          this.#deps.clock.setTimeout(() => this.#answerHello(frame, faults), faults.helloDelayMs)
        else this.#answerHello(frame, faults)
        break
      }
      case 'outbound':
        this.send({ type: 'outbound_result', requestId: frame.requestId, result: this.#perform(frame) })
        break
      case 'inbound_ack':
        this.#deps.buffer.ack(frame.bufferId)
        break
      case 'going_idle':
        // Buffered-only first, then the ack (the gateway closes only after it).
        this.#idle = true
        this.send({ type: 'going_idle_ack' })
        break
      default:
        assertNever(frame)
    }
  }

  #answerHello(frame: HelloFrame, faults: SessionFaults): void {
    // A late answer (helloDelayMs) on a socket superseded meanwhile: nothing could reach it, and the
    // backlog must not be marked as sent, so the live socket's handshake gets it.
    if (!this.open) return
    const first = !this.handshaken
    const descriptor = descriptorFor(frame.platform)
    this.hellos.set(frame.platform, frame.botId)
    this.#descriptors.set(frame.platform, descriptor)
    this.send({ type: 'descriptor', descriptor: faults.descriptors[frame.platform] ?? descriptor })
    if (first) this.#replayBacklog()
  }

  #perform(frame: OutboundFrame): OutboundResult {
    const platform = frame.platform ?? this.hellos.keys().next().value
    if (platform === undefined) return { success: false, error: 'no platform was announced on this session' }
    const descriptor = this.#descriptors.get(platform)
    if (descriptor === undefined) {
      return { success: false, error: `platform ${platform} was not announced on this session` }
    }
    const { op } = frame.action
    if (!supportsOp(descriptor, op)) return { success: false, error: `unsupported op: ${op}` }
    if (op === 'get_chat_info') return { success: true, chat_info: { name: 'demo-chat', type: 'group' } }
    this.#messageCounter += 1
    return { success: true, message_id: `srv-${this.id}-${this.#messageCounter}` }
  }

  #replayBacklog(): void {
    const now = this.#deps.clock.now()
    for (const entry of this.#deps.buffer.all()) {
      this.send({ type: 'inbound', event: entry.event, bufferId: entry.bufferId })
      entry.sentAtMs = now
    }
  }
}
