/**
 * Opting instances out of and into the relay without ever losing the operator's intent.
 *
 * Write-ahead: the intent and an audit entry are persisted before anything else happens. Then the
 * connector is called; on failure the caller gets a clear error and a reconciler keeps retrying
 * with backoff until the connector confirms — across restarts too. Operations on one instance are
 * serialised, so concurrent toggles end in one consistent state, and repeating one is a no-op.
 *
 * Opt-out never re-dials the instance: redials are held first, and Disabled arrives through the
 * real path (4401 → one fresh-token re-dial → latch → relay_disabled).
 * @module
 */
import { createHash } from 'node:crypto'
import type { AuditAction } from '@relay-console/shared/api'
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { Instance } from '@relay-console/shared/instance'
import type { CallFailure, ConnectorClient } from '../connector-api/client'
import type { Log } from '../lib/log'
import { backoffDelay } from '../relay/backoff'
import type { Fleet, InstanceSpec } from '../relay/fleet'
import type { ConsoleState, ManagedInstance } from '../state/console-state'
import type { StateStore } from '../state/store'

export interface IntentError {
  code: 'connector_unreachable' | 'connector_error' | 'identity_token_missing' | 'secret_withheld'
  message: string
}

/**
 * The points of an opt-out and an opt-in where a crash leaves a different picture on disk and at
 * the connector. Tests crash the console at each (see reliability/); nothing else listens.
 */
export const INTENT_CHECKPOINTS = [
  'opt_out:intent_written',
  'opt_out:connector_confirmed',
  'opt_out:settled',
  'opt_in:intent_written',
  'opt_in:secret_issued',
  'opt_in:secret_saved',
  'opt_in:settled',
] as const
export type IntentCheckpoint = (typeof INTENT_CHECKPOINTS)[number]

export type IntentOutcome = { ok: true; instance: Instance } | { ok: false; instance: Instance; error: IntentError }

export interface RelayIntentsOptions {
  state: ConsoleState
  store: StateStore
  fleet: Fleet
  connector: ConnectorClient
  identityToken: string | null
  identityTokenEnv: string
  /** Per instance: the secret from the config file, if it names one. */
  configSecrets: ReadonlyMap<string, string | null>
  /** Per instance: the secret in the state store, and the digest of the config secret it came from. */
  storedSecrets: ReadonlyMap<string, { secret: string | null; configSecretDigest: string | null }>
  clock: Clock
  random: () => number
  log: Log
  /** Reconciler backoff. */
  retry?: { baseMs: number; maxMs: number }
  /** How long an opt-out waits for the real 4401 path before showing Disabled by itself. */
  revocationGraceMs?: number
  /** Called, synchronously, as an operation passes each of its checkpoints. */
  checkpoint?: (point: IntentCheckpoint, instanceId: string) => void
}

export interface RelayIntents {
  /** Brings every instance to its recorded intent: opted-out ones make no dial at all. */
  start(): Promise<void>
  set(id: string, optedIn: boolean, actor: string): Promise<IntentOutcome>
  /** The fleet saw an instance's revocation latch close. */
  onRevoked(id: string, reason: string): void
  stop(): Promise<void>
}

type RetryKind = 'deprovision' | 'provision'

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex')

