/**
 * The `/relay` endpoint (docs/relay-contract.md §4, §7): upgrades on `/relay` only, token verification
 * with accept-then-close 4401, throttling of repeated failures, one live socket per gateway (a newer
 * one supersedes it, 4409), pings, inbound delivery to the live socket, and the faults an
 * administrator can inject.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { FailureThrottle } from '@relay-console/shared/failure-throttle'
import { CLOSE_UNAUTHORIZED, MAX_FRAME_BYTES } from '@relay-console/shared/relay/close-codes'
import { peekGatewayId } from '@relay-console/shared/relay/token'
import type { Logger } from 'pino'
import { WebSocketServer } from 'ws'
import { InboundBuffer } from './inbound-buffer'
import { createLiveSessions } from './live-sessions'
import { NO_FAULTS, RelaySession, type SessionFaults } from './session'
import type { ConnectorStore } from './store'
import { authenticateGateway, bearerToken } from './verify'

export interface UpgradeStats {
  total: number
  accepted: number
  rejected: number
  throttled: number
  lastAt: string | null
  lastOutcome: string | null
}

/** An administrator's fault: refuse the next `count` upgrades (of one gateway, or of all). */
export interface RejectionRule {
  gatewayId: string | null
  count: number
  /** Accept, then close with this code and reason… */
  code: number
  reason: string
  /** …or refuse the HTTP upgrade with this status instead. */
  httpStatus: number | null
}

export interface RelayServerOptions {
  store: ConnectorStore
  clock: Clock
  log: Logger
  throttle: FailureThrottle
  skewSeconds: number
  pingIntervalMs: number
  pongTimeoutMs: number
  redeliverAfterMs: number
}

export interface RelayServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** The live sockets (of one gateway: none or one); a superseded socket is no longer live. */
  sessions(gatewayId?: string): RelaySession[]
  /** Closes the live socket of a gateway; returns how many it closed (0 or 1). */
  closeGateway(gatewayId: string, code: number, reason: string): number
  dropAll(code: number, reason: string): number
  setPaused(paused: boolean): void
  readonly paused: boolean
  /** Faults for a gateway's sessions, present and future; null clears them. */
  setFaults(gatewayId: string, faults: SessionFaults | null): void
  faults(gatewayId: string): SessionFaults
  addRejection(rule: RejectionRule): void
  clearRejections(gatewayId: string | null): void
  stats(gatewayId: string): UpgradeStats
  /** The most sockets a gateway ever had open at once (closing ones not counted): 1 when healthy. */
  peakOpen(gatewayId: string): number
  /** How many of a gateway's sockets a newer one superseded (closed 4409); of every gateway without one. */
  superseded(gatewayId?: string): number
  /** Wall-clock times (ms) of the accepted upgrades since `sinceMs`, oldest first (the last 200,000 kept). */
  acceptedSince(sinceMs: number): number[]
  /** Buffers an inbound event for a gateway and delivers it to its live session if that one is handshaken. */
  pushInbound(gatewayId: string, event: Record<string, unknown>): string
  backlog(gatewayId: string): number
  close(): void
}

const emptyStats = (): UpgradeStats => ({
  total: 0,
  accepted: 0,
  rejected: 0,
  throttled: 0,
  lastAt: null,
  lastOutcome: null,
})

