/**
 * Single sign-on with OpenID Connect (docs/operators.md, "Single sign-on"): the authorization code
 * flow with PKCE, through openid-client. The provider is discovered from `oidc.issuer` at start; a
 * provider that cannot be reached does not stop the console: the login page says single sign-on is
 * unavailable, local operators sign in as ever, and discovery is tried again with a growing pause.
 *
 * What the flow must remember between leaving for the provider and coming back (state, nonce, the
 * PKCE verifier, the redirect URL) travels sealed in a short-lived cookie ({@link Sealer}), so the
 * callback may land on any replica. The ID token's signature, issuer, audience, expiry and nonce
 * are openid-client's to check; the claims then name the operator and their role
 * ({@link operatorFromClaims}).
 * @module
 */
import type { SsoFailure } from '@relay-console/shared/api'
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { Operator } from '@relay-console/shared/roles'
import * as client from 'openid-client'
import { z } from 'zod'
import type { ResolvedOidc } from '../config/load'
import type { Log } from '../lib/log'
import { operatorFromClaims } from './oidc-claims'
import type { Sealer } from './sealed'

/** How long a sign-in may take at the provider. */
export const PENDING_MS = 10 * 60_000
const PURPOSE = 'oidc-pending'
/** The first pause before discovery is tried again, doubled up to the last. */
export const DISCOVERY_RETRY_FIRST_MS = 5_000
export const DISCOVERY_RETRY_MAX_MS = 5 * 60_000
const REQUEST_TIMEOUT_S = 10

const PendingSchema = z.object({
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  redirectUri: z.string(),
})

export type SsoOutcome = { kind: 'operator'; operator: Operator } | { kind: 'failed'; reason: SsoFailure }

export interface SingleSignOn {
  /** What the login page's button names. */
  readonly displayName: string
  /** Whether the provider has been discovered (and so a sign-in can start). */
  available(): boolean
  /** Where to send the browser, and the sealed state to keep in a cookie; null while unavailable. */
  begin(redirectUri: string): Promise<{ url: string; pending: string } | null>
  /** Completes a sign-in from the URL the provider sent the browser back to. */
  finish(callback: URL, pending: string | undefined): Promise<SsoOutcome>
  stop(): void
}

export interface SingleSignOnOptions {
  config: ResolvedOidc
  /** Local operators' names, which no one signing in through the provider may take. */
  localNames: readonly string[]
  sealer: Sealer
  clock: Clock
  log: Log
}

export function createSingleSignOn({ config, localNames, sealer, clock, log }: SingleSignOnOptions): SingleSignOn {
  const issuer = new URL(config.issuer)
  let discovered: client.Configuration | null = null
  let discovering: Promise<void> | null = null
  let retry: TimerHandle | null = null
  let pause = 0
  let stopped = false

  const discover = (): Promise<void> => {
    discovering ??= (async () => {
      try {
        const auth = config.clientSecret === null ? client.None() : client.ClientSecretBasic(config.clientSecret)
        discovered = await client.discovery(issuer, config.clientId, undefined, auth, {
          timeout: REQUEST_TIMEOUT_S,
          // An http:// issuer passed the config's checks (loopback, or allowInsecure).
          ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
        })
        if (pause > 0) log.info({ issuer: config.issuer }, 'single sign-on: the provider is reachable again')
        pause = 0
      } catch (error) {
        pause = pause === 0 ? DISCOVERY_RETRY_FIRST_MS : Math.min(pause * 2, DISCOVERY_RETRY_MAX_MS)
        log.warn(
          { issuer: config.issuer, err: String(error), retryInMs: pause },
          'single sign-on: cannot discover the provider; local operators can still sign in',
        )
        if (!stopped) {
          if (retry !== null) clock.clearTimeout(retry)
          retry = clock.setTimeout(() => {
            retry = null
            void discover()
          }, pause)
        }
      } finally {
        discovering = null
      }
    })()
    return discovering
  }
  void discover()

  return {
    displayName: config.displayName,
    available: () => discovered !== null,

    async begin(redirectUri) {
      if (discovered === null) return null
      const verifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      const url = client.buildAuthorizationUrl(discovered, {
        redirect_uri: redirectUri,
        scope: config.scopes.join(' '),
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      const pending = sealer.seal(PURPOSE, { state, nonce, verifier, redirectUri }, clock.now() + PENDING_MS)
      return { url: url.href, pending }
    },

    async finish(callback, sealed) {
      if (discovered === null) return { kind: 'failed', reason: 'unavailable' }
      const pending = PendingSchema.safeParse(sealer.open(PURPOSE, sealed, clock.now()))
      if (!pending.success) {
        log.warn('single sign-on: a callback without a valid pending sign-in (expired, or from another browser)')
        return { kind: 'failed', reason: 'failed' }
      }
      const { state, nonce, verifier, redirectUri } = pending.data
      // The provider checks redirect_uri against the one the flow began with: rebuild it from that.
      const current = new URL(redirectUri)
      current.search = callback.search
      let claims: Record<string, unknown> | undefined
      try {
        const tokens = await client.authorizationCodeGrant(discovered, current, {
          pkceCodeVerifier: verifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        })
        claims = tokens.claims()
      } catch (error) {
        log.warn({ err: String(error) }, 'single sign-on: the provider did not complete the sign-in')
        return { kind: 'failed', reason: 'failed' }
      }
      if (claims === undefined) return { kind: 'failed', reason: 'failed' }
      const verdict = operatorFromClaims(claims, { ...config, localNames })
      switch (verdict.kind) {
        case 'operator':
          log.info({ operator: verdict.operator.name, role: verdict.operator.role }, 'single sign-on: signed in')
          return verdict
        case 'no_role':
          log.warn(
            { operator: verdict.name, claim: config.roleClaim },
            'single sign-on: no value of the role claim maps to a role; not signed in',
          )
          return { kind: 'failed', reason: 'no_role' }
        case 'no_name':
          log.warn('single sign-on: the ID token names nobody the console can show; not signed in')
          return { kind: 'failed', reason: 'failed' }
      }
    },

    stop() {
      stopped = true
      if (retry !== null) clock.clearTimeout(retry)
      retry = null
    },
  }
}
