import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSealer } from './sealed'

describe('createSealer', () => {
  const sealer = createSealer(randomBytes(32))

  it('opens what it sealed, for the same purpose, until it expires', () => {
    const text = sealer.seal('oidc', { state: 's', nonce: 'n' }, 2000)
    expect(sealer.open('oidc', text, 1999)).toEqual({ state: 's', nonce: 'n' })
    expect(sealer.open('oidc', text, 2000)).toBeNull()
    expect(sealer.open('other', text, 1000)).toBeNull()
  })

  it('refuses anything altered, truncated, foreign or missing, without throwing', () => {
    const text = sealer.seal('oidc', { a: 1 }, 2000)
    const flipped = `${text.slice(0, 20)}${text[20] === 'A' ? 'B' : 'A'}${text.slice(21)}`
    for (const bad of [flipped, text.slice(0, 30), '', 'not base64 at all!', undefined, 'x'.repeat(10_000)]) {
      expect(sealer.open('oidc', bad, 1000)).toBeNull()
    }
    expect(createSealer(randomBytes(32)).open('oidc', text, 1000)).toBeNull()
  })

  it('hides what it seals', () => {
    const text = sealer.seal('oidc', { verifier: 'very-secret-verifier' }, 2000)
    expect(Buffer.from(text, 'base64url').toString('latin1')).not.toContain('very-secret')
  })
})
