/**
 * The close policy on its own, row by row: the table of docs/relay-contract.md §5 (with the
 * close codes of §4), plus the HTTP refusals and the causes this side ends a socket for. The
 * transport tests drive the same decisions through a socket; these pin each one down whole.
 */
import { type ErrorCode, isRetryable, RELAY_DISABLED, stateForError } from '@relay-console/shared/error-codes'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type CloseDecision, decideOnEnd, type EndFacts, type LocalCause, type SocketEnd } from './close-policy'

const close = (code: number, reason = ''): SocketEnd => ({ kind: 'close', code, reason })
const http = (status: number): SocketEnd => ({ kind: 'http_status', status })
const network = (message = 'connect ECONNREFUSED 127.0.0.1:1'): SocketEnd => ({ kind: 'error', message })

/** Where a transport stands when a socket ends. */
const COLD = { handshakeSucceeded: false, judgeNextAuth: false, socketJudged: false, socketHandshaken: false }
/** A provisional socket that had its descriptor. */
const LIVE = { ...COLD, handshakeSucceeded: true, socketHandshaken: true }
/** A later dial on a transport that handshook before, ending before its own descriptor. */
const REDIAL = { ...COLD, handshakeSucceeded: true }
/** The fresh-token re-dial after a first 4401, ending before its descriptor. */
const JUDGED_DIAL = { ...REDIAL, judgeNextAuth: true }
/** The socket that fresh-token re-dial opened, after its descriptor: judged for its whole life. */
const JUDGED_SOCKET = { ...LIVE, socketJudged: true }

const ending = (at: Omit<EndFacts, 'end' | 'localCause'>, end: SocketEnd, localCause: LocalCause | null = null) => ({
  ...at,
  end,
  localCause,
})

const backoff = (code: ErrorCode, says: string, keepJudging = true): CloseDecision => ({
  kind: 'backoff',
  failure: { code, message: expect.stringContaining(says) },
  keepJudging,
})
const freshTokenRedial = (says: string): CloseDecision => ({
  kind: 'fresh_token_redial',
  failure: { code: 'relay_unauthorized', message: expect.stringContaining(says) },
})
const latch = (reason: string): CloseDecision => ({ kind: 'latch_revoked', reason })

interface Row {
  situation: string
  facts: EndFacts
  decision: CloseDecision
}

const SUPERSEDED = 'superseded: a newer socket for this gateway authenticated (closed 4409)'

