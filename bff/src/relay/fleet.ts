/**
 * Owns every instance's transport and adapter. Never two transports for one instance: starting
 * one again first tears the old one down. Opting back in is a NEW transport with new latches.
 * @module
 */
import type { Clock } from '@relay-console/shared/clock'
import type { PlatformIdentity } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import { relaySocketUrl } from '@relay-console/shared/relay/urls'
import type { Log } from '../lib/log'
import { RelayAdapter, type StatusChange } from './adapter'
import type { RelayFailure } from './close-policy'
import type { DialPacer } from './dial-pacer'
import type { Dialer } from './dialer'
import type { TransportEvent } from './events'
import { createPingWheel } from './ping-wheel'
import { DEFAULT_TIMINGS, RelayTransport, type TransportTimings } from './transport'

export interface InstanceSpec {
  instanceId: string
  gatewayId: string
  secret: string
  platforms: readonly PlatformIdentity[]
  /** Last known statuses (labels, emoji), e.g. from the state store after a restart. */
  initial?: readonly PlatformStatus[]
}

export interface FleetOptions {
  /** The configured connector URL, any scheme; normalised here. */
  connectorUrl: string
  clock: Clock
  random: () => number
  dialer: Dialer
  /** Paces every transport's dials (connects and backoff re-dials) across the fleet. */
  pacer?: DialPacer
  log: Log
  timings?: Partial<TransportTimings>
  attentionAfterMs: number
  /** Each instance's coalescing window for changes (the adapter's default when absent). */
  coalesceMs?: number
  onChange: (change: StatusChange) => void
  /** The revocation latch closed for an instance (after its `disabled` change was emitted). */
  onRevoked?: (instanceId: string, reason: string) => void
  /** Asked before every dial of an instance: false while this process may not dial it (no lease). */
  mayDial?: (instanceId: string) => boolean
  /** Every transport event, for metrics. */
  onTransportEvent?: (instanceId: string, event: TransportEvent) => void
  onInbound?: (instanceId: string, event: Record<string, unknown>) => void | Promise<void>
}

interface Member {
  transport: RelayTransport | null
  adapter: RelayAdapter
}

export interface Fleet {
  /** Builds a new transport for the instance (tearing down any old one first) and dials. */
  start(spec: InstanceSpec): Promise<void>
  /** Shows the instance `disabled` with no transport at all (opted out, e.g. after a restart). */
  showDisabled(spec: Omit<InstanceSpec, 'secret'>): Promise<void>
  /**
   * Shows a failure that happens before any transport exists (e.g. provisioning), as a `down`
   * event on the instance's adapter. Does nothing while a transport runs.
   */
  showFailure(
    spec: Omit<InstanceSpec, 'secret'>,
    failure: RelayFailure,
    attempt: number,
    nextRetryAt: number | null,
  ): void
  /** Stops dialling and forgets the instance. */
  stop(instanceId: string): Promise<void>
  /**
   * The console is about to revoke the instance itself (an opt-out): no more backoff re-dials (the
   * fresh-token re-dial of a 4401 still happens), and that 4401 does not show as retrying, so the
   * platforms go from connected straight to disabled.
   */
  expectRevocation(instanceId: string): void
  /** The expected revocation will not come after all: the instance dials as before. */
  cancelRevocation(instanceId: string): void
  /** The transport's phase, or `none` without one. */
  phase(instanceId: string): string
  isRevoked(instanceId: string): boolean
  platforms(instanceId: string): readonly PlatformStatus[] | undefined
  stopAll(): Promise<void>
  /** How many instances are in each transport phase (`none`: no transport, e.g. opted out). */
  phases(): Record<string, number>
  readonly size: number
}

export function createFleet(options: FleetOptions): Fleet {
  const url = relaySocketUrl(options.connectorUrl)
  const members = new Map<string, Member>()
  const pingWheel = createPingWheel(options.clock, { ...DEFAULT_TIMINGS, ...options.timings }.pingIntervalMs)

  const teardown = async (instanceId: string) => {
    const member = members.get(instanceId)
    if (member === undefined) return
    members.delete(instanceId)
    member.adapter.stop()
    await member.transport?.disconnect()
  }

  const adapterFor = (spec: Omit<InstanceSpec, 'secret'>) =>
    new RelayAdapter({
      instanceId: spec.instanceId,
      platforms: spec.platforms,
      clock: options.clock,
      attentionAfterMs: options.attentionAfterMs,
      coalesceMs: options.coalesceMs,
      onChange: options.onChange,
      initial: spec.initial,
    })

  return {
    async start(spec) {
      await teardown(spec.instanceId)
      const adapter = adapterFor(spec)
      const transport = new RelayTransport({
        instanceId: spec.instanceId,
        gatewayId: spec.gatewayId,
        url,
        secret: spec.secret,
        platforms: spec.platforms,
        clock: options.clock,
        random: options.random,
        dialer: options.dialer,
        pacer: options.pacer,
        pingWheel,
        mayDial: options.mayDial === undefined ? undefined : () => options.mayDial?.(spec.instanceId) ?? true,
        log: options.log,
        timings: options.timings,
        onEvent: (event) => {
          adapter.handle(event)
          options.onTransportEvent?.(spec.instanceId, event)
          if (event.type === 'revoked') options.onRevoked?.(spec.instanceId, event.reason)
        },
        onInbound: options.onInbound ? (event) => options.onInbound?.(spec.instanceId, event) : undefined,
      })
      members.set(spec.instanceId, { transport, adapter })
      transport.connect()
    },

    async showDisabled(spec) {
      await teardown(spec.instanceId)
      const adapter = adapterFor(spec)
      members.set(spec.instanceId, { transport: null, adapter })
      adapter.markDisabled()
    },

    showFailure(spec, failure, attempt, nextRetryAt) {
      let member = members.get(spec.instanceId)
      if (member?.transport) return
      if (member === undefined) {
        member = { transport: null, adapter: adapterFor(spec) }
        members.set(spec.instanceId, member)
      }
      member.adapter.handle({ type: 'down', failure, attempt, nextRetryAt })
    },

    stop: teardown,

    expectRevocation(instanceId) {
      members.get(instanceId)?.transport?.expectRevocation()
    },

    cancelRevocation(instanceId) {
      members.get(instanceId)?.transport?.cancelRevocation()
    },

    phase: (instanceId) => members.get(instanceId)?.transport?.phase ?? 'none',
    isRevoked: (instanceId) => members.get(instanceId)?.transport?.authRevoked ?? false,
    platforms: (instanceId) => members.get(instanceId)?.adapter.platforms,

    async stopAll() {
      await Promise.all([...members.keys()].map((id) => teardown(id)))
    },

    phases() {
      const counts: Record<string, number> = {}
      for (const member of members.values()) {
        const phase = member.transport?.phase ?? 'none'
        counts[phase] = (counts[phase] ?? 0) + 1
      }
      return counts
    },

    get size() {
      return members.size
    },
  }
}
