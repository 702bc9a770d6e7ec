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
 * - `reconciler.ts`: the retries of a connector call that failed in a way that heals;
 * - `secrets.ts`: the secret in hand, resolved at start-up.
 * @module
 */
import { INTENT_ERROR_CODES, type IntentErrorCode } from '@relay-console/shared/api-error-codes'
import type { Clock } from '@relay-console/shared/clock'
import type { ConnectorClient } from '../connector-api/client'
import type { Log } from '../lib/log'
import type { BackoffOptions } from '../relay/backoff'
import type { Fleet } from '../relay/fleet'
import type { ChangeFeed } from '../state/change-feed'
import type { ConsoleState, StateChange } from '../state/console-state'
import type { StateStore, StoredInstance } from '../state/store'
import { type CheckpointHook, NO_CHECKPOINT } from './checkpoints'
import type { IntentOutcome } from './instance-view'
import { failedWith, mustManage, specOf, succeeded } from './instance-view'
import { type Attempt, createJournal, INTERRUPTED_DETAIL } from './journal'
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
  /** A change of an instance, written here or anywhere: its holder carries out a request journaled elsewhere. */
  onChange(change: StateChange): void
  /**
   * Asks for an instance to be opted in or out. Requests that arrive while an operation on the
   * instance runs collapse into one, the latest: it alone is carried out once the running one ends.
   * A caller whose request it replaced with the opposite gets `superseded`; one that gives up
   * (`signal` aborts) before its request starts is dropped, and a request nobody waits for any more
   * is never started.
   */
  set(id: string, optedIn: boolean, actor: string, signal?: AbortSignal): Promise<IntentOutcome>
  /** The fleet saw an instance's revocation latch close. */
  onRevoked(id: string, reason: string): void
  stop(): Promise<void>
}

interface Waiter {
  optedIn: boolean
  resolve(outcome: IntentOutcome): void
  reject(reason: unknown): void
}

/** The request that runs next on an instance: the latest one asked for, and everyone waiting on it. */
interface NextRequest {
  optedIn: boolean
  actor: string
  waiters: Set<Waiter>
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
  const next = new Map<string, NextRequest>()
  /** Instances with a request check queued (one is enough: it reads the store when it runs). */
  const carrying = new Set<string>()

  /** Runs the latest request for the instance, unless everyone who asked for it has gone. */
  async function runNext(id: string, request: NextRequest): Promise<void> {
    next.delete(id)
    if (request.waiters.size === 0) return
    try {
      const outcome = await (options.owns(id) ? runHere(id, request) : journalForHolder(id, request))
      const overruled = supersededOutcome(id)
      for (const w of request.waiters) w.resolve(w.optedIn === request.optedIn ? outcome : overruled)
    } catch (error) {
      for (const w of request.waiters) w.reject(error)
    }
  }

  const runHere = (id: string, request: NextRequest) =>
    request.optedIn ? optIn.run(id, request.actor) : optOut.run(id, request.actor)

  /** Another replica holds the instance: journal the request, and wait for its holder to settle it. */
  async function journalForHolder(id: string, request: NextRequest): Promise<IntentOutcome> {
    const m = mustManage(state, id)
    if (m.optedIn === request.optedIn && m.pending === null) return succeeded(state, id)
    const attempt = await journal.begin(id, request.optedIn, request.actor)
    const deadline = options.clock.now() + (options.remoteWaitMs ?? 60_000)
    for (let pause = 25; ; pause = Math.min(pause * 2, 250)) {
      const outcome = await options.store.auditOutcome(attempt.entry)
      if (outcome !== null && outcome.result !== 'pending') {
        await options.feed.catchUp()
        if (outcome.result === 'ok') return succeeded(state, id)
        const code = isIntentErrorCode(outcome.errorCode) ? outcome.errorCode : 'connector_error'
        return failedWith(state, id, { code, message: outcome.detail ?? '' })
      }
      if (options.clock.now() >= deadline) {
        return failedWith(state, id, {
          code: 'owner_unavailable',
          message: 'the replica holding this instance has not carried the request out yet; it is saved and will be',
        })
      }
      await new Promise<void>((resolve) => options.clock.setTimeout(() => resolve(), pause))
    }
  }