const ROWS: Row[] = [
  // §5: 4401 before any handshake on this transport — backoff, forever, never a latch.
  {
    situation: '4401 revoked, no handshake ever',
    facts: ending(COLD, close(4401, 'revoked')),
    decision: backoff('relay_unauthorized', 'refused the token: closed 4401 (revoked)'),
  },
  {
    situation: '4401 unauthorized, no handshake ever',
    facts: ending(COLD, close(4401, 'unauthorized')),
    decision: backoff('relay_unauthorized', 'refused the token'),
  },
  // §5: 4401 expired — backoff, never a latch; it settles a pending judgement.
  {
    situation: '4401 expired after a handshake',
    facts: ending(LIVE, close(4401, 'expired')),
    decision: backoff('relay_unauthorized', 'expired token', false),
  },
  {
    situation: '4401 expired at the fresh-token dial',
    facts: ending(JUDGED_DIAL, close(4401, 'expired')),
    decision: backoff('relay_unauthorized', 'expired token', false),
  },
  {
    situation: '4401 expired on the judged socket',
    facts: ending(JUDGED_SOCKET, close(4401, 'expired')),
    decision: backoff('relay_unauthorized', 'expired token', false),
  },
  // §5: the first other 4401 after a handshake — one immediate fresh-token re-dial.
  {
    situation: 'first 4401 unauthorized on a live socket',
    facts: ending(LIVE, close(4401, 'unauthorized')),
    decision: freshTokenRedial('re-dialling once with a fresh token'),
  },
  {
    situation: 'first 4401 revoked at a later backoff dial',
    facts: ending(REDIAL, close(4401, 'revoked')),
    decision: freshTokenRedial('re-dialling once with a fresh token'),
  },
  // §5: 4401 again on that re-dial, at its upgrade or later on its socket — the latch.
  {
    situation: '4401 revoked at the fresh-token dial',
    facts: ending(JUDGED_DIAL, close(4401, 'revoked')),
    decision: latch('revoked'),
  },
  {
    situation: '4401 unauthorized later on the judged socket',
    facts: ending(JUDGED_SOCKET, close(4401, 'unauthorized')),
    decision: latch('unauthorized'),
  },
  {
    situation: '4401 with no reason at the fresh-token dial',
    facts: ending(JUDGED_DIAL, close(4401)),
    decision: latch(''),
  },
  // §5: the fresh-token dial failing for a non-auth reason — backoff, the marker kept.
  {
    situation: 'the fresh-token dial is refused on the network',
    facts: ending(JUDGED_DIAL, network()),
    decision: backoff('relay_dial_failed', 'dial failed: connect ECONNREFUSED'),
  },
  {
    situation: 'the fresh-token dial closes 1011 before its descriptor',
    facts: ending(JUDGED_DIAL, close(1011, 'overloaded')),
    decision: backoff('relay_connection_lost', 'connection lost before the handshake: closed 1011 (overloaded)'),
  },
  {
    situation: 'the fresh-token dial times out waiting for its descriptor',
    facts: ending(JUDGED_DIAL, close(1006), 'handshake_timeout'),
    decision: backoff('relay_handshake_timeout', 'no descriptor arrived in time'),
  },
  {
    situation: 'the fresh-token dial is refused HTTP 403',
    facts: ending(JUDGED_DIAL, http(403)),
    decision: backoff('relay_unauthorized', 'upgrade refused with HTTP 403'),
  },
  // §4: HTTP 401/403 on the upgrade — like a 4401 before any handshake, never judged.
  {
    situation: 'HTTP 401 on the upgrade, no handshake ever',
    facts: ending(COLD, http(401)),
    decision: backoff('relay_unauthorized', 'upgrade refused with HTTP 401'),
  },
  {
    situation: 'HTTP 403 on the upgrade after a handshake',
    facts: ending(REDIAL, http(403)),
    decision: backoff('relay_unauthorized', 'upgrade refused with HTTP 403'),
  },
  // §4: 4409 superseded — an ordinary drop whatever the reason; never a latch, marker kept.
  {
    situation: '4409 superseded on a live socket',
    facts: ending(LIVE, close(4409, 'superseded')),
    decision: backoff('relay_superseded', SUPERSEDED),
  },
  {
    situation: '4409 with another reason, no handshake ever',
    facts: ending(COLD, close(4409, 'replaced')),
    decision: backoff('relay_superseded', SUPERSEDED),
  },
  {
    situation: '4409 with no reason at the fresh-token dial',
    facts: ending(JUDGED_DIAL, close(4409)),
    decision: backoff('relay_superseded', SUPERSEDED),
  },
  {
    situation: '4409 superseded on the judged socket',
    facts: ending(JUDGED_SOCKET, close(4409, 'superseded')),
    decision: backoff('relay_superseded', SUPERSEDED),
  },
  // §5: any other close or dial error — backoff.
  {
    situation: '1006 on a live socket',
    facts: ending(LIVE, close(1006)),
    decision: backoff('relay_connection_lost', 'connection lost: closed 1006'),
  },
  {
    situation: '4403 on a live socket',
    facts: ending(LIVE, close(4403, 'forbidden')),
    decision: backoff('relay_connection_lost', 'connection lost: closed 4403 (forbidden)'),
  },
  {
    situation: 'HTTP 400 on the upgrade',
    facts: ending(COLD, http(400)),
    decision: backoff('relay_dial_failed', 'upgrade refused with HTTP 400'),
  },
  {
    situation: 'a refused connection',
    facts: ending(COLD, network()),
    decision: backoff('relay_dial_failed', 'dial failed: connect ECONNREFUSED'),
  },
  // Causes this side ends a socket for: the cause names the failure, whatever close follows.
  {
    situation: 'no descriptor in time after open (we terminate)',
    facts: ending(COLD, close(1006), 'handshake_timeout'),
    decision: backoff('relay_handshake_timeout', 'no descriptor arrived in time'),
  },
  {
    situation: 'no pong in time (we terminate)',
    facts: ending(LIVE, close(1006), 'ping_timeout'),
    decision: backoff('relay_connection_lost', 'no pong in time'),
  },
  {
    situation: 'a frame over 1 MiB (we close 1009)',
    facts: ending(LIVE, close(1009, 'frame too large'), 'frame_too_large'),
    decision: backoff('relay_protocol_error', 'over 1 MiB'),
  },
  {
    situation: 'a frame over 1 MiB, and the peer answers our close with 4409',
    facts: ending(LIVE, close(4409, 'superseded'), 'frame_too_large'),
    decision: backoff('relay_protocol_error', 'over 1 MiB'),
  },
]

