/**
 * Operator identity tokens (the bearer of `/relay/provision` and `/relay/enroll`): each one names a
 * tenant. Tokens are compared as SHA-256 digests, so lookup time says nothing about the token.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest()

export type IdentityVerifier = (token: string | null) => string | null

export function createIdentityVerifier(tokens: Readonly<Record<string, string>>): IdentityVerifier {
  const byDigest = new Map<string, string>()
  for (const [token, tenant] of Object.entries(tokens)) byDigest.set(digest(token).toString('hex'), tenant)
  return (token) => (token === null ? null : (byDigest.get(digest(token).toString('hex')) ?? null))
}

/** Constant-time equality of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}
