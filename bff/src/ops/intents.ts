/**
 * Opting instances out of and into the relay without ever losing the operator's intent: the
 * composition of the named units in this folder. Every operation on one instance runs through
 * the {@link SerialQueue}, whoever asks (the operator, the reconciler, a revocation the connector
 * started), so concurrent toggles end in one consistent state and repeating one is a no-op.
 *
 * Operations run where the instance's relay socket is: on the process that holds it
 * (docs/deployment.md). A request that lands on another replica is journaled there (the intent,
 * pending, naming its audit entry), and that replica waits for the entry to settle; the holder
 * sees the pending intent in the change log and carries the request out under that entry. Taking
 * an instance over, a replica carries out a request still open, or resumes what was pending.
 *
 * - `journal.ts`: the write-ahead of intent + audit entry, and its settling;
 * - `opt-out.ts`, `opt-in.ts`: the two operations;
 * - `latest-request.ts`: requests that pile up on one instance collapse to the latest;
 * - `held-elsewhere.ts`: requests for an instance another replica holds, and carrying them out;
 * - `held-fleet.ts`: the fleet as operations see it (nothing for an instance let go);
 * - `reconciler.ts`: the retries of a connector call that failed in a way that heals;
 * - `secrets.ts`: the secret in hand, resolved when an instance is taken on.
 * @module
 */
import type { Clock } from '@relay-console/shared/clock'
import type { ConnectorClient } from '../connector-api/client'
import type { Log } from '../lib/log'
import type { BackoffOptions } from '../relay/backoff'
import type { Fleet } from '../relay/fleet'
import type { ChangeFeed } from '../state/change-feed'
import type { ConsoleState, StateChange } from '../state/console-state'
import type { StateStore } from '../state/store'
import { type CheckpointHook, NO_CHECKPOINT } from './checkpoints'
import { createHeldElsewhere } from './held-elsewhere'
import { heldOnly } from './held-fleet'
import { specOf } from './instance-view'
import { createJournal, INTERRUPTED_DETAIL } from './journal'
import { createLatestRequest, type LatestRequest } from './latest-request'
import { createOptIn } from './opt-in'
import { createOptOut } from './opt-out'
import { createReconciler } from './reconciler'
import { createSecretBook } from './secrets'
import { createSerialQueue } from './serial-queue'

export interface RelayIntentsOptions {
  state: ConsoleState
  store: StateStore
  /** Where the state catches up with what the journal writes. */
  feed: Pick<ChangeFeed, 'reach' | 'catchUp'>
  /** Whether this process holds an instance's relay socket now. */
  owns: (instanceId: string) => boolean
  fleet: Fleet
  connector: ConnectorClient
  identityToken: string | null
  identityTokenEnv: string
  /** Per instance: the secret from the config file, if it names one. */
  configSecrets: ReadonlyMap<string, string | null>
  clock: Clock
  random: () => number
  log: Log
  /** Reconciler backoff. */
  retry?: BackoffOptions
  /** How long an opt-out waits for the real 4401 path before showing Disabled by itself. */
  revocationGraceMs?: number
  /** How long a request journaled for another replica's instance is waited for before answering. */
  remoteWaitMs?: number
  checkpoint?: CheckpointHook
}

export interface RelayIntents {
  /**
   * One process on its own, before it takes its instances: settles the entries its last stop left
   * pending (their operations are resumed as *_retry entries). A replica of a cluster settles
   * them instance by instance as it takes each over.
   */
  settleInterrupted(): Promise<void>
  /** This process now holds the instance: brings it to its recorded intent (opted out: no dial at all). */
  adopt(id: string): Promise<void>
  /** This process lets the instance go: its socket is closed, and nothing more is done for it here. */
  release(id: string): Promise<void>
  /**
   * The config now builds the instance's socket differently (platforms, gateway, secret: a reload,
   * docs/configuration.md): after the operations queued for it, its socket is built anew from its
   * new definition (shown disabled anew while it is opted out); an operation still pending builds
   * from the new one by itself. `gateway`: its gateway changed, so a secret the connector issued
   * for the old one is not used (the config's is, or the instance is provisioned anew).
   */
  rebuild(id: string, options: { gateway: boolean }): Promise<void>
  /** A change of an instance, written here or anywhere: its holder carries out a request journaled elsewhere. */
  onChange(change: StateChange): void
  /**
   * Asks for an instance to be opted in or out. Requests that arrive while an operation on the
   * instance runs collapse into one, the latest: it alone is carried out once the running one ends.
   * A caller whose request it replaced with the opposite gets `superseded`; one that gives up
   * (`signal` aborts) before its request starts is dropped, and a request nobody waits for any more
   * is never started. `batchId` names the bulk request it is part of, on its audit entry.
   */
  set: LatestRequest['set']
  /** The fleet saw an instance's revocation latch close. */
  onRevoked(id: string, reason: string): void
  stop(): Promise<void>
}

