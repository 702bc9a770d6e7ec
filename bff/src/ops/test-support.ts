/**
 * What the intent units' tests run on: a fake clock, a scripted connector client, a fleet that
 * records what it was asked to do, and the real state store in memory.
 * @module
 */
import type { AuditEntry } from '@relay-console/shared/api'
import { FakeClock } from '@relay-console/shared/fake-clock'
import type { PendingIntent } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'
import type { ProvisionRequest, ProvisionResponse } from '@relay-console/shared/relay/http-schemas'
import { vi } from 'vitest'
import type { CallFailure, CallResult, ConnectorClient } from '../connector-api/client'
import type { RelayFailure } from '../relay/close-policy'
import type { Fleet, InstanceSpec } from '../relay/fleet'
import { createChangeFeed } from '../state/change-feed'
import { ConsoleState } from '../state/console-state'
import { openSqliteStore } from '../state/sqlite-store'
import type { InstanceDefinition, StoreTx } from '../state/store'
import type { OperationDeps } from './instance-view'
import { createJournal } from './journal'
import { createReconciler, type RetryKind } from './reconciler'
import { createSecretBook } from './secrets'

export const DEFINITIONS: InstanceDefinition[] = [
  {
    id: 'acme',
    displayName: 'Acme',
    gatewayId: 'gw-acme',
    platforms: [
      { platform: 'discord', botId: '1' },
      { platform: 'telegram', botId: '2' },
    ],
  },
  { id: 'globex', displayName: 'Globex', gatewayId: 'gw-globex', platforms: [{ platform: 'slack', botId: '3' }] },
]

export const failure = (kind: CallFailure['kind'], status: number | null, message = 'boom'): CallFailure => ({
  ok: false,
  kind,
  status,
  message,
  retryable: kind === 'network' || (status !== null && status >= 500),
})

type Reply<T> = CallResult<T> | (() => Promise<CallResult<T>>)

/** A connector client answering from a script, one reply per call; the default when it runs out. */
export class FakeConnector implements ConnectorClient {
  readonly deprovisions: Array<{ gatewayId: string; secret: string }> = []
  readonly provisions: Array<{ identityToken: string; body: ProvisionRequest }> = []
  readonly deprovisionReplies: Array<Reply<{ alreadyRevoked: boolean }>> = []
  readonly provisionReplies: Array<Reply<ProvisionResponse>> = []
  #issued = 0

  async deprovision(gatewayId: string, secret: string) {
    this.deprovisions.push({ gatewayId, secret })
    return this.#next(this.deprovisionReplies, { ok: true, value: { alreadyRevoked: false } })
  }

  async provision(identityToken: string, body: ProvisionRequest) {
    this.provisions.push({ identityToken, body })
    this.#issued += 1
    return this.#next(this.provisionReplies, { ok: true, value: { secret: `issued-${this.#issued}` } })
  }

  /** The next deprovision succeeds only when the returned function is called. */
  holdNextDeprovision(): () => void {
    let answer: () => void = () => {}
    this.deprovisionReplies.push(
      () =>
        new Promise((resolve) => {
          answer = () => resolve({ ok: true, value: { alreadyRevoked: false } })
        }),
    )
    return () => answer()
  }

  async #next<T>(replies: Array<Reply<T>>, fallback: CallResult<T>): Promise<CallResult<T>> {
    const reply = replies.shift() ?? fallback
    return typeof reply === 'function' ? reply() : reply
  }
}

type FleetCall =
  | { op: 'start'; instanceId: string; secret: string }
  | { op: 'showDisabled'; instanceId: string }
  | { op: 'showFailure'; instanceId: string; failure: RelayFailure; attempt: number; nextRetryAt: number | null }
  | { op: 'expectRevocation'; instanceId: string }
  | { op: 'cancelRevocation'; instanceId: string }
  | { op: 'stop'; instanceId: string }

/**
 * A fleet that records what it is asked and lets a test say what its transports do: which
 * instance has a live socket, and when a latch closes.
 */
export class FakeFleet implements Fleet {
  readonly calls: FleetCall[] = []
  readonly #phases = new Map<string, string>()
  readonly #revoked = new Set<string>()

  /** Says the instance has a live socket (or none). */
  setPhase(instanceId: string, phase: string): void {
    this.#phases.set(instanceId, phase)
  }

  /** The instance's latch closes (the caller tells the intents, as the real fleet's `onRevoked` does). */
  latch(instanceId: string): void {
    this.#revoked.add(instanceId)
  }

