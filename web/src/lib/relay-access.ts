/**
 * Whether the signed-in operator may change the relay: a viewer sees the switch read-only with the
 * reason, never a control that fails on press; while the role is not known yet it waits, disabled.
 * @module
 */
export type RelayAccess = { kind: 'allowed' } | { kind: 'checking' } | { kind: 'denied'; reason: string }

export const RELAY_ALLOWED: RelayAccess = { kind: 'allowed' }
