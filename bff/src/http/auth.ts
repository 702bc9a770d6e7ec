/**
 * Operator authentication. One operator token (compared in constant time) opens a session: an
 * HttpOnly, SameSite=Strict cookie signed with a key derived from the token, so sessions survive a
 * console restart and die when the token changes. `Authorization: Bearer <token>` works too.
 * A one-time login link exchanges a single-use code for a session. Failures are throttled.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createFailureThrottle, type FailureThrottle } from '@relay-console/shared/failure-throttle'

export const SESSION_COOKIE = 'rc_session'
/** docs/configuration.md, "Environment": shorter operator tokens are refused at start. */
export const MIN_OPERATOR_TOKEN_LENGTH = 32
const SESSION_SECONDS = 7 * 24 * 3600
const LOGIN_CODE_MS = 24 * 3600_000

export interface OperatorAuth {
  checkToken(candidate: string): boolean
  issueSession(): { value: string; maxAgeSeconds: number }
  verifySession(value: string | undefined): boolean
  revokeSession(value: string | undefined): void
  /** A single-use code for a login link. */
  createLoginCode(): string
  consumeLoginCode(code: string): boolean
  readonly failures: FailureThrottle
}

const sha256 = (text: string) => createHmac('sha256', 'relay-console').update(text, 'utf8').digest()

export function createOperatorAuth(token: string, now: () => number): OperatorAuth {
  if (token.length < MIN_OPERATOR_TOKEN_LENGTH) {
    throw new Error(`the operator token needs at least ${MIN_OPERATOR_TOKEN_LENGTH} characters`)
  }
  const tokenDigest = sha256(token)
  const sessionKey = createHmac('sha256', token).update('relay-console session v1').digest()
  const revoked = new Map<string, number>()
  const loginCodes = new Map<string, number>()
  const failures = createFailureThrottle({ maxFailures: 10, windowMs: 5 * 60_000 })

  const sign = (payload: string) => createHmac('sha256', sessionKey).update(payload).digest('base64url')

  const parse = (value: string | undefined) => {
    if (value === undefined) return null
    const [exp, nonce, sig, ...rest] = value.split('.')
    if (exp === undefined || nonce === undefined || sig === undefined || rest.length > 0) return null
    const expected = Buffer.from(sign(`${exp}.${nonce}`))
    const given = Buffer.from(sig)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null
    const expMs = Number(exp) * 1000
    if (!Number.isFinite(expMs) || expMs < now()) return null
    return { nonce, expMs }
  }

  const prune = () => {
    const t = now()
    for (const [nonce, exp] of revoked) if (exp < t) revoked.delete(nonce)
    for (const [code, exp] of loginCodes) if (exp < t) loginCodes.delete(code)
  }

  return {
    checkToken: (candidate) => timingSafeEqual(sha256(candidate), tokenDigest),
    issueSession() {
      const exp = Math.floor(now() / 1000) + SESSION_SECONDS
      const nonce = randomBytes(16).toString('base64url')
      return { value: `${exp}.${nonce}.${sign(`${exp}.${nonce}`)}`, maxAgeSeconds: SESSION_SECONDS }
    },
    verifySession(value) {
      const session = parse(value)
      return session !== null && !revoked.has(session.nonce)
    },
    revokeSession(value) {
      const session = parse(value)
      if (session !== null) revoked.set(session.nonce, session.expMs)
      prune()
    },
    createLoginCode() {
      prune()
      const code = randomBytes(24).toString('base64url')
      loginCodes.set(code, now() + LOGIN_CODE_MS)
      return code
    },
    consumeLoginCode(code) {
      const exp = loginCodes.get(code)
      loginCodes.delete(code)
      return exp !== undefined && exp >= now()
    },
    failures,
  }
}
