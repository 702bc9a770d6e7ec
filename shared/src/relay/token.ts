/**
 * The upgrade token (docs/relay-contract.md §2): `base64url("{gatewayId}:{exp}:{hex hmac-sha256}")`.
 * Pure functions; the clock comes in as an argument.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** The BFF's token lifetime; the connector's `makeUpgradeToken` default. */
export const UPGRADE_TOKEN_TTL_SECONDS = 300
/** How far past `exp` a connector still accepts a token. */
export const DEFAULT_SKEW_SECONDS = 30

const BASE64URL = /^[A-Za-z0-9_-]+$/
const DIGITS = /^\d+$/
const HEX64 = /^[0-9a-f]{64}$/

/** A secret is usable when it has at least one non-space character. */
export function isUsableSecret(secret: string | null | undefined): secret is string {
  return typeof secret === 'string' && secret.trim() !== ''
}

export function signUpgradePayload(gatewayId: string, exp: number, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${gatewayId}:${exp}`, 'utf8').digest('hex')
}

export interface MintOptions {
  gatewayId: string
  secret: string
  /** Unix time in milliseconds. */
  nowMs: number
  ttlSeconds?: number
}

/** Mints a token; `exp` is `now + ttl` (never 0). Mint a fresh one for every dial and call. */
export function mintUpgradeToken({
  gatewayId,
  secret,
  nowMs,
  ttlSeconds = UPGRADE_TOKEN_TTL_SECONDS,
}: MintOptions): string {
  if (gatewayId === '') throw new TypeError('cannot mint an upgrade token: gatewayId is empty')
  if (!isUsableSecret(secret)) {
    throw new TypeError(`cannot mint an upgrade token for ${gatewayId}: the secret is empty`)
  }
  if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive')
  const exp = Math.floor(nowMs / 1000) + Math.floor(ttlSeconds)
  const sig = signUpgradePayload(gatewayId, exp, secret)
  return Buffer.from(`${gatewayId}:${exp}:${sig}`, 'utf8').toString('base64url')
}

export interface DecodedToken {
  gatewayId: string
  exp: number
  sig: string
}

/** Decodes without verifying. Splits from the right: a gatewayId may contain colons. */
export function decodeUpgradeToken(token: string): DecodedToken | null {
  if (!BASE64URL.test(token)) return null
  const text = Buffer.from(token, 'base64url').toString('utf8')
  const sigAt = text.lastIndexOf(':')
  if (sigAt <= 0) return null
  const expAt = text.lastIndexOf(':', sigAt - 1)
  if (expAt <= 0) return null
  const gatewayId = text.slice(0, expAt)
  const expText = text.slice(expAt + 1, sigAt)
  const sig = text.slice(sigAt + 1)
  if (!DIGITS.test(expText) || !HEX64.test(sig)) return null
  const exp = Number(expText)
  if (!Number.isSafeInteger(exp)) return null
  return { gatewayId, exp, sig }
}

/** The gatewayId a token claims, unverified: to find its verify list or to throttle by. */
export function peekGatewayId(token: string): string | null {
  return decodeUpgradeToken(token)?.gatewayId ?? null
}

export type VerifyFailure = 'malformed' | 'unknown_gateway' | 'bad_signature' | 'expired'

export type VerifyResult =
  | { ok: true; gatewayId: string; exp: number /** 0 = current secret, 1 = previous, … */; secretIndex: number }
  | { ok: false; reason: VerifyFailure; gatewayId: string | null }

export interface VerifyOptions {
  /** The verify list of a gatewayId, current secret first; undefined when unknown. */
  secretsFor: (gatewayId: string) => readonly string[] | undefined
  /** Unix time in milliseconds. */
  nowMs: number
  skewSeconds?: number
}

/**
 * Verifies a token in constant time against every secret of its gatewayId's verify list. The
 * signature is checked before expiry, so `expired` only ever means "valid, but aged out".
 * An empty verify list never authenticates.
 */
export function verifyUpgradeToken(token: string, options: VerifyOptions): VerifyResult {
  const decoded = decodeUpgradeToken(token)
  if (decoded === null) return { ok: false, reason: 'malformed', gatewayId: null }
  const { gatewayId, exp, sig } = decoded
  const secrets = options.secretsFor(gatewayId)
  if (secrets === undefined) return { ok: false, reason: 'unknown_gateway', gatewayId }
  const presented = Buffer.from(sig, 'utf8')
  let secretIndex = -1
  secrets.forEach((secret, index) => {
    if (!isUsableSecret(secret)) return
    const expected = Buffer.from(signUpgradePayload(gatewayId, exp, secret), 'utf8')
    // Compare every candidate (no early exit), so timing does not reveal which one matched.
    if (expected.length === presented.length && timingSafeEqual(expected, presented) && secretIndex < 0) {
      secretIndex = index
    }
  })
  if (secretIndex < 0) return { ok: false, reason: 'bad_signature', gatewayId }
  const skew = options.skewSeconds ?? DEFAULT_SKEW_SECONDS
  if (exp !== 0 && options.nowMs / 1000 > exp + skew) return { ok: false, reason: 'expired', gatewayId }
  return { ok: true, gatewayId, exp, secretIndex }
}
