/**
 * What a relay transport reports about its socket, for the adapter (platform status) and for
 * metrics. A discriminated union: every consumer switches over it exhaustively.
 * @module
 */
import type { CapabilityDescriptor } from '@relay-console/shared/relay/frame-schemas'
import type { RelayFailure, SocketEnd } from './close-policy'

export type TransportEvent =
  /** A dial starts; `fresh` marks the one immediate fresh-token re-dial. */
  | { type: 'dialing'; fresh: boolean }
  /** A socket ended (for metrics; the decision follows as its own event). */
  | { type: 'ended'; end: SocketEnd }
  /** A platform's descriptor arrived on the live socket. */
  | { type: 'descriptor'; descriptor: CapabilityDescriptor }
  /** A descriptor for this platform failed validation. */
  | { type: 'descriptor_invalid'; platform: string; error: string }
  /** The socket is down and a re-dial is scheduled (`nextRetryAt` null: redials are held). */
  | { type: 'down'; failure: RelayFailure; attempt: number; nextRetryAt: number | null }
  /**
   * First post-handshake 4401: the fresh-token re-dial is in flight. `expected`: the console itself
   * is revoking the instance (an opt-out), so this 4401 is the revocation arriving, not a fault.
   */
  | { type: 'reauthenticating'; failure: RelayFailure; expected: boolean }
  /** The revocation latch closed: no more dials, ever, on this transport. */
  | { type: 'revoked'; reason: string }
  /** The transport cannot work at all (e.g. no usable secret). */
  | { type: 'fatal'; failure: RelayFailure }
