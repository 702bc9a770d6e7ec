/**
 * The console's view of every instance: desired state (`optedIn`, `pending`) next to observed
 * state (`platforms`). Every change gets the next revision and is published to the event hub
 * synchronously, so revisions reach clients in order. Intent is persisted before it is published;
 * observed statuses and their transitions are written behind (they are rebuilt from the sockets).
 * @module
 */
import type { InstancesResponse, Transition } from '@relay-console/shared/api'
import type { Instance, PendingIntent } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import type { StatusChange } from '../relay/adapter'
import type { PlatformIdentity } from '../relay/events'
import type { EventHub } from './event-hub'
import type { StateStore, StoredInstance } from './store'

export interface ManagedInstance extends Instance {
  identities: PlatformIdentity[]
}

export class ConsoleState {
  readonly #store: StateStore
  readonly #hub: EventHub
  readonly #instances = new Map<string, ManagedInstance>()

  constructor(store: StateStore, hub: EventHub, stored: readonly StoredInstance[], now: () => number) {
    this.#store = store
    this.#hub = hub
    const at = new Date(now()).toISOString()
    for (const s of stored) {
      this.#instances.set(s.id, {
        id: s.id,
        displayName: s.displayName,
        gatewayId: s.gatewayId,
        optedIn: s.optedIn,
        pending: s.pending,
        identities: s.platforms,
        // Until the relay reports, every platform is connecting; labels survive from last time.
        platforms: s.platforms.map(({ platform }) => {
          const last = s.statuses.find((p) => p.platform === platform)
          return {
            platform,
            label: last?.label ?? null,
            emoji: last?.emoji ?? null,
            state: 'connecting',
            errorCode: null,
            errorMessage: null,
            updatedAt: at,
            attempt: 0,
            nextRetryAt: null,
            retryingSince: null,
            needsAttention: false,
          }
        }),
      })
    }
  }

  /** For transports: the single revision counter. */
  readonly nextRevision = (): number => this.#store.nextRev()

  get(id: string): Instance | undefined {
    const managed = this.#instances.get(id)
    return managed === undefined ? undefined : publicView(managed)
  }

  managed(id: string): ManagedInstance | undefined {
    return this.#instances.get(id)
  }

  ids(): string[] {
    return [...this.#instances.keys()]
  }

  /** The latest revision: what a snapshot taken now would carry. */
  rev(): number {
    return this.#store.currentRev()
  }

  snapshot(): InstancesResponse {
    return { rev: this.#store.currentRev(), instances: [...this.#instances.values()].map(publicView) }
  }

  /** A transport's adapter reported new platform statuses (it already drew `change.rev`). */
  applyStatus(change: StatusChange): void {
    const managed = this.#instances.get(change.instanceId)
    if (managed === undefined) return
    const transitions: Transition[] = []
    for (const next of change.platforms) {
      const previous = managed.platforms.find((p) => p.platform === next.platform)
      if (previous?.state !== next.state) transitions.push(transitionOf(change.rev, previous, next))
    }
    managed.platforms = change.platforms.map((p) => ({ ...p }))
    // Published first: the store writes statuses behind, and must not delay the fan-out.
    this.#hub.publish(change.rev, publicView(managed))
    this.#store.saveStatuses(managed.id, managed.platforms, transitions)
  }

  /** Records the operator's (or the connector's) decision, durably, before anything acts on it. */
  setIntent(id: string, optedIn: boolean, pending: PendingIntent | null): Instance {
    const managed = this.#mustGet(id)
    if (managed.optedIn === optedIn && managed.pending === pending) return publicView(managed)
    this.#store.saveIntent(id, optedIn, pending)
    managed.optedIn = optedIn
    managed.pending = pending
    const view = publicView(managed)
    this.#hub.publish(this.#store.nextRev(), view)
    return view
  }

  #mustGet(id: string): ManagedInstance {
    const managed = this.#instances.get(id)
    if (managed === undefined) throw new Error(`unknown instance ${id}`)
    return managed
  }
}

function publicView(m: ManagedInstance): Instance {
  return {
    id: m.id,
    displayName: m.displayName,
    gatewayId: m.gatewayId,
    optedIn: m.optedIn,
    pending: m.pending,
    platforms: m.platforms,
  }
}

function transitionOf(rev: number, previous: PlatformStatus | undefined, next: PlatformStatus): Transition {
  return {
    rev,
    at: next.updatedAt,
    platform: next.platform,
    from: previous?.state ?? null,
    to: next.state,
    errorCode: next.errorCode,
    errorMessage: next.errorMessage,
  }
}