describe('decideOnEnd — docs/relay-contract.md §4, §5, row by row', () => {
  it.each(ROWS)('$situation', ({ facts, decision }) => {
    expect(decideOnEnd(facts)).toEqual(decision)
  })

  const failures = ROWS.flatMap(({ situation, facts }) => {
    const decision = decideOnEnd(facts)
    return decision.kind === 'latch_revoked' ? [] : [{ situation, code: decision.failure.code }]
  })

  it.each(failures)('$situation leaves the platforms retrying ($code), never disabled or fatal', ({ code }) => {
    expect(code).not.toBe(RELAY_DISABLED)
    expect(stateForError({ code, retryable: isRetryable(code) })).toBe('retrying')
  })
})

describe('decideOnEnd — over any facts', () => {
  const end = fc.oneof(
    fc.record({
      kind: fc.constant('close' as const),
      code: fc.oneof(fc.constantFrom(1000, 1006, 1009, 1011, 4401, 4409), fc.integer({ min: 1000, max: 4999 })),
      reason: fc.oneof(fc.constantFrom('', 'unauthorized', 'revoked', 'expired', 'superseded'), fc.string()),
    }),
    fc.record({ kind: fc.constant('http_status' as const), status: fc.integer({ min: 100, max: 599 }) }),
    fc.record({ kind: fc.constant('error' as const), message: fc.string() }),
  )
  const anyFacts = fc.record({
    end,
    localCause: fc.constantFrom<LocalCause | null>(null, 'handshake_timeout', 'ping_timeout', 'frame_too_large'),
    handshakeSucceeded: fc.boolean(),
    judgeNextAuth: fc.boolean(),
    socketJudged: fc.boolean(),
    socketHandshaken: fc.boolean(),
  })

  it('latches only on a 4401 other than expired while a judgement is due', () => {
    fc.assert(
      fc.property(anyFacts, (f) => {
        const latched = decideOnEnd(f).kind === 'latch_revoked'
        const due = f.judgeNextAuth || f.socketJudged
        expect(latched).toBe(due && f.end.kind === 'close' && f.end.code === 4401 && f.end.reason !== 'expired')
      }),
    )
  })

  it('never gives a failure that disables or fails a platform', () => {
    fc.assert(
      fc.property(anyFacts, (f) => {
        const decision = decideOnEnd(f)
        if (decision.kind === 'latch_revoked') return
        const { code } = decision.failure
        expect(stateForError({ code, retryable: isRetryable(code) })).toBe('retrying')
      }),
    )
  })

  it('reads 4409 as an ordinary drop that keeps the judge marker, whatever the reason', () => {
    fc.assert(
      fc.property(anyFacts, fc.string(), (f, reason) => {
        expect(decideOnEnd({ ...f, end: close(4409, reason), localCause: null })).toEqual({
          kind: 'backoff',
          failure: { code: 'relay_superseded', message: SUPERSEDED },
          keepJudging: true,
        })
      }),
    )
  })
})