  /** The holder's side: a request journaled anywhere, still open, is carried out here (once). */
  async function carryRequest(id: string): Promise<void> {
    carrying.delete(id)
    if (!options.owns(id)) return
    const stored = await options.store.instance(id)
    const request = stored === null ? null : await openRequest(stored)
    if (request === null || stored === null) return
    const attempt: Attempt = { entry: request, request }
    await (stored.pending === 'opting_out' ? optOut.carry(id, attempt) : optIn.carry(id, attempt))
  }

  /** The entry of the request the stored intent asks for, if it has not been settled yet. */
  async function openRequest(stored: StoredInstance): Promise<number | null> {
    if (stored.pending === null || stored.pendingEntry === null) return null
    const outcome = await options.store.auditOutcome(stored.pendingEntry)
    return outcome?.result === 'pending' ? stored.pendingEntry : null
  }

  const supersededOutcome = (id: string): IntentOutcome => {
    const outcome = succeeded(state, id)
    return {
      ok: false,
      instance: outcome.instance,
      error: {
        code: 'superseded',
        message: 'a later request for this instance asked for the opposite; that one is carried out',
      },
    }
  }

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
      const request = await openRequest(stored)
      const interrupted = await options.store.settleInterrupted(INTERRUPTED_DETAIL, { instanceId: id, except: request })
      if (interrupted > 0)
        log.warn({ instanceId: id, entries: interrupted }, 'settled audit entries a stop interrupted')
      if (request !== null) {
        void serial.run(id, () => carryRequest(id))
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

    onChange({ instance }) {
      if (instance.pending === null || carrying.has(instance.id) || !options.owns(instance.id)) return
      carrying.add(instance.id)
      void serial
        .run(instance.id, () => carryRequest(instance.id))
        .catch((error: unknown) =>
          log.error({ instanceId: instance.id, err: String(error) }, 'carrying a request failed'),
        )
    },

    set(id, optedIn, actor, signal) {
      return new Promise<IntentOutcome>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        let request = next.get(id)
        if (request === undefined) {
          request = { optedIn, actor, waiters: new Set() }
          next.set(id, request)
          const queued = request
          void serial.run(id, () => runNext(id, queued))
        } else {
          request.optedIn = optedIn
          request.actor = actor
        }
        const waiter: Waiter = { optedIn, resolve, reject }
        const waiters = request.waiters
        waiters.add(waiter)
        signal?.addEventListener(
          'abort',
          () => {
            waiters.delete(waiter)
            reject(signal.reason)
          },
          { once: true },
        )
      })
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

/**
 * The fleet as operations see it: what they ask of an instance this process no longer holds (an
 * operation still running when its instance was let go) is not done.
 */
function heldOnly(fleet: Fleet, owns: (instanceId: string) => boolean): Fleet {
  return {
    ...fleet,
    start: (spec) => (owns(spec.instanceId) ? fleet.start(spec) : Promise.resolve()),
    showDisabled: (spec) => (owns(spec.instanceId) ? fleet.showDisabled(spec) : Promise.resolve()),
    showFailure: (spec, failure, attempt, nextRetryAt) => {
      if (owns(spec.instanceId)) fleet.showFailure(spec, failure, attempt, nextRetryAt)
    },
    expectRevocation: (id) => {
      if (owns(id)) fleet.expectRevocation(id)
    },
    cancelRevocation: (id) => {
      if (owns(id)) fleet.cancelRevocation(id)
    },
  }
}

const isIntentErrorCode = (code: string | null): code is IntentErrorCode =>
  code !== null && (INTENT_ERROR_CODES as readonly string[]).includes(code)
