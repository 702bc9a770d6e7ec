/**
 * WebSocket close codes and reasons of the relay (docs/relay-contract.md §4).
 * @module
 */

/** The connector refuses a token: bad, missing, revoked or expired. */
export const CLOSE_UNAUTHORIZED = 4401
/**
 * A newer socket for the same gateway authenticated, so the connector closed this one: an ordinary
 * retryable drop, never a revocation, whatever the reason says.
 */
export const CLOSE_SUPERSEDED = 4409
/** A single frame was larger than {@link MAX_FRAME_BYTES}. */
export const CLOSE_MESSAGE_TOO_BIG = 1009
export const CLOSE_NORMAL = 1000
export const CLOSE_GOING_AWAY = 1001
export const CLOSE_INTERNAL_ERROR = 1011
/** Never on the wire: the socket broke without a close frame (RFC 6455 §7.1.5). */
export const CLOSE_ABNORMAL = 1006

/** Reasons the connector puts on a 4401 close. Only `expired` is never a revocation. */
export const UNAUTHORIZED_REASONS = ['unauthorized', 'expired', 'revoked'] as const
export type UnauthorizedReason = (typeof UNAUTHORIZED_REASONS)[number]

export const REASON_EXPIRED = 'expired' satisfies UnauthorizedReason
/** The reason the connector puts on a {@link CLOSE_SUPERSEDED} close. */
export const REASON_SUPERSEDED = 'superseded'

/** docs/relay-contract.md §3: a frame over 1 MiB is a protocol error. */
export const MAX_FRAME_BYTES = 1024 * 1024
