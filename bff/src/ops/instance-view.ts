/**
 * What the intent units share: the parts an operation works with, how it reads an instance (the
 * managed record, the spec its transport is built from), and how it answers (the instance as it
 * now stands, or why the operation failed this time).
 * @module
 */
import type { IntentErrorCode } from '@relay-console/shared/api-error-codes'
import type { Instance } from '@relay-console/shared/instance'
import type { CallFailure, ConnectorClient } from '../connector-api/client'
import type { Fleet, InstanceSpec } from '../relay/fleet'
import type { ConsoleState, ManagedInstance } from '../state/console-state'
import type { CheckpointHook } from './checkpoints'
import type { Journal } from './journal'
import type { Reconciler } from './reconciler'
import type { SecretBook } from './secrets'

/** What opting out and opting in both work with. */
export interface OperationDeps {
  state: ConsoleState
  journal: Journal
  fleet: Fleet
  connector: ConnectorClient
  secrets: SecretBook
  reconciler: Reconciler
  checkpoint: CheckpointHook
}

export interface IntentError {
  code: IntentErrorCode
  message: string
}

export type IntentOutcome = { ok: true; instance: Instance } | { ok: false; instance: Instance; error: IntentError }

export function mustManage(state: ConsoleState, id: string): ManagedInstance {
  const managed = state.managed(id)
  if (managed === undefined) throw new Error(`unknown instance ${id}`)
  return managed
}

/** What a transport for the instance is built from, but the secret. */
export function specOf(m: ManagedInstance): Omit<InstanceSpec, 'secret'> {
  return { instanceId: m.id, gatewayId: m.gatewayId, platforms: m.identities, initial: m.platforms }
}

function viewOf(state: ConsoleState, id: string): Instance {
  const instance = state.get(id)
  if (instance === undefined) throw new Error(`unknown instance ${id}`)
  return instance
}

export function succeeded(state: ConsoleState, id: string): IntentOutcome {
  return { ok: true, instance: viewOf(state, id) }
}

export function failedWith(state: ConsoleState, id: string, error: IntentError): IntentOutcome {
  return { ok: false, instance: viewOf(state, id), error }
}

export function errorOf(failure: CallFailure): IntentError {
  return { code: failure.kind === 'network' ? 'connector_unreachable' : 'connector_error', message: failure.message }
}
