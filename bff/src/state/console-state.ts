/**
 * The console's view of every instance: desired state (`optedIn`, `pending`) next to observed
 * state (`platforms`), and the change stream out of it.
 *
 * Every change is numbered with the next revision and handed, synchronously and in revision
 * order, to every listener as one {@link StateChange}: the event stream's hub and the metrics
 * today, a webhook notifier or a cross-replica broker tomorrow. None of them has to wrap another
 * or tap the relay's callbacks. Intent is persisted before it is emitted; observed statuses and
 * their transitions are written behind (they are rebuilt from the sockets).
 * @module
 */
import type { InstancesResponse, Transition } from '@relay-console/shared/api'
import type { Instance, PendingIntent, PlatformIdentity } from '@relay-console/shared/instance'
import { connectingStatus, type PlatformStatus } from '@relay-console/shared/platform-state'
import type { Log } from '../lib/log'
import type { StateStore, StoredInstance } from './store'

export interface ManagedInstance extends Instance {
  identities: PlatformIdentity[]
}

/** One change of one instance, as every listener receives it. */
export interface StateChange {
  /** Strictly increasing across the console, and across restarts. */
  rev: number
  /** The whole instance after the change. */
  instance: Instance
  /** The platform state changes it made; empty for a change of intent or within one state. */
  transitions: readonly Transition[]
}

export type ChangeListener = (change: StateChange) => void

export interface ConsoleStateOptions {
  store: StateStore
  /** The instances to manage, as the store holds them. */
  stored: readonly StoredInstance[]
  now: () => number
  /** A listener that throws is logged; the others still get the change. */
  log: Log
}

export class ConsoleState {
  readonly #store: StateStore
  readonly #log: Log
  readonly #instances = new Map<string, ManagedInstance>()
  readonly #listeners = new Set<ChangeListener>()

  constructor(options: ConsoleStateOptions) {
    this.#store = options.store
    this.#log = options.log
    const at = new Date(options.now()).toISOString()
    for (const s of options.stored) {
      this.#instances.set(s.id, {
        id: s.id,
        displayName: s.displayName,
        gatewayId: s.gatewayId,
        optedIn: s.optedIn,
        pending: s.pending,
        identities: s.platforms,
        // Until the relay reports, every platform is connecting; labels survive from last time.
        platforms: s.platforms.map(({ platform }) =>
          connectingStatus(
            platform,
            at,
            s.statuses.find((p) => p.platform === platform),
          ),
        ),
      })
    }
  }

  /** Adds a listener for every later change; returns its removal. */
  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

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

  /** The relay reported new platform statuses for an instance. */
  applyStatus(id: string, platforms: readonly PlatformStatus[]): void {
    const managed = this.#instances.get(id)
    if (managed === undefined) return
    const rev = this.#store.nextRev()
    const transitions: Transition[] = []
    for (const next of platforms) {
      const previous = managed.platforms.find((p) => p.platform === next.platform)
      if (previous?.state !== next.state) transitions.push(transitionOf(rev, previous, next))
    }
    managed.platforms = platforms.map((p) => ({ ...p }))
    // Emitted first: the store writes statuses behind, and must not delay the fan-out.
    this.#emit({ rev, instance: publicView(managed), transitions })
    this.#store.saveStatuses(managed.id, managed.platforms, transitions)
  }

  /** Records the operator's (or the connector's) decision, durably, before anything acts on it. */
  setIntent(id: string, optedIn: boolean, pending: PendingIntent | null): Instance {
    const managed = this.#mustGet(id)
    if (managed.optedIn === optedIn && managed.pending === pending) return publicView(managed)
    this.#store.saveIntent(id, optedIn, pending)
    managed.optedIn = optedIn
    managed.pending = pending
    const instance = publicView(managed)
    this.#emit({ rev: this.#store.nextRev(), instance, transitions: [] })
    return instance
  }

  #emit(change: StateChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change)
      } catch (error) {
        this.#log.error(
          { err: String(error), rev: change.rev, instanceId: change.instance.id },
          'change listener failed',
        )
      }
    }
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
