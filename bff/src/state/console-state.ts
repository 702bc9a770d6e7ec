/**
 * The console's view of every instance: desired state (`optedIn`, `pending`) next to observed
 * state (`platforms`), and the change stream out of it.
 *
 * The view is a cache of the state store, fed by its change log in rev order (the change feed):
 * nothing writes to it but {@link ConsoleState.apply}. Every change it applies goes, synchronously
 * and in rev order, to every listener as one {@link StateChange}: the event stream's hub and the
 * metrics today, a webhook notifier tomorrow. None of them has to wrap another or tap the relay's
 * callbacks. Changes made by another process sharing the store arrive the same way.
 * @module
 */
import type { InstancesResponse, Transition } from '@relay-console/shared/api'
import type { DisabledBy, Instance, Labels, PlatformIdentity } from '@relay-console/shared/instance'
import type { Log } from '../lib/log'
import type { LoggedChange, StoredInstance } from './store'

export interface ManagedInstance extends Instance {
  identities: PlatformIdentity[]
  labels: Labels
  disabledBy: DisabledBy | null
}

/** One change of one instance, as every listener receives it. */
export interface StateChange {
  /** Strictly increasing across the console (every replica of it), and across restarts. */
  rev: number
  /** The whole instance after the change. */
  instance: Instance
  /** The platform state changes it made; empty for a change of intent or within one state. */
  transitions: readonly Transition[]
}

export type ChangeListener = (change: StateChange) => void

export interface ConsoleStateOptions {
  /** The instances to manage, as the store holds them at `rev`. */
  stored: readonly StoredInstance[]
  /** The rev the stored view is current at. */
  rev: number
  /** A listener that throws is logged; the others still get the change. */
  log: Log
}

export class ConsoleState {
  readonly #log: Log
  readonly #instances = new Map<string, ManagedInstance>()
  readonly #listeners = new Set<ChangeListener>()
  #rev: number

  constructor(options: ConsoleStateOptions) {
    this.#log = options.log
    this.#rev = options.rev
    for (const s of options.stored) this.#instances.set(s.id, managedOf(s))
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

  /** The rev of the last change applied: what a snapshot taken now carries. */
  rev(): number {
    return this.#rev
  }

  snapshot(): InstancesResponse {
    return { rev: this.#rev, instances: [...this.#instances.values()].map(publicView) }
  }

  /**
   * Takes a whole new view (the change log no longer reached back to this one's rev): nothing is
   * emitted for it; whoever streams changes starts over from a snapshot.
   */
  replace(view: { rev: number; instances: readonly StoredInstance[] }): void {
    this.#rev = view.rev
    for (const s of view.instances) {
      const managed = this.#instances.get(s.id)
      if (managed === undefined) continue
      managed.optedIn = s.optedIn
      managed.pending = s.pending
      managed.platforms = s.statuses
      managed.labels = s.labels
      managed.disabledBy = s.disabledBy
    }
  }

  /**
   * Takes a new set of instances to manage, as the store holds them (the config was reloaded,
   * docs/configuration.md): those left out are dropped, new ones are added as stored, and the others
   * keep their state and take their new definition (name, gateway, platforms, labels). The rev does
   * not move and nothing is emitted: whoever streams changes starts over from a snapshot. The
   * instances are listed in the order given.
   */
  redefine(instances: readonly StoredInstance[]): void {
    const before = new Map(this.#instances)
    this.#instances.clear()
    for (const s of instances) {
      const managed = before.get(s.id) ?? managedOf(s)
      managed.displayName = s.displayName
      managed.gatewayId = s.gatewayId
      managed.identities = s.platforms
      managed.labels = s.labels
      this.#instances.set(s.id, managed)
    }
  }

  /**
   * Applies logged changes in rev order, each once: those at or before the current rev are
   * skipped, and one that would leave a gap is refused (the feed reads the log without gaps).
   */
  apply(changes: readonly LoggedChange[]): void {
    for (const change of changes) {
      if (change.rev <= this.#rev) continue
      if (change.rev !== this.#rev + 1) {
        throw new Error(`change ${change.rev} would leave a gap after ${this.#rev}`)
      }
      this.#rev = change.rev
      const managed = this.#instances.get(change.instance.id)
      // Another process may manage instances this one does not: their changes only move the rev.
      if (managed === undefined) continue
      const { instance } = change
      managed.displayName = instance.displayName
      managed.gatewayId = instance.gatewayId
      managed.optedIn = instance.optedIn
      managed.pending = instance.pending
      managed.platforms = instance.platforms
      managed.labels = instance.labels ?? managed.labels
      managed.disabledBy = instance.disabledBy ?? null
      this.#emit({ rev: change.rev, instance: publicView(managed), transitions: change.transitions })
    }
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
}

function managedOf(s: StoredInstance): ManagedInstance {
  return {
    id: s.id,
    displayName: s.displayName,
    gatewayId: s.gatewayId,
    optedIn: s.optedIn,
    pending: s.pending,
    identities: s.platforms,
    platforms: s.statuses,
    labels: s.labels,
    disabledBy: s.disabledBy,
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
    labels: m.labels,
    disabledBy: m.disabledBy,
  }
}
