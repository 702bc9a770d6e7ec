import { describe, expect, it } from 'vitest'
import { ProvisionResponseSchema } from './http-schemas'

describe('ProvisionResponseSchema', () => {
  it('accepts a reply with a secret', () => {
    expect(ProvisionResponseSchema.safeParse({ secret: 's', tenant: 't', gatewayId: 'g', routeKeys: [] }).success).toBe(
      true,
    )
  })

  it('accepts a withheld secret (secretIssued: false, no secret)', () => {
    expect(ProvisionResponseSchema.safeParse({ secretIssued: false, tenant: 't' }).success).toBe(true)
  })

  it('refuses a reply with neither, saying "no secret"', () => {
    const result = ProvisionResponseSchema.safeParse({ tenant: 't' })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toBe('no secret')
  })

  it('refuses an empty secret', () => {
    expect(ProvisionResponseSchema.safeParse({ secret: '' }).success).toBe(false)
  })
})
