import { describe, expect, it } from 'vitest'
import { encodeFrame, NdjsonDecoder } from './ndjson'

describe('NdjsonDecoder', () => {
  it('splits several frames in one message', () => {
    const d = new NdjsonDecoder()
    expect(d.push('{"a":1}\n{"b":2}\n')).toEqual({ ok: true, lines: ['{"a":1}', '{"b":2}'] })
  })

  it('buffers a frame across messages and keeps the trailing partial line', () => {
    const d = new NdjsonDecoder()
    expect(d.push('{"a":')).toEqual({ ok: true, lines: [] })
    expect(d.push('1}\n{"b"')).toEqual({ ok: true, lines: ['{"a":1}'] })
    expect(d.push(':2}\n')).toEqual({ ok: true, lines: ['{"b":2}'] })
  })

  it('skips blank lines and tolerates CRLF', () => {
    const d = new NdjsonDecoder()
    expect(d.push('\n  \n{"a":1}\r\n\n')).toEqual({ ok: true, lines: ['{"a":1}'] })
  })

  it('refuses a line over the limit, complete or still partial', () => {
    expect(new NdjsonDecoder(10).push(`${'x'.repeat(11)}\n`)).toEqual({ ok: false, error: 'frame_too_large' })
    expect(new NdjsonDecoder(10).push('x'.repeat(11))).toEqual({ ok: false, error: 'frame_too_large' })
    expect(new NdjsonDecoder(10).push(`${'x'.repeat(10)}\n`)).toEqual({ ok: true, lines: ['x'.repeat(10)] })
  })

  it('counts bytes, not characters', () => {
    expect(new NdjsonDecoder(4).push('ééé\n')).toEqual({ ok: false, error: 'frame_too_large' })
  })

  it('round-trips encodeFrame', () => {
    const d = new NdjsonDecoder()
    expect(d.push(encodeFrame({ type: 'hello' }) + encodeFrame({ type: 'x' }))).toEqual({
      ok: true,
      lines: ['{"type":"hello"}', '{"type":"x"}'],
    })
  })
})
