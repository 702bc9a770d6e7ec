/**
 * What to do when a relay socket ends (docs/relay-contract.md §4, §5). Pure: the transport
 * supplies the facts, this decides; the supervisor schedules.
 * @module
 */
import type { ErrorCode } from '@relay-console/shared/error-codes'
import { CLOSE_SUPERSEDED, CLOSE_UNAUTHORIZED, REASON_EXPIRED } from '@relay-console/shared/relay/close-codes'

/** How a socket ended, as the dialer reports it. */
export type SocketEnd =
  /** A close frame arrived (or the socket broke: 1006). */
  | { kind: 'close'; code: number; reason: string }
  /** The HTTP upgrade was answered with something other than 101. */
  | { kind: 'http_status'; status: number }
  /** No connection at all: refused, DNS, TLS, upgrade timeout. */
  | { kind: 'error'; message: string }

/** Why this side ended a socket itself, when it did. */
export type LocalCause = 'handshake_timeout' | 'ping_timeout' | 'frame_too_large'

export interface EndFacts {
  end: SocketEnd
  localCause: LocalCause | null
  /** A descriptor has ever arrived on this transport. */
  handshakeSucceeded: boolean
  /** The next auth outcome is judged: set by the first post-handshake 4401, kept across non-auth failures. */
  judgeNextAuth: boolean
  /** This socket got its first descriptor while judged, so any 4401 on it is a second strike. */
  socketJudged: boolean
  /** A descriptor arrived on this very socket. */
  socketHandshaken: boolean
}

export interface RelayFailure {
  code: ErrorCode
  message: string
}

export type CloseDecision =
  /** Ordinary drop: back off and dial again. `keepJudging` leaves the judge marker as it was. */
  | { kind: 'backoff'; failure: RelayFailure; keepJudging: boolean }
  /** First 4401 after a handshake: one immediate re-dial with a fresh token, judged. */
  | { kind: 'fresh_token_redial'; failure: RelayFailure }
  /** 4401 again on the judged dial: the credential is revoked. */
  | { kind: 'latch_revoked'; reason: string }

function describeEnd(end: SocketEnd): string {
  switch (end.kind) {
    case 'close':
      return end.reason === '' ? `closed ${end.code}` : `closed ${end.code} (${end.reason})`
    case 'http_status':
      return `upgrade refused with HTTP ${end.status}`
    case 'error':
      return `dial failed: ${end.message}`
  }
}

export function decideOnEnd(facts: EndFacts): CloseDecision {
  const { end } = facts
  const what = describeEnd(end)

  if (end.kind === 'close' && end.code === CLOSE_UNAUTHORIZED) {
    if (end.reason === REASON_EXPIRED) {
      // Only aged out: never a revocation, however often. It settles a pending judgement.
      return {
        kind: 'backoff',
        failure: { code: 'relay_unauthorized', message: `connector refused an expired token: ${what}` },
        keepJudging: false,
      }
    }
    if (facts.judgeNextAuth || facts.socketJudged) return { kind: 'latch_revoked', reason: end.reason }
    if (facts.handshakeSucceeded) {
      return {
        kind: 'fresh_token_redial',
        failure: {
          code: 'relay_unauthorized',
          message: `connector refused the token: ${what}; re-dialling once with a fresh token`,
        },
      }
    }
    // Never handshaken: a cold start or a not-yet-provisioned race. Retry forever.
    return {
      kind: 'backoff',
      failure: { code: 'relay_unauthorized', message: `connector refused the token: ${what}` },
      keepJudging: true,
    }
  }

  if (end.kind === 'http_status' && (end.status === 401 || end.status === 403)) {
    // Treated like a 4401 before any handshake: retryable, and not a close frame to judge.
    return {
      kind: 'backoff',
      failure: { code: 'relay_unauthorized', message: `connector refused the token: ${what}` },
      keepJudging: true,
    }
  }

  return { kind: 'backoff', failure: failureFor(facts, what), keepJudging: true }
}

function failureFor(facts: EndFacts, what: string): RelayFailure {
  switch (facts.localCause) {
    case 'handshake_timeout':
      return { code: 'relay_handshake_timeout', message: 'no descriptor arrived in time after the socket opened' }
    case 'ping_timeout':
      return { code: 'relay_connection_lost', message: 'connection lost: no pong in time' }
    case 'frame_too_large':
      return { code: 'relay_protocol_error', message: 'the connector sent a frame over 1 MiB; socket closed 1009' }
    case null:
      break
  }
  if (facts.end.kind === 'close') {
    if (facts.end.code === CLOSE_SUPERSEDED) {
      // docs/relay-contract.md §4: a newer socket for this gateway won. An ordinary drop, whatever
      // the reason says; not an auth outcome, so a pending judgement stays pending.
      return {
        code: 'relay_superseded',
        message: `superseded: a newer socket for this gateway authenticated (closed ${CLOSE_SUPERSEDED})`,
      }
    }
    const when = facts.socketHandshaken ? '' : ' before the handshake'
    return { code: 'relay_connection_lost', message: `connection lost${when}: ${what}` }
  }
  return { code: 'relay_dial_failed', message: what }
}
