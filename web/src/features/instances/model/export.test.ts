import { describe, expect, it } from 'vitest'
import { instance, platformStatus } from '../../../test-fixtures'
import { csvField, instancesCsv, instancesJson } from './export'

describe('instancesCsv', () => {
  it('writes a header and one line per instance, in the order shown', () => {
    const acme = instance('acme', {
      platforms: [
        platformStatus({ updatedAt: '2026-11-29T10:00:00.000Z' }),
        platformStatus({ platform: 'telegram', state: 'retrying', updatedAt: '2026-11-29T11:00:00.000Z' }),
      ],
      labels: { tenant: 'acme', region: 'eu-west' },
    })
    const off = instance('off', {
      optedIn: false,
      platforms: [platformStatus({ state: 'disabled', updatedAt: '2026-11-29T09:00:00.000Z' })],
      disabledBy: { source: 'operator', actor: 'alice' },
    })
    expect(instancesCsv([acme, off]).split('\r\n')).toEqual([
      'id,displayName,gatewayId,optedIn,pending,platforms,labels,disabledBy,lastChange',
      'acme,Acme support,gw-acme,true,,discord:connected telegram:retrying,tenant:acme region:eu-west,,2026-11-29T11:00:00.000Z',
      'off,Off support,gw-off,false,,discord:disabled,,operator:alice,2026-11-29T09:00:00.000Z',
    ])
  })

  it('quotes what must be quoted, and never hands a spreadsheet a formula', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a, "b"')).toBe('"a, ""b"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"')
    for (const start of ['+1', '-1', '@SUM(A1)', '\tx']) expect(csvField(start).startsWith("'")).toBe(true)
  })
})

describe('instancesJson', () => {
  it('is the instances as the API gives them', () => {
    const list = [instance('acme')]
    expect(JSON.parse(instancesJson(list))).toEqual(list)
  })
})
