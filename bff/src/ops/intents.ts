/**
 * Opting instances out of and into the relay without ever losing the operator's intent: the
 * composition of the named units in this folder. Every operation on one instance runs through
 * the {@link SerialQueue}, whoever asks (the operator, the reconciler, a revocation the connector
 * started), so concurrent toggles end in one consistent state and repeating one is a no-op.
 *
 * - `journal.ts`: the write-ahead of intent + audit entry, and its settling;
 * - `opt-out.ts`, `opt-in.ts`: the two operations;
 * - `reconciler.ts`: the retries of a connector call that failed in a way that heals;
 * - `secrets.ts`: the secret in hand, resolved at start-up.
 * @module
 */
import type { Clock } from '@relay-console/shared/clock'
import type { ConnectorClient } from '../connector-api/client'
import type { Log } from '../lib/log'
import type { BackoffOptions } from '../relay/backoff'
import type { Fleet } from '../relay/fleet'
import type { ChangeFeed } from '../state/change-feed'
import type { ConsoleState } from '../state/console-state'
import type { StateStore } from '../state/store'
import { type CheckpointHook, NO_CHECKPOINT } from './checkpoints'
import type { IntentOutcome } from './instance-view'
import { mustManage, specOf, succeeded } from './instance-view'
import { createJournal } from './journal'
import { createOptIn } from './opt-in'
import { createOptOut } from './opt-out'
import { createReconciler } from './reconciler'
import { createSecretBook, type StoredSecret } from './secrets'
import { createSerialQueue } from './serial-queue'

export interface RelayIntentsOptions {
  state: ConsoleState
  store: StateStore
  /** Where the state catches up with what the journal writes. */
  feed: Pick<ChangeFeed, 'reach'>
  fleet: Fleet
  connector: ConnectorClient
  identityToken: string | null
  identityTokenEnv: string
  /** Per instance: the secret from the config file, if it names one. */
  configSecrets: ReadonlyMap<string, string | null>
  /** Per instance: the secret in the state store, and the digest of the config secret it came from. */
  storedSecrets: ReadonlyMap<string, StoredSecret>
  clock: Clock
  random: () => number
  log: Log
  /** Reconciler backoff. */
  retry?: BackoffOptions
  /** How long an opt-out waits for the real 4401 path before showing Disabled by itself. */
  revocationGraceMs?: number
  checkpoint?: CheckpointHook
}

export interface RelayIntents {
  /** Brings every instance to its recorded intent: opted-out ones make no dial at all. */
  start(): Promise<void>
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
  const { state, fleet, log } = options
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

  /** Runs the latest request for the instance, unless everyone who asked for it has gone. */
  async function runNext(id: string, request: NextRequest): Promise<void> {
    next.delete(id)
    if (request.waiters.size === 0) return
    try {
      const outcome = await (request.optedIn ? optIn.run(id, request.actor) : optOut.run(id, request.actor))
      const overruled = supersededOutcome(id)
      for (const w of request.waiters) w.resolve(w.optedIn === request.optedIn ? outcome : overruled)
    } catch (error) {
      for (const w of request.waiters) w.reject(error)
    }
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
    async start() {
      // Entries a crash left pending: their operations are resumed below as *_retry entries.
      const interrupted = await journal.settleInterrupted()
      if (interrupted > 0) log.warn({ entries: interrupted }, 'settled audit entries a stop interrupted')
      for (const id of state.ids()) {
        const m = mustManage(state, id)
        const secret = await secrets.resolve(id)
        if (!m.optedIn) {
          await fleet.showDisabled(specOf(m))
          if (m.pending === 'opting_out') void serial.run(id, () => optOut.resume(id))
        } else if (m.pending === 'opting_in' || secret === null) {
          void serial.run(id, () => optIn.atStart(id))
        } else {
          await fleet.start({ ...specOf(m), secret })
        }
      }
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