export function createRelayServer(options: RelayServerOptions): RelayServer {
  const { store, clock, log, throttle } = options
  const wss = new WebSocketServer({
    noServer: true,
    // Several frames may share a message; the NDJSON decoder enforces the 1 MiB per frame.
    maxPayload: 4 * MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  })
  const live = createLiveSessions()
  const buffers = new Map<string, InboundBuffer>()
  const statsByGateway = new Map<string, UpgradeStats>()
  let rules: RejectionRule[] = []
  const faultsByGateway = new Map<string, SessionFaults>()
  const acceptedLog: number[] = []
  const ACCEPTED_LOG_CAP = 200_000
  let paused = false
  let closed = false

  const bufferFor = (gatewayId: string) => {
    let buffer = buffers.get(gatewayId)
    if (buffer === undefined) {
      buffer = new InboundBuffer()
      buffers.set(gatewayId, buffer)
    }
    return buffer
  }

  const note = (gatewayId: string | null, outcome: 'accepted' | 'rejected' | 'throttled', detail: string) => {
    if (gatewayId === null) return
    let stats = statsByGateway.get(gatewayId)
    if (stats === undefined) {
      // Only track gateways the store knows: a flood of invented ids must not grow memory.
      if (store.get(gatewayId) === undefined) return
      stats = emptyStats()
      statsByGateway.set(gatewayId, stats)
    }
    stats.total += 1
    stats[outcome] += 1
    stats.lastAt = new Date(clock.now()).toISOString()
    stats.lastOutcome = detail
  }

  const takeRejection = (gatewayId: string | null): RejectionRule | undefined => {
    const rule = rules.find((r) => r.count > 0 && (r.gatewayId === null || r.gatewayId === gatewayId))
    if (rule === undefined) return undefined
    rule.count -= 1
    rules = rules.filter((r) => r.count > 0)
    return rule
  }

  const refuseHttp = (socket: Duplex, status: number, text: string, headers: Record<string, string> = {}) => {
    const lines = [
      `HTTP/1.1 ${status} ${text}`,
      'Connection: close',
      'Content-Type: application/json',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ]
    const body = JSON.stringify({ error: text })
    socket.end(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }

  const sessionOnClose = (session: RelaySession, code: number, reason: string) => {
    live.remove(session)
    log.info({ gatewayId: session.gatewayId, code, reason }, 'relay socket closed')
  }

  // One timer for every socket: ping the live ones, terminate the silent ones.
  let pingTimer: TimerHandle | null = null
  const pingTick = () => {
    const now = clock.now()
    for (const session of live.all()) {
      if (now - session.lastPongMs > options.pongTimeoutMs) {
        log.warn({ gatewayId: session.gatewayId }, 'no pong in time; terminating')
        session.terminate()
      } else {
        session.ping()
      }
    }
    // Redeliver what a gateway has not acked yet, to its live socket only (never a superseded one).
    for (const [gatewayId, buffer] of buffers) {
      const session = deliverable(gatewayId)
      if (session === undefined) continue
      for (const entry of buffer.due(now, options.redeliverAfterMs)) {
        if (session.deliver(entry.bufferId, entry.event)) entry.sentAtMs = now
      }
    }
    pingTimer = closed ? null : clock.setTimeout(pingTick, options.pingIntervalMs)
  }
  pingTimer = clock.setTimeout(pingTick, options.pingIntervalMs)

  const deliverable = (gatewayId: string): RelaySession | undefined => {
    const session = live.get(gatewayId)
    return session?.open && session.handshaken && !session.idle ? session : undefined
  }

  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', (error) => log.debug({ err: error.message }, 'upgrade socket error'))
      const path = new URL(req.url ?? '/', 'http://connector.invalid').pathname
      if (path !== '/relay') {
        refuseHttp(socket, 400, 'Bad Request')
        return
      }
      if (paused || closed) {
        refuseHttp(socket, 503, 'Service Unavailable', { 'Retry-After': '1' })
        return
      }
      const token = bearerToken(req.headers.authorization)
      const claimed = token === null ? null : peekGatewayId(token)
      const throttleKey = claimed ?? `addr:${req.socket.remoteAddress ?? 'unknown'}`
      const now = clock.now()
      const wait = throttle.retryAfterMs(throttleKey, now)
      if (wait > 0) {
        note(claimed, 'throttled', 'throttled')
        refuseHttp(socket, 429, 'Too Many Requests', { 'Retry-After': String(Math.ceil(wait / 1000)) })
        return
      }
      const forced = takeRejection(claimed)
      if (forced?.httpStatus != null) {
        note(claimed, 'rejected', `http ${forced.httpStatus} (injected)`)
        refuseHttp(socket, forced.httpStatus, 'Refused')
        return
      }
      const auth = forced ? null : authenticateGateway(token, store, now, options.skewSeconds)
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (forced) {
          note(claimed, 'rejected', `${forced.code} ${forced.reason} (injected)`)
          ws.close(forced.code, forced.reason)
          return
        }
        if (auth === null || !auth.ok) {
          const reason = auth?.ok === false ? auth.reason : 'unauthorized'
          throttle.recordFailure(throttleKey, now)
          note(claimed, 'rejected', `4401 ${reason}`)
          log.info({ gatewayId: claimed, reason }, 'upgrade refused')
          // docs/relay-contract.md §4: accept the upgrade, then close 4401 (not an HTTP 401).
          ws.close(CLOSE_UNAUTHORIZED, reason)
          return
        }
        const { gatewayId } = auth.record
        throttle.recordSuccess(throttleKey)
        note(gatewayId, 'accepted', 'accepted')
        acceptedLog.push(clock.now())
        if (acceptedLog.length > ACCEPTED_LOG_CAP) acceptedLog.splice(0, acceptedLog.length - ACCEPTED_LOG_CAP)
        const session = new RelaySession(ws, {
          gatewayId,
          buffer: bufferFor(gatewayId),
          faults: () => faultsByGateway.get(gatewayId) ?? NO_FAULTS,
          clock,
          log,
          onClose: sessionOnClose,
        })
        // docs/relay-contract.md §7: one authenticated socket per gateway. Authentication and this
        // callback run in one turn, so the socket that authenticated last is the one that stays; the
        // older one's unacked inbound is replayed to this one after its first hello.
        const older = live.admit(session)
        if (older !== undefined) log.info({ gatewayId, superseded: older.id }, 'older relay socket superseded')
        log.info({ gatewayId }, 'relay socket accepted')
      })
    },

    sessions(gatewayId) {
      if (gatewayId === undefined) return live.all()
      const session = live.get(gatewayId)
      return session === undefined ? [] : [session]
    },

    // A revocation (4401 `revoked`) lands here: it closes whichever socket is live. A superseded one
    // is already closing, and refused upgrades never became live.
    closeGateway(gatewayId, code, reason) {
      const session = live.get(gatewayId)
      session?.close(code, reason)
      return session === undefined ? 0 : 1
    },

    dropAll(code, reason) {
      const sessions = live.all()
      for (const session of sessions) session.close(code, reason)
      return sessions.length
    },

    setPaused(value) {
      paused = value
    },
    get paused() {
      return paused
    },

    setFaults(gatewayId, faults) {
      if (faults === null) faultsByGateway.delete(gatewayId)
      else faultsByGateway.set(gatewayId, faults)
    },
    faults: (gatewayId) => faultsByGateway.get(gatewayId) ?? NO_FAULTS,

    addRejection(rule) {
      rules.push({ ...rule })
    },
    clearRejections(gatewayId) {
      rules = gatewayId === null ? [] : rules.filter((r) => r.gatewayId !== gatewayId)
    },

    stats(gatewayId) {
      return { ...(statsByGateway.get(gatewayId) ?? emptyStats()) }
    },

    peakOpen: (gatewayId) => live.peakOpen(gatewayId),
    superseded: (gatewayId) => (gatewayId === undefined ? live.supersededTotal() : live.superseded(gatewayId)),

    acceptedSince(sinceMs) {
      return acceptedLog.filter((t) => t >= sinceMs)
    },

    pushInbound(gatewayId, event) {
      const entry = bufferFor(gatewayId).add(event)
      const session = deliverable(gatewayId)
      if (session?.deliver(entry.bufferId, entry.event)) entry.sentAtMs = clock.now()
      return entry.bufferId
    },

    backlog(gatewayId) {
      return buffers.get(gatewayId)?.size ?? 0
    },

    close() {
      closed = true
      if (pingTimer !== null) clock.clearTimeout(pingTimer)
      pingTimer = null
      live.terminateAll()
    },
  }
}