  ops(instanceId: string): string[] {
    return this.calls.filter((c) => c.instanceId === instanceId).map((c) => c.op)
  }

  async start(spec: InstanceSpec) {
    this.calls.push({ op: 'start', instanceId: spec.instanceId, secret: spec.secret })
    this.#revoked.delete(spec.instanceId)
    this.#phases.set(spec.instanceId, 'socket')
  }

  async showDisabled(spec: Omit<InstanceSpec, 'secret'>) {
    this.calls.push({ op: 'showDisabled', instanceId: spec.instanceId })
    this.#phases.delete(spec.instanceId)
  }

  showFailure(spec: Omit<InstanceSpec, 'secret'>, failure: RelayFailure, attempt: number, nextRetryAt: number | null) {
    this.calls.push({ op: 'showFailure', instanceId: spec.instanceId, failure, attempt, nextRetryAt })
  }

  async stop(instanceId: string) {
    this.calls.push({ op: 'stop', instanceId })
  }

  expectRevocation(instanceId: string) {
    this.calls.push({ op: 'expectRevocation', instanceId })
  }

  cancelRevocation(instanceId: string) {
    this.calls.push({ op: 'cancelRevocation', instanceId })
  }

  phase = (instanceId: string) => this.#phases.get(instanceId) ?? 'none'
  isRevoked = (instanceId: string) => this.#revoked.has(instanceId)
  platforms = (): readonly PlatformStatus[] | undefined => undefined
  async stopAll() {}
  phases = () => ({})
  get size() {
    return this.#phases.size
  }
}

export const silentLog = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() })

/**
 * The real store (SQLite in memory) and state over {@link DEFINITIONS}, on a fake clock, with its
 * change feed. `setup` writes before the state first reads the store (a console's last run).
 */
export async function opsWorld(setup: (tx: StoreTx) => Promise<unknown> = async () => {}) {
  const clock = new FakeClock(Date.UTC(2026, 10, 29, 9, 0, 0))
  const store = openSqliteStore({ stateDir: null, now: () => clock.now() })
  await store.define(DEFINITIONS)
  await store.transaction(setup)
  const log = silentLog()
  const defined = await store.define(DEFINITIONS)
  const state = new ConsoleState({ stored: defined.instances, rev: defined.rev, log })
  const feed = createChangeFeed({ store, state, log, clock, onGap: async () => {} })
  /** Oldest first. */
  const audit = async (instanceId?: string): Promise<AuditEntry[]> =>
    (await store.audit({ limit: 100, instanceId })).reverse()
  /** Writes an intent as another part of the console would, and waits for the state to show it. */
  const setIntent = async (id: string, optedIn: boolean, pending: PendingIntent | null) => {
    const change = await store.transaction((tx) => tx.setIntent(id, optedIn, pending))
    await feed.reach(change.rev)
  }
  const storedSecret = async (id: string) =>
    (await store.define(DEFINITIONS)).instances.find((s) => s.id === id)?.secret
  return {
    clock,
    store,
    state,
    feed,
    stored: defined.instances,
    log,
    audit,
    setIntent,
    storedSecret,
    connector: new FakeConnector(),
    fleet: new FakeFleet(),
  }
}

/**
 * {@link opsWorld} plus what an operation works with: the journal, a secret book (acme has a
 * secret from the config, globex none), a reconciler whose due tries are only recorded (random 0:
 * the first try is due after 500 ms), and a checkpoint log.
 */
export async function operationWorld() {
  const world = await opsWorld()
  const { state, store, clock, fleet, connector } = world
  const secrets = createSecretBook({
    store,
    configSecrets: new Map([
      ['acme', 'secret-acme'],
      ['globex', null],
    ]),
  })
  for (const id of state.ids()) await secrets.resolve(id, null)
  const due: Array<[string, RetryKind]> = []
  const reconciler = createReconciler({
    clock,
    random: () => 0,
    retry: { baseMs: 1000, maxMs: 8000 },
    onDue: (id, kind) => due.push([id, kind]),
  })
  const checkpoints: string[] = []
  const deps: OperationDeps = {
    state,
    journal: createJournal(store, world.feed),
    fleet,
    connector,
    secrets,
    reconciler,
    checkpoint: (point, id) => checkpoints.push(`${point} ${id}`),
  }
  return { ...world, deps, secrets, due, checkpoints }
}

/** Lets every promise that is ready run (the fakes answer in microtasks). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve))
