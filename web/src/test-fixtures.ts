/**
 * Instances and statuses for component tests.
 */
import type { ClientInstance, ClientPlatformStatus } from '@relay-console/shared/instance'

export const NOW = Date.UTC(2026, 10, 27, 10, 0, 0)

export function platformStatus(overrides: Partial<ClientPlatformStatus> = {}): ClientPlatformStatus {
  return {
    platform: 'discord',
    label: 'Discord',
    emoji: '🎮',
    state: 'connected',
    errorCode: null,
    errorMessage: null,
    updatedAt: new Date(NOW - 120_000).toISOString(),
    attempt: 0,
    nextRetryAt: null,
    retryingSince: null,
    needsAttention: false,
    ...overrides,
  }
}

export const STATUS_BY_STATE: Record<
  'connecting' | 'connected' | 'retrying' | 'fatal' | 'disabled',
  ClientPlatformStatus
> = {
  connecting: platformStatus({ state: 'connecting' }),
  connected: platformStatus({ state: 'connected' }),
  retrying: platformStatus({
    state: 'retrying',
    errorCode: 'relay_connection_lost',
    errorMessage: 'connection lost: closed 1011 (overloaded)',
    attempt: 3,
    nextRetryAt: new Date(NOW + 12_000).toISOString(),
    retryingSince: new Date(NOW - 60_000).toISOString(),
  }),
  fatal: platformStatus({
    state: 'fatal',
    errorCode: 'relay_descriptor_invalid',
    errorMessage: 'invalid descriptor: contract_version: expected number',
  }),
  disabled: platformStatus({
    state: 'disabled',
    errorCode: 'relay_disabled',
    errorMessage: 'Relay disabled (opted out — opt in to re-enable)',
  }),
}

export function instance(id: string, overrides: Partial<ClientInstance> = {}): ClientInstance {
  return {
    id,
    displayName: `${id[0]?.toUpperCase()}${id.slice(1)} support`,
    gatewayId: `gw-${id}`,
    optedIn: true,
    pending: null,
    platforms: [platformStatus(), platformStatus({ platform: 'telegram', label: 'Telegram', emoji: '✈️' })],
    ...overrides,
  }
}