export function createRelayIntents(options: RelayIntentsOptions): RelayIntents {
  const { state, log } = options
  const fleet = heldOnly(options.fleet, options.owns)
  const checkpoint = options.checkpoint ?? NO_CHECKPOINT
  const serial = createSerialQueue()
  const journal = createJournal(options.store, options.feed)
  const secrets = createSecretBook(options)
  const reconciler = createReconciler({
    clock: options.clock,
    random: options.random,
    retry: options.retry,
    onDue: (id, kind) =>
      void serial
        .run(id, () => (kind === 'deprovision' ? optOut.resume(id) : optIn.resume(id)))
        .catch((error: unknown) => log.error({ instanceId: id, err: String(error) }, 'reconciler failed')),
  })
  const units = { state, journal, fleet, connector: options.connector, secrets, reconciler, checkpoint }
  const optOut = createOptOut({
    ...units,
    clock: options.clock,
    log,
    graceMs: options.revocationGraceMs ?? 5000,
  })
  const optIn = createOptIn({
    ...units,
    identityToken: options.identityToken,
    identityTokenEnv: options.identityTokenEnv,
  })
  const elsewhere = createHeldElsewhere({
    state,
    store: options.store,
    feed: options.feed,
    journal,
    clock: options.clock,
    owns: options.owns,
    waitMs: options.remoteWaitMs ?? 60_000,
    carry: (id, pending, attempt) => (pending === 'opting_out' ? optOut.carry(id, attempt) : optIn.carry(id, attempt)),
  })
  const latest = createLatestRequest({
    state,
    serial,
    run: (id, optedIn, actor, batchId) => {
      if (!options.owns(id)) return elsewhere.request(id, optedIn, actor, batchId)
      return optedIn ? optIn.run(id, actor, batchId) : optOut.run(id, actor, batchId)
    },
  })
  /** Instances with a check for an open request queued (one is enough: it reads the store when it runs). */
  const checking = new Set<string>()
  const carryOpen = (id: string) => {
    checking.delete(id)
    return elsewhere.carryOpen(id)
  }

  return {
    async settleInterrupted() {
      const interrupted = await journal.settleInterrupted()
      if (interrupted > 0) log.warn({ entries: interrupted }, 'settled audit entries a stop interrupted')
    },

    async adopt(id) {
      const m = state.managed(id)
      const stored = await options.store.instance(id)
      if (m === undefined || stored === null) return
      const secret = await secrets.resolve(id, stored)
      // Entries of this instance still pending were interrupted with their process, but a request
      // still open, which this process now carries out.
      const request = await elsewhere.openRequest(stored)
      const interrupted = await options.store.settleInterrupted(INTERRUPTED_DETAIL, { instanceId: id, except: request })
      if (interrupted > 0)
        log.warn({ instanceId: id, entries: interrupted }, 'settled audit entries a stop interrupted')
      if (request !== null) {
        void serial.run(id, () => carryOpen(id))
      } else if (!m.optedIn) {
        await fleet.showDisabled(specOf(m))
        if (m.pending === 'opting_out') void serial.run(id, () => optOut.resume(id))
      } else if (m.pending === 'opting_in' || secret === null) {
        void serial.run(id, () => optIn.atStart(id))
      } else {
        await fleet.start({ ...specOf(m), secret })
      }
    },

    async release(id) {
      reconciler.cancel(id)
      optOut.latched(id)
      await options.fleet.stop(id)
    },

    rebuild(id, { gateway }) {
      return serial.run(id, async () => {
        const m = state.managed(id)
        const stored = await options.store.instance(id)
        // An operation under way (retrying a connector call) ends in its own state, built from the new definition.
        if (m === undefined || stored === null || m.pending !== null || !options.owns(id)) return
        const secret = await secrets.resolve(id, gateway ? null : stored)
        if (!m.optedIn) {
          await fleet.showDisabled(specOf(m))
        } else if (secret === null) {
          await options.fleet.stop(id)
          void serial.run(id, () => optIn.atStart(id))
        } else {
          await fleet.start({ ...specOf(m), secret })
        }
      })
    },

    onChange({ instance }) {
      if (instance.pending === null || checking.has(instance.id) || !options.owns(instance.id)) return
      checking.add(instance.id)
      void serial
        .run(instance.id, () => carryOpen(instance.id))
        .catch((error: unknown) =>
          log.error({ instanceId: instance.id, err: String(error) }, 'carrying a request failed'),
        )
    },

    async set(id, optedIn, actor, signal, batchId) {
      // Another replica may have just changed the instance (an operator's previous request, through
      // it): what this request is judged against, a no-op above all, is the store's latest.
      await options.feed.catchUp()
      return latest.set(id, optedIn, actor, signal, batchId)
    },

    onRevoked(id, reason) {
      if (state.managed(id)?.pending === 'opting_out') {
        optOut.latched(id)
        return
      }
      // Nobody here asked for it: the connector revoked the secret on its own.
      void serial.run(id, async () => {
        const m = state.managed(id)
        if (m === undefined || m.pending === 'opting_out' || !fleet.isRevoked(id)) return
        reconciler.cancel(id)
        await journal.revokedByConnector(
          id,
          `the connector closed the relay socket 4401 (${reason}) and refused a fresh token`,
        )
        log.info({ instanceId: id }, 'instance revoked by the connector')
      })
    },

    async stop() {
      reconciler.stop()
      optOut.release()
      await serial.idle()
    },
  }
}
