/**
 * A scripted socket for deterministic transport tests: the test opens, feeds and ends each dial by
 * hand, and the dialer checks the single-dialer invariant on every dial.
 * @module
 */
import { FakeClock } from '@relay-console/shared/fake-clock'
import { type DecodedToken, decodeUpgradeToken } from '@relay-console/shared/relay/token'
import { silentLog } from '../lib/log'
import type { Dialer, DialHandlers, DialRequest, RelaySocket } from './dialer'
import type { TransportEvent } from './events'
import { RelayTransport, type TransportOptions } from './transport'

export class FakeSocket implements RelaySocket {
  readonly sent: any[] = []
  pings = 0
  isOpen = false
  ended = false
  closedWith: { code: number; reason: string } | null = null

  constructor(
    readonly request: DialRequest,
    private readonly handlers: DialHandlers,
  ) {}

  get token(): DecodedToken | null {
    const header = this.request.headers.Authorization ?? ''
    return decodeUpgradeToken(header.replace(/^Bearer /, ''))
  }

  open(): this {
    this.isOpen = true
    this.handlers.onOpen()
    return this
  }

  receive(frame: object | string): this {
    this.handlers.onMessage(typeof frame === 'string' ? frame : `${JSON.stringify(frame)}\n`)
    return this
  }

  describe(platform: string, extra: object = {}): this {
    return this.receive({
      type: 'descriptor',
      descriptor: { contract_version: 1, platform, label: platform, ...extra },
    })
  }

  pong(): void {
    this.handlers.onPong()
  }

  /** The peer closes (or the connection breaks with 1006). */
  closeFromPeer(code: number, reason = ''): void {
    this.#end({ kind: 'close', code, reason })
  }

  /** The connector's way of refusing a token: accept, then close 4401. */
  acceptThenRefuse(reason = 'revoked'): void {
    this.open()
    this.closeFromPeer(4401, reason)
  }

  refuseHttp(status: number): void {
    this.#end({ kind: 'http_status', status })
  }

  failNetwork(message = 'connect ECONNREFUSED 127.0.0.1:1'): void {
    this.#end({ kind: 'error', message })
  }

  send(text: string): void {
    if (!this.isOpen || this.ended) throw new Error('socket is not open')
    for (const line of text.split('\n')) if (line !== '') this.sent.push(JSON.parse(line))
  }

  ping(): void {
    this.pings += 1
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason }
    this.#end({ kind: 'close', code, reason })
  }

  terminate(): void {
    this.#end({ kind: 'close', code: 1006, reason: '' })
  }

  #end(end: Parameters<DialHandlers['onEnd']>[0]): void {
    if (this.ended) return
    this.ended = true
    this.isOpen = false
    this.handlers.onEnd(end)
  }
}

export class FakeDialer {
  readonly sockets: FakeSocket[] = []

  readonly dial: Dialer = (request, handlers) => {
    const live = this.sockets.filter((s) => !s.ended)
    if (live.length > 0) throw new Error(`single-dialer invariant broken: ${live.length} socket(s) still live`)
    const socket = new FakeSocket(request, handlers)
    this.sockets.push(socket)
    return socket
  }

  get last(): FakeSocket {
    const socket = this.sockets.at(-1)
    if (socket === undefined) throw new Error('nothing was dialled')
    return socket
  }

  get count(): number {
    return this.sockets.length
  }
}

export const SECRET = 's3cret'

export function harness(overrides: Partial<TransportOptions> & { clock?: FakeClock } = {}) {
  const clock = overrides.clock ?? new FakeClock()
  const dialer = new FakeDialer()
  const events: TransportEvent[] = []
  const transport = new RelayTransport({
    instanceId: 'acme',
    gatewayId: 'gw-acme',
    url: 'ws://connector.test/relay',
    secret: SECRET,
    platforms: [
      { platform: 'discord', botId: '1234' },
      { platform: 'telegram', botId: 'acme_bot' },
    ],
    clock,
    random: () => 1,
    dialer: dialer.dial,
    log: silentLog,
    onEvent: (event) => events.push(event),
    ...overrides,
  })
  const ofType = <T extends TransportEvent['type']>(type: T) =>
    events.filter((e): e is Extract<TransportEvent, { type: T }> => e.type === type)
  /** Opens the current dial and handshakes both platforms. */
  const handshake = () => dialer.last.open().describe('discord').describe('telegram')
  return { clock, dialer, events, transport, ofType, handshake }
}
