import { describe, expect, it } from 'vitest'
import {
  decodeUpgradeToken,
  isUsableSecret,
  mintUpgradeToken,
  peekGatewayId,
  signUpgradePayload,
  verifyUpgradeToken,
} from './token'

// The test vector of docs/relay-contract.md §2.
const VECTOR = {
  gatewayId: 'gw-acme',
  secret: 's3cret',
  exp: 1_800_000_000,
  sig: 'fe1f2b522811b963b6c3f2f39e53d3d05df1f3d2ba7571d733cfe0063705767b',
  token:
    'Z3ctYWNtZToxODAwMDAwMDAwOmZlMWYyYjUyMjgxMWI5NjNiNmMzZjJmMzllNTNkM2QwNWRmMWYzZDJiYTc1NzFkNzMzY2ZlMDA2MzcwNTc2N2I',
}
const ttl = 300
const nowForVector = (VECTOR.exp - ttl) * 1000

const lookup =
  (lists: Record<string, readonly string[]>) =>
  (gatewayId: string): readonly string[] | undefined =>
    lists[gatewayId]

describe('the contract test vector', () => {
  it('signs to the expected hex', () => {
    expect(signUpgradePayload(VECTOR.gatewayId, VECTOR.exp, VECTOR.secret)).toBe(VECTOR.sig)
  })

  it('mints the expected token, unpadded', () => {
    const token = mintUpgradeToken({ gatewayId: VECTOR.gatewayId, secret: VECTOR.secret, nowMs: nowForVector })
    expect(token).toBe(VECTOR.token)
    expect(token).not.toContain('=')
  })

  it('verifies it', () => {
    const result = verifyUpgradeToken(VECTOR.token, {
      secretsFor: lookup({ 'gw-acme': ['s3cret'] }),
      nowMs: nowForVector,
    })
    expect(result).toEqual({ ok: true, gatewayId: 'gw-acme', exp: VECTOR.exp, secretIndex: 0 })
  })
})

