/**
 * Carries out a reloaded config's instances (docs/configuration.md, "Changing the fleet without a
 * restart"), one reload at a time: the store and the console's view take the new definitions, the
 * event streams start over from a snapshot, the ownership lets go of removed instances (their
 * sockets close; their audit and history stay in the store) and takes on new ones, and only the
 * instances whose socket is built from what changed are rebuilt. An instance that did not change is
 * not touched at all: its socket stays up.
 * @module
 */
import type { Log } from '../lib/log'
import type { ConsoleState } from '../state/console-state'
import type { InstanceDefinition, StateStore } from '../state/store'
import type { RelayIntents } from './intents'
import { diffInventory, type InventoryDiff, type InventoryEntry, isEmptyDiff } from './inventory'

export interface InventoryReloadOptions {
  /** The instances the console runs now. */
  instances: readonly InventoryEntry[]
  store: Pick<StateStore, 'define'>
  state: ConsoleState
  /** Per instance, the secret the config names: the map the intents read, kept up to date here. */
  configSecrets: Map<string, string | null>
  intents: Pick<RelayIntents, 'rebuild'>
  /** The ownership takes the new set of instances (cluster/ownership.ts, `refresh`). */
  refreshOwnership: () => Promise<void>
  /** Ends every event stream: each client reconnects for a snapshot of the new set. */
  resetStreams: () => void
  /** The new definitions, for whoever rebuilds the view from the store later. */
  onDefined: (definitions: InstanceDefinition[]) => void
  log: Log
}

export interface InventoryReload {
  /** Applies `next`, once every reload before it has ended; answers what it changed. */
  apply(next: readonly InventoryEntry[]): Promise<InventoryDiff>
}

/** How many times the view is read again when the state moved past it meanwhile. */
const VIEW_READS = 3

export function definitionOf(instance: InventoryEntry): InstanceDefinition {
  const { id, displayName, gatewayId, platforms, labels } = instance
  return { id, displayName, gatewayId, platforms: [...platforms], labels: { ...labels } }
}

export function createInventoryReload(options: InventoryReloadOptions): InventoryReload {
  const { store, state, configSecrets, log } = options
  let running = options.instances
  let queue: Promise<unknown> = Promise.resolve()

  /**
   * The store takes the definitions and answers them as stored; the view takes that set. Exact when
   * the state applied nothing past the store's answer meanwhile (what it applied before is kept):
   * else another process changed something in between, and the answer is read again.
   */
  const redefine = async (definitions: InstanceDefinition[]) => {
    for (let read = 1; ; read++) {
      const view = await store.define(definitions)
      if (state.rev() <= view.rev || read === VIEW_READS) {
        state.redefine(view.instances)
        return
      }
    }
  }

  const applyNow = async (next: readonly InventoryEntry[]): Promise<InventoryDiff> => {
    const diff = diffInventory(running, next)
    if (isEmptyDiff(diff)) return diff
    const definitions = next.map(definitionOf)
    if (diff.added.length > 0 || diff.removed.length > 0 || diff.changed.some((c) => c.definition)) {
      await redefine(definitions)
      options.resetStreams()
    }
    options.onDefined(definitions)
    for (const id of diff.removed) configSecrets.delete(id)
    for (const instance of next) configSecrets.set(instance.id, instance.configSecret)
    running = next
    await options.refreshOwnership()
    const rebuilt = diff.changed.filter((change) => change.socket)
    await Promise.all(
      rebuilt.map((change) =>
        options.intents.rebuild(change.id, { gateway: change.fields.includes('gatewayId') }).catch((error: unknown) => {
          log.error({ instanceId: change.id, err: String(error) }, 'config reload: rebuilding the socket failed')
        }),
      ),
    )
    return diff
  }

  return {
    apply(next) {
      const run = queue.then(() => applyNow(next))
      queue = run.catch(() => undefined)
      return run
    },
  }
}
