/**
 * Error codes a platform can carry, and the one place that decides which state an error puts a
 * platform in (docs/relay-contract.md §5): nothing else makes that decision.
 * @module
 */
import type { PlatformState } from './platform-state'

/** The message every platform of an opted-out (revoked) instance shows. */
export const RELAY_DISABLED_MESSAGE = 'Relay disabled (opted out — opt in to re-enable)'

/**
 * Every code the console raises, with whether the condition heals by itself. Codes from elsewhere
 * (future versions, other peers) are still handled: see {@link stateForError}.
 */
export const ERROR_CODES = {
  /** The revocation latch closed: the instance is opted out or its secret was revoked. */
  relay_disabled: { retryable: false },
  /** 4401 (or HTTP 401/403) before any handshake, or while the fresh-token re-dial is in flight. */
  relay_unauthorized: { retryable: true },
  /** An established socket closed or stopped answering pings. */
  relay_connection_lost: { retryable: true },
  /**
   * The connector closed the socket 4409: a newer socket for the same gateway authenticated. An
   * ordinary drop (the console re-dials with backoff), never a revocation.
   */
  relay_superseded: { retryable: true },
  /** The dial itself failed: refused, DNS, HTTP error on the upgrade, throttled. */
  relay_dial_failed: { retryable: true },
  /** The socket opened but no descriptor arrived in time. */
  relay_handshake_timeout: { retryable: true },
  /** The peer broke the framing rules (e.g. a frame over 1 MiB); the socket was closed. */
  relay_protocol_error: { retryable: true },
  /** The connector answered a hello with a descriptor that fails validation. */
  relay_descriptor_invalid: { retryable: false },
  /** Provisioning the instance at the connector failed; the console keeps trying. */
  relay_provision_failed: { retryable: true },
  /** The instance has no usable secret, so it cannot authenticate. */
  relay_no_secret: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>

export type ErrorCode = keyof typeof ERROR_CODES
export const RELAY_DISABLED = 'relay_disabled' satisfies ErrorCode

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code)
}

export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable
}

export type ErrorState = Extract<PlatformState, 'disabled' | 'retrying' | 'fatal'>

/**
 * Maps an error to the platform state it causes. `relay_disabled` → `disabled` (never `fatal`,
 * never `retrying`); any other retryable error → `retrying`; any other error → `fatal`.
 */
export function stateForError(error: { code: string; retryable: boolean }): ErrorState {
  if (error.code === RELAY_DISABLED) return 'disabled'
  return error.retryable ? 'retrying' : 'fatal'
}