describe('verifyUpgradeToken', () => {
  const now = 1_700_000_000_000
  const mint = (secret = 's3cret', gatewayId = 'gw-acme', nowMs = now) => mintUpgradeToken({ gatewayId, secret, nowMs })

  it('refuses a token signed with another secret', () => {
    const result = verifyUpgradeToken(mint('other'), { secretsFor: lookup({ 'gw-acme': ['s3cret'] }), nowMs: now })
    expect(result).toEqual({ ok: false, reason: 'bad_signature', gatewayId: 'gw-acme' })
  })

  it('refuses a tampered token (gatewayId swapped, signature kept)', () => {
    const decoded = decodeUpgradeToken(mint())
    if (decoded === null) throw new Error('mint produced an undecodable token')
    const forged = Buffer.from(`gw-evil:${decoded.exp}:${decoded.sig}`).toString('base64url')
    const result = verifyUpgradeToken(forged, { secretsFor: lookup({ 'gw-evil': ['s3cret'] }), nowMs: now })
    expect(result.ok).toBe(false)
  })

  it('refuses a tampered token (exp extended)', () => {
    const decoded = decodeUpgradeToken(mint())
    if (decoded === null) throw new Error('mint produced an undecodable token')
    const forged = Buffer.from(`gw-acme:${decoded.exp + 3600}:${decoded.sig}`).toString('base64url')
    expect(verifyUpgradeToken(forged, { secretsFor: lookup({ 'gw-acme': ['s3cret'] }), nowMs: now })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    })
  })

  it('accepts within the 30 s skew and says expired past it', () => {
    const token = mint()
    const exp = Math.floor(now / 1000) + 300
    const at = (s: number) =>
      verifyUpgradeToken(token, { secretsFor: lookup({ 'gw-acme': ['s3cret'] }), nowMs: s * 1000 })
    expect(at(exp + 30).ok).toBe(true)
    expect(at(exp + 31)).toEqual({ ok: false, reason: 'expired', gatewayId: 'gw-acme' })
  })

  it('only says expired for a token whose signature is valid', () => {
    const token = mint('wrong')
    const result = verifyUpgradeToken(token, {
      secretsFor: lookup({ 'gw-acme': ['s3cret'] }),
      nowMs: now + 3_600_000,
    })
    expect(result).toMatchObject({ ok: false, reason: 'bad_signature' })
  })

  it('treats exp 0 as never expiring', () => {
    const sig = signUpgradePayload('gw-acme', 0, 's3cret')
    const token = Buffer.from(`gw-acme:0:${sig}`).toString('base64url')
    expect(
      verifyUpgradeToken(token, { secretsFor: lookup({ 'gw-acme': ['s3cret'] }), nowMs: Date.UTC(2100, 0) }).ok,
    ).toBe(true)
  })

  it('splits from the right, so a gatewayId may contain colons', () => {
    const token = mint('s3cret', 'tenant:eu:gw-1')
    expect(peekGatewayId(token)).toBe('tenant:eu:gw-1')
    expect(
      verifyUpgradeToken(token, { secretsFor: lookup({ 'tenant:eu:gw-1': ['s3cret'] }), nowMs: now }),
    ).toMatchObject({
      ok: true,
      gatewayId: 'tenant:eu:gw-1',
    })
  })

  it('accepts the previous secret during a rotation, and says which one matched', () => {
    const lists = lookup({ 'gw-acme': ['new-secret', 'old-secret'] })
    expect(verifyUpgradeToken(mint('new-secret'), { secretsFor: lists, nowMs: now })).toMatchObject({
      ok: true,
      secretIndex: 0,
    })
    expect(verifyUpgradeToken(mint('old-secret'), { secretsFor: lists, nowMs: now })).toMatchObject({
      ok: true,
      secretIndex: 1,
    })
    expect(verifyUpgradeToken(mint('older-secret'), { secretsFor: lists, nowMs: now }).ok).toBe(false)
  })

  it('never authenticates against an empty verify list, nor an unknown gateway', () => {
    expect(verifyUpgradeToken(mint(), { secretsFor: lookup({ 'gw-acme': [] }), nowMs: now })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    })
    expect(verifyUpgradeToken(mint(), { secretsFor: lookup({}), nowMs: now })).toEqual({
      ok: false,
      reason: 'unknown_gateway',
      gatewayId: 'gw-acme',
    })
  })

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['no separators', Buffer.from('just-text').toString('base64url')],
    ['non-numeric exp', Buffer.from(`gw:soon:${'a'.repeat(64)}`).toString('base64url')],
    ['short signature', Buffer.from('gw:1:abcd').toString('base64url')],
    ['upper-case signature', Buffer.from(`gw:1:${'A'.repeat(64)}`).toString('base64url')],
    ['empty gatewayId', Buffer.from(`:1:${'a'.repeat(64)}`).toString('base64url')],
  ])('calls a %s token malformed', (_name, token) => {
    expect(verifyUpgradeToken(token, { secretsFor: () => ['s3cret'], nowMs: now })).toEqual({
      ok: false,
      reason: 'malformed',
      gatewayId: null,
    })
  })
})

describe('mintUpgradeToken', () => {
  it('sets exp to now + 300 s and never 0', () => {
    const token = mintUpgradeToken({ gatewayId: 'gw', secret: 'x', nowMs: 1_000_500 })
    expect(decodeUpgradeToken(token)?.exp).toBe(1000 + 300)
  })

  it('refuses an empty or blank secret, naming the gateway but not the secret', () => {
    expect(() => mintUpgradeToken({ gatewayId: 'gw-a', secret: '  ', nowMs: 0 })).toThrow(/gw-a: the secret is empty/)
    expect(isUsableSecret('  ')).toBe(false)
    expect(isUsableSecret(undefined)).toBe(false)
    expect(isUsableSecret('s')).toBe(true)
  })
})
