import { describe, expect, it } from 'vitest'
import { decodeConnectorFrame, decodeGatewayFrame, parseDescriptor } from './frame-schemas'

describe('decodeConnectorFrame', () => {
  it('decodes every connector frame type', () => {
    expect(decodeConnectorFrame('{"type":"descriptor","descriptor":{"platform":"discord"}}').kind).toBe('frame')
    expect(decodeConnectorFrame('{"type":"inbound","event":{"text":"hi"},"bufferId":"b1"}')).toEqual({
      kind: 'frame',
      frame: { type: 'inbound', event: { text: 'hi' }, bufferId: 'b1' },
    })
    expect(
      decodeConnectorFrame(
        '{"type":"outbound_result","requestId":"0123456789abcdef0123456789abcdef","result":{"success":true,"message_id":"m1"}}',
      ),
    ).toMatchObject({ kind: 'frame', frame: { result: { success: true, message_id: 'm1' } } })
    expect(decodeConnectorFrame('{"type":"interrupt_inbound","session_key":"s","chat_id":"c"}').kind).toBe('frame')
    expect(decodeConnectorFrame('{"type":"going_idle_ack"}').kind).toBe('frame')
  })

  it('ignores unknown types and echoes of gateway frames', () => {
    expect(decodeConnectorFrame('{"type":"passthrough_forward"}')).toEqual({
      kind: 'unknown_type',
      type: 'passthrough_forward',
    })
    expect(decodeConnectorFrame('{"type":"hello","platform":"x","botId":""}')).toEqual({
      kind: 'unknown_type',
      type: 'hello',
    })
  })

  it.each([
    ['not JSON', 'not json', 'not JSON'],
    ['an array', '[1,2]', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['a string', '"descriptor"', 'not a JSON object'],
    ['no type', '{"descriptor":{}}', 'no string "type"'],
  ])('calls %s malformed', (_name, line, error) => {
    expect(decodeConnectorFrame(line)).toEqual({ kind: 'malformed', error })
  })

  it('calls a known type with bad fields malformed, naming the field', () => {
    const result = decodeConnectorFrame('{"type":"inbound","event":"text"}')
    expect(result.kind).toBe('malformed')
    if (result.kind === 'malformed') expect(result.error).toMatch(/event/)
  })
})

describe('decodeGatewayFrame', () => {
  it('decodes hello, outbound, inbound_ack, going_idle', () => {
    expect(decodeGatewayFrame('{"type":"hello","platform":"discord","botId":"1"}').kind).toBe('frame')
    expect(
      decodeGatewayFrame(
        '{"type":"outbound","requestId":"0123456789abcdef0123456789abcdef","action":{"op":"send","text":"x"}}',
      ),
    ).toMatchObject({ kind: 'frame', frame: { action: { op: 'send', text: 'x' } } })
    expect(decodeGatewayFrame('{"type":"inbound_ack","bufferId":"b"}').kind).toBe('frame')
    expect(decodeGatewayFrame('{"type":"going_idle"}').kind).toBe('frame')
  })

  it('refuses a requestId that is not 32 lowercase hex', () => {
    expect(decodeGatewayFrame('{"type":"outbound","requestId":"ABC","action":{"op":"send"}}').kind).toBe('malformed')
  })
})

describe('parseDescriptor', () => {
  it('fills every missing optional key with its default', () => {
    expect(parseDescriptor({ platform: 'discord' })).toEqual({
      ok: true,
      descriptor: {
        contract_version: 1,
        platform: 'discord',
        label: null,
        max_message_length: 4096,
        supports_draft_streaming: false,
        supports_edit: false,
        supports_threads: false,
        markdown_dialect: 'plain',
        len_unit: 'chars',
        emoji: null,
        supported_ops: [],
      },
    })
  })

  it('ignores unknown keys and keeps known ones', () => {
    const result = parseDescriptor({
      contract_version: 1,
      platform: 'discord',
      label: 'Discord',
      emoji: '🎮',
      max_message_length: 2000,
      supports_edit: true,
      len_unit: 'utf16',
      supported_ops: ['send', 'edit'],
      platform_hint: 'x',
      future_key: { nested: true },
    })
    expect(result).toMatchObject({
      ok: true,
      descriptor: { label: 'Discord', emoji: '🎮', max_message_length: 2000, supports_edit: true, len_unit: 'utf16' },
    })
    if (result.ok) expect(result.descriptor).not.toHaveProperty('future_key')
  })

  it.each([0, -5, 'long', null, Number.NaN])('turns max_message_length %s into 4096', (value) => {
    expect(parseDescriptor({ platform: 'p', max_message_length: value })).toMatchObject({
      ok: true,
      descriptor: { max_message_length: 4096 },
    })
  })

  it('replaces a bad supported_ops with an empty list', () => {
    expect(parseDescriptor({ platform: 'p', supported_ops: 'send' })).toMatchObject({
      ok: true,
      descriptor: { supported_ops: [] },
    })
  })

  it('accepts a newer contract version (additive evolution)', () => {
    expect(parseDescriptor({ platform: 'p', contract_version: 3 })).toMatchObject({
      ok: true,
      descriptor: { contract_version: 3 },
    })
  })

  it('refuses a descriptor without a platform, or with a nonsense version, and says which platform when it can', () => {
    expect(parseDescriptor({ label: 'x' })).toMatchObject({ ok: false, platform: null })
    expect(parseDescriptor('discord')).toMatchObject({ ok: false, platform: null })
    expect(parseDescriptor({ platform: 'slack', contract_version: 'one' })).toMatchObject({
      ok: false,
      platform: 'slack',
    })
    expect(parseDescriptor({ platform: 'slack', contract_version: 0 })).toMatchObject({ ok: false, platform: 'slack' })
  })

  it('cuts a label to 100 characters (never inside a surrogate pair) rather than refusing it', () => {
    const huge = parseDescriptor({ platform: 'p', label: 'x'.repeat(1_000_000) })
    expect(huge.ok && huge.descriptor.label).toBe('x'.repeat(100))
    const astral = parseDescriptor({ platform: 'p', label: `${'a'.repeat(99)}🎮🎮` })
    expect(astral.ok && astral.descriptor.label).toBe(`${'a'.repeat(99)}🎮`)
    const short = parseDescriptor({ platform: 'p', label: 'Discord' })
    expect(short.ok && short.descriptor.label).toBe('Discord')
  })

  it('keeps an emoji of up to 16 characters and drops a longer one to null', () => {
    const family = '👨‍👩‍👧‍👦' // 7 code points
    const kept = parseDescriptor({ platform: 'p', emoji: family })
    expect(kept.ok && kept.descriptor.emoji).toBe(family)
    const long = parseDescriptor({ platform: 'p', emoji: '🎮'.repeat(17) })
    expect(long.ok && long.descriptor.emoji).toBeNull()
  })

  it('names no platform for an empty or non-string one', () => {
    expect(parseDescriptor({ platform: '' })).toMatchObject({ ok: false, platform: null })
    expect(parseDescriptor({ platform: 42 })).toMatchObject({ ok: false, platform: null })
  })
})
