/**
 * Opting an instance out of the relay. Write-ahead first (intent + audit entry), then the
 * connector revokes the instance's secret. Opting out never dials the instance again: its
 * re-dials are held before the call, and Disabled arrives through the real path (the connector
 * closes the socket 4401 → one fresh-token re-dial → 4401 again → the latch → `relay_disabled`;
 * docs/relay-contract.md §5). The fleet is told to expect that revocation, so its 4401 never shows
 * as Retrying: the platforms go from Connected straight to Disabled. When no socket can carry that 4401 (the instance was down), or it
 * does not come within a grace period, the instance is shown Disabled without a dial.
 *
 * A failure that heals is retried by the reconciler until the connector confirms, across restarts
 * too; the operator gets a clear error meanwhile, and the intent stays written.
 * @module
 */
import type { Clock } from '@relay-console/shared/clock'
import type { Log } from '../lib/log'
import {
  errorOf,
  failedWith,
  type IntentOutcome,
  mustManage,
  type OperationDeps,
  specOf,
  succeeded,
} from './instance-view'
import { type Attempt, SUPERSEDED_ERROR } from './journal'

export interface OptOutDeps extends OperationDeps {
  clock: Clock
  log: Log
  /** How long to wait for the real 4401 path before showing Disabled without it. */
  graceMs: number
}

export interface OptOut {
  /** The operator's (or an API caller's) opt-out. */
  run(instanceId: string, actor: string, batchId?: string | null): Promise<IntentOutcome>
  /** Carries out a request already journaled (here, or by another replica for an instance this one holds). */
  carry(instanceId: string, attempt: Attempt): Promise<IntentOutcome>
  /** A reconciler try, or the first one after a restart: deprovisions again if still pending. */
  resume(instanceId: string): Promise<void>
  /** The instance's revocation latch closed while it was opting out. */
  latched(instanceId: string): void
  /** Releases every opt-out still waiting for its latch (shutdown). */
  release(): void
}

export function createOptOut(deps: OptOutDeps): OptOut {
  const { state, journal, fleet, connector, reconciler, clock, log } = deps
  const waiters = new Map<string, () => void>()

  /**
   * Waits for the latch while a socket (live, or the fresh-token re-dial) can still carry the
   * connector's 4401; returns at once when none can (the instance was down, re-dials held).
   */
  function waitForLatch(id: string): Promise<void> {
    if (fleet.isRevoked(id) || fleet.phase(id) !== 'socket') return Promise.resolve()
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        waiters.delete(id)
        resolve()
      }, deps.graceMs)
      waiters.set(id, () => {
        clock.clearTimeout(timer)
        waiters.delete(id)
        resolve()
      })
    })
  }

  /** The connector confirmed (or has nothing to revoke): make sure the instance reads Disabled. */
  async function complete(id: string, attempt: Attempt, detail: string | null): Promise<IntentOutcome> {
    reconciler.cancel(id)
    await waitForLatch(id)
    if (!fleet.isRevoked(id)) await fleet.showDisabled(specOf(mustManage(state, id)))
    const stood = await journal.complete(attempt, id, false, detail)
    deps.checkpoint('opt_out:settled', id)
    return stood ? succeeded(state, id) : failedWith(state, id, SUPERSEDED_ERROR)
  }

  async function deprovision(id: string, attempt: Attempt): Promise<IntentOutcome> {
    const { gatewayId } = mustManage(state, id)
    const secret = deps.secrets.get(id)
    if (secret === null) return complete(id, attempt, 'no relay credential was held; nothing to revoke')
    const result = await connector.deprovision(gatewayId, secret)
    if (result.ok) {
      deps.checkpoint('opt_out:connector_confirmed', id)
      return complete(id, attempt, result.value.alreadyRevoked ? 'already revoked at the connector' : null)
    }
    if (result.kind === 'http' && (result.status === 401 || result.status === 403 || result.status === 404)) {
      // The connector does not accept this credential at all: the instance is already out.
      return complete(id, attempt, `${result.message}; the credential is not valid there, nothing to revoke`)
    }
    if (result.retryable) {
      await journal.fail(attempt, errorOf(result))
      const next = reconciler.schedule(id, 'deprovision')
      log.warn(
        { instanceId: id, nextTry: new Date(next.at).toISOString(), error: result.message },
        'deprovision failed; will retry',
      )
    } else {
      // Refused for good: the instance is still in the relay, and says so; the operator can retry.
      await journal.abandon(attempt, id, true, errorOf(result))
      fleet.cancelRevocation(id)
      log.error({ instanceId: id, error: result.message }, 'deprovision refused; the instance stays in the relay')
    }
    return failedWith(state, id, errorOf(result))
  }

  return {
    async run(id, actor, batchId) {
      const m = mustManage(state, id)
      if (!m.optedIn && m.pending === null) return succeeded(state, id)
      const attempt = await journal.begin(id, false, actor, batchId)
      deps.checkpoint('opt_out:intent_written', id)
      return this.carry(id, attempt)
    },

    carry(id, attempt) {
      reconciler.cancel(id)
      fleet.expectRevocation(id)
      return deprovision(id, attempt)
    },

    async resume(id) {
      if (mustManage(state, id).pending !== 'opting_out') {
        reconciler.cancel(id)
        return
      }
      await deprovision(id, await journal.resume(id, 'deprovision_retry', null))
    },

    latched(id) {
      waiters.get(id)?.()
    },

    release() {
      for (const release of [...waiters.values()]) release()
    },
  }
}
