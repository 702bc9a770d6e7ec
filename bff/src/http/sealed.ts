/**
 * Sealing a small JSON value for a round trip through the browser (the single sign-on's pending
 * state, PKCE verifier and nonce in a cookie): AES-256-GCM under a key kept in the state store, so
 * any replica can open what another sealed, and the browser can neither read nor alter it. Each
 * seal says what it is for and until when; opening checks both.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

export interface Sealer {
  seal(purpose: string, value: unknown, expiresAt: number): string
  /** The value, or null when the text was not sealed by this key for `purpose`, was altered, or has expired by `now`. */
  open(purpose: string, text: string | undefined, now: number): unknown
}

const IV_BYTES = 12
const TAG_BYTES = 16

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error('a sealing key is 32 bytes')
  return {
    seal(purpose, value, expiresAt) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(purpose, 'utf8'))
      const body = Buffer.concat([cipher.update(JSON.stringify({ v: value, exp: expiresAt }), 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
    },
    open(purpose, text, now) {
      if (text === undefined || text.length > 8192) return null
      const raw = Buffer.from(text, 'base64url')
      if (raw.length <= IV_BYTES + TAG_BYTES) return null
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
        decipher.setAAD(Buffer.from(purpose, 'utf8'))
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()])
        const parsed = JSON.parse(plain.toString('utf8')) as { v: unknown; exp: number }
        return typeof parsed.exp === 'number' && parsed.exp > now ? parsed.v : null
      } catch {
        return null
      }
    },
  }
}
