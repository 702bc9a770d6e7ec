/**
 * Hostile input on the wire (property-based, fast-check): whatever arrives, the frame reader and
 * the token verifier answer with a value — a frame, `malformed`, `unknown_type`, `frame_too_large`,
 * a verify failure — and never throw.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeConnectorFrame, decodeGatewayFrame, type FrameDecode } from './frame-schemas'
import { NdjsonDecoder } from './ndjson'
import { decodeUpgradeToken, mintUpgradeToken, verifyUpgradeToken } from './token'

const KINDS = new Set(['frame', 'unknown_type', 'malformed'])
const answered = (result: FrameDecode<unknown>) => KINDS.has(result.kind)

/** JSON objects shaped like frames: a known or unknown `type`, and fields of any JSON type. */
const frameLike = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom('hello', 'outbound', 'inbound_ack', 'going_idle'),
      fc.constantFrom('descriptor', 'inbound', 'outbound_result', 'interrupt_inbound', 'going_idle_ack'),
      fc.jsonValue(),
    ),
    bufferId: fc.jsonValue(),
    event: fc.jsonValue(),
    descriptor: fc.jsonValue(),
    requestId: fc.jsonValue(),
    platform: fc.jsonValue(),
    result: fc.jsonValue(),
  },
  { requiredKeys: [] },
)

describe('the frame reader', () => {
  it('answers every string, JSON or not, without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (line) => {
        expect(answered(decodeConnectorFrame(line))).toBe(true)
        expect(answered(decodeGatewayFrame(line))).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('answers frame-shaped objects with wrong types as malformed or unknown, never as a frame of the wrong shape', () => {
    fc.assert(
      fc.property(frameLike, (object) => {
        const line = JSON.stringify(object)
        for (const result of [decodeConnectorFrame(line), decodeGatewayFrame(line)]) {
          expect(answered(result)).toBe(true)
          if (result.kind === 'frame') expect(result.frame.type).toBe(object.type)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('answers deeply nested JSON', () => {
    for (const depth of [1_000, 100_000]) {
      const deep = `{"type":"inbound","bufferId":"b","event":${'['.repeat(depth)}${']'.repeat(depth)}}`
      expect(answered(decodeConnectorFrame(deep))).toBe(true)
      const descriptor = `{"type":"descriptor","descriptor":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
      expect(answered(decodeConnectorFrame(descriptor))).toBe(true)
    }
  })

  it('splits any chunking of a stream into the same lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !s.includes('\n') && s.trim() !== '')),
        fc.array(fc.nat(), { maxLength: 20 }),
        (lines, cuts) => {
          const stream = lines.map((l) => `${l}\n`).join('')
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
          const decoder = new NdjsonDecoder()
          const seen: string[] = []
          let from = 0
          for (const to of [...points, stream.length]) {
            const result = decoder.push(stream.slice(from, to))
            expect(result.ok).toBe(true)
            if (result.ok) seen.push(...result.lines)
            from = to
          }
          expect(seen).toEqual(lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)))
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('refuses a line over the limit, whether it arrives whole or a byte at a time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 200 }), (limit, extra) => {
        const huge = 'x'.repeat(limit + extra)
        expect(new NdjsonDecoder(limit).push(`${huge}\n`)).toEqual({ ok: false, error: 'frame_too_large' })
        const trickle = new NdjsonDecoder(limit)
        const results = [...huge].map((ch) => trickle.push(ch))
        expect(results).toContainEqual({ ok: false, error: 'frame_too_large' })
      }),
    )
  })
})

describe('the upgrade token verifier', () => {
  const SECRET = 'fuzz-secret-0123456789'
  const NOW = 1_790_000_000_000
  const verify = (token: string) =>
    verifyUpgradeToken(token, { secretsFor: (id) => (id === 'gw-fuzz' ? [SECRET] : undefined), nowMs: NOW })

  it('answers any string without throwing, and accepts none of them', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]*$/)),
        (token) => {
          expect(verify(token).ok).toBe(false)
          const decoded = decodeUpgradeToken(token)
          if (decoded !== null) expect(Number.isSafeInteger(decoded.exp)).toBe(true)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('answers any payload a client could encode, colons and huge numbers included', () => {
    fc.assert(
      fc.property(fc.string(), fc.oneof(fc.nat().map(String), fc.string()), fc.string(), (id, exp, sig) => {
        const token = Buffer.from(`${id}:${exp}:${sig}`, 'utf8').toString('base64url')
        expect(verify(token).ok).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses every one-character change of a valid token', () => {
    const token = mintUpgradeToken({ gatewayId: 'gw-fuzz', secret: SECRET, nowMs: NOW })
    expect(verify(token).ok).toBe(true)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), (at, ch) => {
        fc.pre(token[at] !== ch)
        const changed = `${token.slice(0, at)}${ch}${token.slice(at + 1)}`
        // The last character may carry only padding bits: the same bytes decode, and that is the same token.
        const same = Buffer.from(changed, 'base64url').equals(Buffer.from(token, 'base64url'))
        expect(verify(changed).ok).toBe(same)
      }),
      { numRuns: 2000 },
    )
  })
})
