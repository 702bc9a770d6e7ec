/**
 * Opting an instance (back) into the relay. Write-ahead first (intent + audit entry), then the
 * connector provisions it, one call per platform, and the secret it issues is stored before it is
 * used. Then a NEW transport is built: fresh latches, the new secret (docs/relay-contract.md §5,
 * §6). A failure that heals shows on the instance's platforms and is retried by the reconciler.
 * @module
 */
import {
  errorOf,
  failedWith,
  type IntentError,
  type IntentOutcome,
  mustManage,
  type OperationDeps,
  specOf,
  succeeded,
} from './instance-view'
import { type Attempt, SUPERSEDED_ERROR } from './journal'

export interface OptInDeps extends OperationDeps {
  /** The operator identity token provisioning needs; null when it is not configured. */
  identityToken: string | null
  /** Where it would come from, to say so when it is missing. */
  identityTokenEnv: string
}

export interface OptIn {
  /** The operator's (or an API caller's) opt-in. */
  run(instanceId: string, actor: string, batchId?: string | null): Promise<IntentOutcome>
  /** Carries out a request already journaled (here, or by another replica for an instance this one holds). */
  carry(instanceId: string, attempt: Attempt): Promise<IntentOutcome>
  /** A reconciler try: provisions again while the opt-in is pending or no secret is in hand. */
  resume(instanceId: string): Promise<void>
  /** Start-up: an opt-in a stop interrupted, or an instance with no secret at all. */
  atStart(instanceId: string): Promise<void>
}

export function createOptIn(deps: OptInDeps): OptIn {
  const { state, journal, fleet, connector, reconciler } = deps

  /**
   * Refused for good: an opt-in that was going on is over, and the instance reads opted out again
   * (the operator is told and can retry). Provisioning at start-up changes no intent.
   */
  async function refused(id: string, attempt: Attempt, error: IntentError): Promise<IntentOutcome> {
    await journal.abandon(attempt, id, false, error)
    return failedWith(state, id, error)
  }

  async function provision(id: string, attempt: Attempt): Promise<IntentOutcome> {
    const m = mustManage(state, id)
    const spec = specOf(m)
    const identity = deps.identityToken
    if (identity === null) {
      const message = `opting in needs the operator identity token: set ${deps.identityTokenEnv}`
      return refused(id, attempt, { code: 'identity_token_missing', message })
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
        if (!result.retryable) return refused(id, attempt, errorOf(result))
        await journal.fail(attempt, errorOf(result))
        const next = reconciler.schedule(id, 'provision')
        fleet.showFailure(spec, { code: 'relay_provision_failed', message: result.message }, next.attempt, next.at)
        return failedWith(state, id, errorOf(result))
      }
      // Keep the last secret issued; a withheld one never wipes a secret in hand.
      if (result.value.secret !== undefined) issued = result.value.secret
    }
    const secret = issued ?? deps.secrets.get(id)
    if (secret === null) {
      return refused(id, attempt, {
        code: 'secret_withheld',
        message: 'the connector withheld the secret and none is in hand',
      })
    }
    if (issued !== null) {
      deps.checkpoint('opt_in:secret_issued', id)
      await deps.secrets.issue(id, issued)
      deps.checkpoint('opt_in:secret_saved', id)
    }
    reconciler.cancel(id)
    await fleet.start({ ...spec, secret })
    const stood = await journal.complete(
      attempt,
      id,
      true,
      issued === null ? 'connector withheld a new secret; kept the one in hand' : null,
    )
    deps.checkpoint('opt_in:settled', id)
    return stood ? succeeded(state, id) : failedWith(state, id, SUPERSEDED_ERROR)
  }

  return {
    async run(id, actor, batchId) {
      const m = mustManage(state, id)
      if (m.optedIn && m.pending === null) return succeeded(state, id)
      const attempt = await journal.begin(id, true, actor, batchId)
      deps.checkpoint('opt_in:intent_written', id)
      return this.carry(id, attempt)
    },

    carry(id, attempt) {
      reconciler.cancel(id)
      return provision(id, attempt)
    },

    async resume(id) {
      const m = mustManage(state, id)
      if (!m.optedIn || (m.pending !== 'opting_in' && deps.secrets.get(id) !== null)) {
        reconciler.cancel(id)
        return
      }
      await provision(id, await journal.resume(id, 'provision_retry', null))
    },

    async atStart(id) {
      const resumed = mustManage(state, id).pending === 'opting_in'
      const attempt = resumed
        ? await journal.resume(id, 'provision_retry', 'resumed after a restart')
        : await journal.resume(id, 'opt_in', 'provisioned at start (no secret configured)')
      await provision(id, attempt)
    },
  }
}
