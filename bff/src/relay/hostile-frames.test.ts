/**
 * Hostile frames from the connector (property-based, fast-check): whatever lines arrive on a live
 * relay socket, the transport never throws and keeps the socket; every malformed line is dropped
 * with exactly one warning in the log; and a good descriptor after the junk still counts.
 */
import { decodeConnectorFrame } from '@relay-console/shared/relay/frame-schemas'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { capturedLogger } from '../test-support'
import { harness } from './test-support'

/** A line as a misbehaving peer might send it: text, JSON, or frame-shaped objects with junk fields. */
const line = fc.oneof(
  fc.string().map((s) => s.replaceAll('\n', ' ')),
  fc.json(),
  fc
    .record(
      {
        type: fc.oneof(
          fc.constantFrom('descriptor', 'inbound', 'outbound_result', 'interrupt_inbound', 'going_idle_ack'),
          fc.jsonValue(),
        ),
        descriptor: fc.jsonValue(),
        event: fc.jsonValue(),
        bufferId: fc.jsonValue(),
        requestId: fc.jsonValue(),
        result: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((frame) => JSON.stringify(frame)),
)

describe('the transport under hostile frames', () => {
  it('drops each malformed line with one warning, keeps the socket, and still takes a good descriptor', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), (lines) => {
        const { logger, lines: logged } = capturedLogger()
        const { transport, dialer, ofType } = harness({ log: logger })
        transport.connect()
        const socket = dialer.last.open()
        expect(() => socket.receive(`${lines.join('\n')}\n`)).not.toThrow()
        const malformed = lines.filter((l) => l.trim() !== '' && decodeConnectorFrame(l).kind === 'malformed')
        const warnings = logged.filter((l) => l.includes('dropping malformed relay frame'))
        expect(warnings).toHaveLength(malformed.length)
        expect(socket.ended).toBe(false)
        socket.describe('discord')
        expect(ofType('descriptor').map((e) => e.descriptor.platform)).toContain('discord')
        transport.disconnect()
      }),
      { numRuns: 1000 },
    )
  })
})

describe('the transport under oversized descriptor fields', () => {
  it('passes on a label cut to 100 characters and drops an emoji over 16, however big the frame', () => {
    const { transport, dialer, ofType } = harness()
    transport.connect()
    dialer.last.open().describe('discord', { label: 'x'.repeat(900_000), emoji: '🎮'.repeat(1000) })
    const [event] = ofType('descriptor')
    expect(event?.descriptor.label).toHaveLength(100)
    expect(event?.descriptor.emoji).toBeNull()
    transport.disconnect()
  })
})