export function createRelayIntents(options: RelayIntentsOptions): RelayIntents {
  const { state, store, fleet, connector, clock, log } = options
  const retryOptions = options.retry ?? { baseMs: 2000, maxMs: 300_000 }
  const grace = options.revocationGraceMs ?? 5000
  const checkpoint = options.checkpoint ?? (() => {})
  const secrets = new Map<string, string | null>()
  const locks = new Map<string, Promise<unknown>>()
  const retries = new Map<string, { kind: RetryKind; attempt: number; timer: TimerHandle | null }>()
  const revocationWaiters = new Map<string, () => void>()
  let stopped = false

  /** Runs `task` after every earlier task of the same instance. */
  function serialised<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = locks.get(id) ?? Promise.resolve()
    const next = previous.then(task, task)
    const settled = next.catch(() => undefined)
    locks.set(id, settled)
    void settled.then(() => {
      if (locks.get(id) === settled) locks.delete(id)
    })
    return next
  }

  const mustGet = (id: string): ManagedInstance => {
    const managed = state.managed(id)
    if (managed === undefined) throw new Error(`unknown instance ${id}`)
    return managed
  }

  const specOf = (m: ManagedInstance): Omit<InstanceSpec, 'secret'> => ({
    instanceId: m.id,
    gatewayId: m.gatewayId,
    platforms: m.identities,
    initial: m.platforms,
  })

  const view = (id: string): Instance => {
    const instance = state.get(id)
    if (instance === undefined) throw new Error(`unknown instance ${id}`)
    return instance
  }
  const ok = (id: string): IntentOutcome => ({ ok: true, instance: view(id) })
  const failed = (id: string, error: IntentError): IntentOutcome => ({ ok: false, instance: view(id), error })

  const errorOf = (failure: CallFailure): IntentError => ({
    code: failure.kind === 'network' ? 'connector_unreachable' : 'connector_error',
    message: failure.message,
  })

  // ── the reconciler ────────────────────────────────────────────────────────────────────────────

  function cancelRetry(id: string): void {
    const retry = retries.get(id)
    if (retry?.timer) clock.clearTimeout(retry.timer)
    retries.delete(id)
  }

  /** Schedules the next try; returns when it will run. */
  function scheduleRetry(id: string, kind: RetryKind): number {
    const previous = retries.get(id)
    const attempt = previous?.kind === kind ? previous.attempt + 1 : 1
    if (previous?.timer) clock.clearTimeout(previous.timer)
    const delay = backoffDelay(attempt, retryOptions, options.random)
    const entry: { kind: RetryKind; attempt: number; timer: TimerHandle | null } = { kind, attempt, timer: null }
    retries.set(id, entry)
    if (!stopped) {
      entry.timer = clock.setTimeout(() => {
        entry.timer = null
        void serialised(id, () => reconcile(id, kind)).catch((error: unknown) =>
          log.error({ instanceId: id, err: String(error) }, 'reconciler failed'),
        )
      }, delay)
    }
    return clock.now() + delay
  }

  async function reconcile(id: string, kind: RetryKind): Promise<void> {
    const m = mustGet(id)
    if (kind === 'deprovision' && m.pending === 'opting_out') {
      await deprovision(id, store.appendAudit(auditEntry('deprovision_retry', id, 'console')))
    } else if (kind === 'provision' && m.optedIn && (m.pending === 'opting_in' || secrets.get(id) == null)) {
      await provision(id, store.appendAudit(auditEntry('provision_retry', id, 'console')))
    } else {
      retries.delete(id)
    }
  }

  const auditEntry = (action: AuditAction, instanceId: string, actor: string, detail: string | null = null) => ({
    actor,
    action,
    instanceId,
    result: 'pending' as const,
    detail,
  })

  /**
   * The write-ahead: the intent, marked pending, and its audit entry land together before anything
   * else happens, so a crash leaves both or neither. Returns the entry's id.
   */
  function writeAhead(id: string, optedIn: boolean, entry: ReturnType<typeof auditEntry>): number {
    return store.transaction(() => {
      const auditId = store.appendAudit(entry)
      state.setIntent(id, optedIn, optedIn ? 'opting_in' : 'opting_out')
      return auditId
    })
  }

  // ── opting out ────────────────────────────────────────────────────────────────────────────────

  /**
   * Waits for the latch while a socket (live, or the fresh-token re-dial) can still carry the
   * connector's 4401; returns at once when none can (the instance was down, redials held).
   */
  function waitForRevocation(id: string): Promise<void> {
    if (fleet.isRevoked(id) || fleet.phase(id) !== 'socket') return Promise.resolve()
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        revocationWaiters.delete(id)
        resolve()
      }, grace)
      revocationWaiters.set(id, () => {
        clock.clearTimeout(timer)
        revocationWaiters.delete(id)
        resolve()
      })
    })
  }

  /** The connector confirmed (or has nothing to revoke): make sure the instance reads Disabled. */
  async function completeOptOut(id: string, auditId: number, detail: string | null): Promise<IntentOutcome> {
    cancelRetry(id)
    await waitForRevocation(id)
    if (!fleet.isRevoked(id)) {
      // No live socket carried the 4401 (the instance was down, or the path stalled): show
      // Disabled without dialling.
      await fleet.showDisabled(specOf(mustGet(id)))
    }
    store.transaction(() => {
      store.settleAudit(auditId, 'ok', detail)
      state.setIntent(id, false, null)
    })
    checkpoint('opt_out:settled', id)
    return ok(id)
  }

  async function deprovision(id: string, auditId: number): Promise<IntentOutcome> {
    const m = mustGet(id)
    const secret = secrets.get(id) ?? null
    if (secret === null) return completeOptOut(id, auditId, 'no relay credential was held; nothing to revoke')
    const result = await connector.deprovision(m.gatewayId, secret)
    if (result.ok) {
      checkpoint('opt_out:connector_confirmed', id)
      return completeOptOut(id, auditId, result.value.alreadyRevoked ? 'already revoked at the connector' : null)
    }
    if (result.kind === 'http' && (result.status === 401 || result.status === 403 || result.status === 404)) {
      // The connector does not accept this credential at all: the instance is already out.
      return completeOptOut(id, auditId, `${result.message}; the credential is not valid there, nothing to revoke`)
    }
    store.settleAudit(auditId, 'failed', result.message)
    if (result.retryable) {
      const at = scheduleRetry(id, 'deprovision')
      log.warn(
        { instanceId: id, nextTry: new Date(at).toISOString(), error: result.message },
        'deprovision failed; will retry',
      )
    } else {
      log.error({ instanceId: id, error: result.message }, 'deprovision refused; not retrying')
    }
    return failed(id, errorOf(result))
  }

  async function optOut(id: string, actor: string): Promise<IntentOutcome> {
    const m = mustGet(id)
    if (!m.optedIn && m.pending === null) return ok(id)
    const auditId = writeAhead(id, false, auditEntry('opt_out', id, actor))
    checkpoint('opt_out:intent_written', id)
    cancelRetry(id)
    fleet.holdRedials(id)
    return deprovision(id, auditId)
  }

  // ── opting in ─────────────────────────────────────────────────────────────────────────────────

  async function provision(id: string, auditId: number): Promise<IntentOutcome> {
    const m = mustGet(id)
    const spec = specOf(m)
    const identity = options.identityToken
    if (identity === null) {
      const message = `opting in needs the operator identity token: set ${options.identityTokenEnv}`
      store.settleAudit(auditId, 'failed', message)
      return failed(id, { code: 'identity_token_missing', message })
    }
    let issued: string | null = null
    for (const { platform, botId } of m.identities) {
      const result = await connector.provision(identity, {
        gatewayId: m.gatewayId,
        platform,
        botId,
        gatewayEndpoint: '',
        routeKeys: [],
        instanceId: m.id,
        displayName: m.displayName,
      })
      if (!result.ok) {
        store.settleAudit(auditId, 'failed', result.message)
        if (result.retryable) {
          const retry = scheduleRetry(id, 'provision')
          fleet.showFailure(
            spec,
            { code: 'relay_provision_failed', message: result.message },
            retries.get(id)?.attempt ?? 1,
            retry,
          )
        }
        return failed(id, errorOf(result))
      }
      // Keep the last secret issued; a withheld one never wipes a secret in hand.
      if (result.value.secret !== undefined) issued = result.value.secret
    }
    const secret = issued ?? secrets.get(id) ?? null
    if (secret === null) {
      const message = 'the connector withheld the secret and none is in hand'
      store.settleAudit(auditId, 'failed', message)
      return failed(id, { code: 'secret_withheld', message })
    }
    if (issued !== null) {
      checkpoint('opt_in:secret_issued', id)
      store.saveSecret(id, issued)
      secrets.set(id, issued)
      checkpoint('opt_in:secret_saved', id)
    }
    cancelRetry(id)
    // A NEW transport: fresh latches, the new secret.
    await fleet.start({ ...spec, secret })
    store.transaction(() => {
      store.settleAudit(auditId, 'ok', issued === null ? 'connector withheld a new secret; kept the one in hand' : null)
      state.setIntent(id, true, null)
    })
    checkpoint('opt_in:settled', id)
    return ok(id)
  }

  async function optIn(id: string, actor: string): Promise<IntentOutcome> {
    const m = mustGet(id)
    if (m.optedIn && m.pending === null) return ok(id)
    const auditId = writeAhead(id, true, auditEntry('opt_in', id, actor))
    checkpoint('opt_in:intent_written', id)
    cancelRetry(id)
    return provision(id, auditId)
  }

  // ── start-up and revocations ──────────────────────────────────────────────────────────────────

  /** The config's secret wins only when it changed since it was last adopted (a hand rotation). */
  function resolveSecret(id: string, stored: string | null, storedDigest: string | null): string | null {
    const fromConfig = options.configSecrets.get(id) ?? null
    if (fromConfig !== null && digest(fromConfig) !== storedDigest) {
      store.saveSecret(id, fromConfig, digest(fromConfig))
      return fromConfig
    }
    return stored ?? fromConfig
  }

  return {
    async start() {
      // Entries a crash left pending: their operations are resumed below as *_retry entries.
      const interrupted = store.settleInterrupted('interrupted: the console stopped before this finished')
      if (interrupted > 0) log.warn({ entries: interrupted }, 'settled audit entries a stop interrupted')
      for (const id of state.ids()) {
        const m = mustGet(id)
        const stored = options.storedSecrets.get(id)
        secrets.set(id, resolveSecret(id, stored?.secret ?? null, stored?.configSecretDigest ?? null))
        if (!m.optedIn) {
          await fleet.showDisabled(specOf(m))
          if (m.pending === 'opting_out') void serialised(id, () => reconcile(id, 'deprovision'))
          continue
        }
        const secret = secrets.get(id) ?? null
        if (m.pending === 'opting_in' || secret === null) {
          void serialised(id, async () => {
            const resumed = m.pending === 'opting_in'
            const auditId = store.appendAudit(
              auditEntry(
                resumed ? 'provision_retry' : 'opt_in',
                id,
                'console',
                resumed ? 'resumed after a restart' : 'provisioned at start (no secret configured)',
              ),
            )
            await provision(id, auditId)
          })
          continue
        }
        await fleet.start({ ...specOf(m), secret })
      }
    },

    set(id, optedIn, actor) {
      return serialised(id, () => (optedIn ? optIn(id, actor) : optOut(id, actor)))
    },

    onRevoked(id, reason) {
      const waiter = revocationWaiters.get(id)
      if (state.managed(id)?.pending === 'opting_out') {
        waiter?.()
        return
      }
      void serialised(id, async () => {
        const m = state.managed(id)
        if (m === undefined || m.pending === 'opting_out' || !fleet.isRevoked(id)) return
        cancelRetry(id)
        store.appendAudit({
          actor: 'connector',
          action: 'revoked_by_connector',
          instanceId: id,
          result: 'ok',
          detail: `the connector closed the relay socket 4401 (${reason}) and refused a fresh token`,
        })
        state.setIntent(id, false, null)
        log.info({ instanceId: id }, 'instance revoked by the connector')
      })
    },

    async stop() {
      stopped = true
      for (const id of [...retries.keys()]) cancelRetry(id)
      for (const waiter of [...revocationWaiters.values()]) waiter()
      await Promise.allSettled([...locks.values()])
    },
  }
}
