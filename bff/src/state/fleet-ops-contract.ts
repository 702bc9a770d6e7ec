/**
 * What every {@link StateStore} backend owes the outbox and maintenance windows, as one Vitest
 * suite run against SQLite and PostgreSQL alike (see store-contract.ts).
 * @module
 */
import type { PlatformState, PlatformStatus } from '@relay-console/shared/platform-state'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NotificationDraft } from '../notify/events'
import type { InstanceDefinition, MaintenanceRecord, OutboxPolicy, StateStore } from './store'
import type { ContractOptions, ContractSubject, OpenContractStore } from './store-contract'

const START = Date.parse('2031-03-04T05:06:07.089Z')
const WINDOW_MS = 60_000
const ACME: InstanceDefinition = {
  id: 'acme',
  displayName: 'Acme',
  gatewayId: 'gw-acme',
  platforms: [{ platform: 'discord', botId: '1' }],
}

/** Two webhooks: `ops` takes everything, `pager` only failures. */
const POLICY: OutboxPolicy = {
  webhooksFor: (type) =>
    type === 'test' || type.startsWith('connector.')
      ? ['ops', 'pager']
      : type === 'instance.failed'
        ? ['ops', 'pager']
        : ['ops'],
  flappingWindowMs: () => WINDOW_MS,
}

function status(state: PlatformState, extra: Partial<PlatformStatus> = {}): PlatformStatus {
  return {
    platform: 'discord',
    label: null,
    emoji: null,
    state,
    errorCode: state === 'fatal' ? 'bot_token_revoked' : null,
    errorMessage: null,
    updatedAt: new Date(START).toISOString(),
    attempt: 0,
    nextRetryAt: null,
    retryingSince: null,
    needsAttention: false,
    ...extra,
  }
}

const connectorDraft = (type: 'connector.unreachable' | 'connector.recovered'): NotificationDraft => ({
  type,
  instanceId: null,
  platform: null,
  subject: 'connector',
  occurredAt: new Date(START).toISOString(),
  detail: { instance: null, platform: null, actor: null, connector: { failing: 2, of: 2, errorCode: null } },
})

const windowRecord = (id: string, extra: Partial<MaintenanceRecord> = {}): MaintenanceRecord => ({
  id,
  name: `window ${id}`,
  ids: ['acme'],
  selector: null,
  startsAt: START + 1000,
  endsAt: START + 60_000,
  state: 'scheduled',
  createdBy: 'alice',
  createdAt: START,
  startedAt: null,
  endedAt: null,
  optedOut: [],
  ...extra,
})

export function fleetOpsContract(name: string, open: OpenContractStore, options: ContractOptions = {}): void {
  describe(`StateStore contract, outbox and maintenance: ${name}`, () => {
    let clock = START
    const now = () => clock
    let subject: ContractSubject
    let store: StateStore

    beforeEach(async () => {
      clock = START
      subject = await open({ now, outbox: POLICY })
      store = subject.store
      await store.define([ACME])
    })
    afterEach(async () => {
      await subject.cleanup()
    })

    const save = (s: PlatformStatus) => store.saveStatuses([{ id: 'acme', platforms: [s] }])
    const claimAll = (owner = 'r1') =>
      store.claimDeliveries({ owner, now: clock, leaseUntil: clock + 30_000, limit: 100 })

    describe('the outbox', () => {
      it('writes a failure for each webhook that takes it, with one event id, due after the flapping window', async () => {
        await save(status('connected'))
        await save(status('fatal'))
        const log = await store.deliveries(10)
        expect(log.map((d) => [d.type, d.webhook, d.state, d.dueAt])).toEqual([
          ['instance.failed', 'pager', 'pending', START + WINDOW_MS],
          ['instance.failed', 'ops', 'pending', START + WINDOW_MS],
        ])
        expect(new Set(log.map((d) => d.eventId)).size).toBe(1)
        expect(log[0]?.draft.detail.platform).toMatchObject({ platform: 'discord', errorCode: 'bot_token_revoked' })
        expect(await claimAll()).toEqual([])
        clock += WINDOW_MS
        expect((await claimAll()).map((d) => d.webhook).sort()).toEqual(['ops', 'pager'])
      })

      it('sends nothing for a failure that recovers within the window, and marks both debounced', async () => {
        await save(status('connected'))
        await save(status('fatal'))
        clock += WINDOW_MS / 2
        await save(status('connected'))
        const log = await store.deliveries(10)
        expect(log.map((d) => [d.type, d.state])).toEqual([
          ['instance.recovered', 'debounced'],
          ['instance.failed', 'debounced'],
          ['instance.failed', 'debounced'],
        ])
        clock += WINDOW_MS
        expect(await claimAll()).toEqual([])
      })

      it('sends the recovery of a failure that was sent', async () => {
        await save(status('connected'))
        await save(status('fatal'))
        clock += WINDOW_MS
        for (const d of await claimAll())
          await store.finishDelivery(d.id, 'r1', { state: 'delivered', at: clock, status: 200 })
        await save(status('connected'))
        const [recovered] = await claimAll()
        expect(recovered).toMatchObject({ type: 'instance.recovered', webhook: 'ops', state: 'pending' })
      })

      it('writes nothing for an instance a maintenance window holds out', async () => {
        await save(status('connected'))
        await store.transaction((tx) =>
          tx.setIntent('acme', false, null, null, { source: 'maintenance', actor: 'maintenance:db' }),
        )
        await save(status('disabled'))
        expect(await store.deliveries(10)).toEqual([])
      })

      it('tells a revocation by the connector from an opt-out', async () => {
        await save(status('connected'))
        await store.transaction((tx) =>
          tx.setIntent('acme', false, null, null, { source: 'connector', actor: 'connector' }),
        )
        await save(status('disabled'))
        expect((await store.deliveries(10)).map((d) => d.type)).toEqual(['instance.revoked_by_connector'])
      })

      it('gives each due delivery to one claimer until its claim runs out', async () => {
        await store.enqueue([connectorDraft('connector.recovered')])
        const other = (options.sharedAcrossProcesses ? await subject.reopen?.() : undefined) ?? store
        const claims = await Promise.all([
          store.claimDeliveries({ owner: 'r1', now: clock, leaseUntil: clock + 30_000, limit: 1 }),
          other.claimDeliveries({ owner: 'r2', now: clock, leaseUntil: clock + 30_000, limit: 1 }),
          store.claimDeliveries({ owner: 'r3', now: clock, leaseUntil: clock + 30_000, limit: 1 }),
        ])
        expect(
          claims
            .flat()
            .map((d) => d.webhook)
            .sort(),
        ).toEqual(['ops', 'pager'])
        clock += 30_001
        // Its claimer died: the claim runs out, and another takes it.
        expect(await claimAll('r4')).toHaveLength(2)
      })

      it('keeps a try that failed for its retry, records a delivery, and ignores a claim lost', async () => {
        await store.enqueue([connectorDraft('connector.recovered')], ['ops'])
        const [d] = await claimAll()
        if (d === undefined) throw new Error('nothing claimed')
        await store.finishDelivery(d.id, 'r1', {
          state: 'pending',
          retryAt: clock + 10_000,
          status: 503,
          error: 'HTTP 503',
        })
        expect(await claimAll()).toEqual([])
        clock += 10_000
        // Each claim is a try.
        expect(d.attempts).toBe(1)
        const [again] = await claimAll('r2')
        expect(again).toMatchObject({ id: d.id, attempts: 2, lastStatus: 503, lastError: 'HTTP 503' })
        await store.finishDelivery(d.id, 'r1', { state: 'delivered', at: clock, status: 200 })
        expect((await store.deliveries(1))[0]?.state).toBe('pending')
        await store.finishDelivery(d.id, 'r2', { state: 'delivered', at: clock, status: 204 })
        expect((await store.deliveries(1))[0]).toMatchObject({ state: 'delivered', attempts: 2, deliveredAt: clock })
      })

      it('writes connector.unreachable once, folds the failures waiting into it, and none while it stands', async () => {
        await save(status('connected'))
        await save(status('fatal'))
        const other = (options.sharedAcrossProcesses ? await subject.reopen?.() : undefined) ?? store
        const changed = await Promise.all([
          store.setConnectorUnreachable(true, connectorDraft('connector.unreachable')),
          other.setConnectorUnreachable(true, connectorDraft('connector.unreachable')),
        ])
        expect(changed.filter(Boolean)).toHaveLength(1)
        await save(status('connected'))
        await save(status('fatal', { errorCode: 'other' }))
        const log = await store.deliveries(10)
        expect(log.map((d) => [d.type, d.state])).toEqual([
          ['connector.unreachable', 'pending'],
          ['connector.unreachable', 'pending'],
          ['instance.failed', 'grouped'],
          ['instance.failed', 'grouped'],
        ])
        expect(await store.setConnectorUnreachable(false, connectorDraft('connector.recovered'))).toBe(true)
        expect(await store.setConnectorUnreachable(false, connectorDraft('connector.recovered'))).toBe(false)
      })

      it('sends a test event to the webhook named only, and prunes settled deliveries', async () => {
        const test: NotificationDraft = { ...connectorDraft('connector.recovered'), type: 'test' }
        await store.enqueue([test], ['pager'])
        const [d] = await claimAll()
        expect(d).toMatchObject({ type: 'test', webhook: 'pager' })
        await store.finishDelivery(d?.id ?? 0, 'r1', { state: 'failed', status: 410, error: 'HTTP 410' })
        await store.enqueue([test])
        expect(await store.pruneDeliveries(START + 1)).toBe(1)
        expect(await store.deliveries(10)).toHaveLength(2)
      })
    })

    describe('maintenance windows', () => {
      it('keeps a window and moves it once, recording what it opted out', async () => {
        await store.addMaintenance(windowRecord('w1'))
        await store.addMaintenance(windowRecord('w2', { ids: null, selector: { tenant: 'acme' }, startsAt: START }))
        expect((await store.maintenanceWindows(10)).map((w) => w.id)).toEqual(['w2', 'w1'])
        expect(await store.maintenanceWindow('w2')).toEqual(
          windowRecord('w2', { ids: null, selector: { tenant: 'acme' }, startsAt: START }),
        )
        const other = (options.sharedAcrossProcesses ? await subject.reopen?.() : undefined) ?? store
        const moved = await Promise.all([
          store.transaction((tx) => tx.moveMaintenance('w1', 'scheduled', 'active', START + 1000, ['acme'])),
          other.transaction((tx) => tx.moveMaintenance('w1', 'scheduled', 'active', START + 1001, ['acme'])),
        ])
        expect(moved.filter(Boolean)).toHaveLength(1)
        expect(await store.maintenanceWindow('w1')).toMatchObject({ state: 'active', optedOut: ['acme'] })
        await store.transaction((tx) => tx.moveMaintenance('w1', 'active', 'ended', START + 5000))
        expect(await store.maintenanceWindow('w1')).toMatchObject({
          state: 'ended',
          endedAt: START + 5000,
          optedOut: ['acme'],
        })
        expect(await store.maintenanceWindow('nope')).toBeNull()
      })

      it('reads an instance inside a transaction, as the transaction left it so far', async () => {
        const read = await store.transaction(async (tx) => {
          const before = await tx.instance('acme')
          await tx.setIntent('acme', false, 'opting_out', null, { source: 'maintenance', actor: 'maintenance:x' })
          return { before, after: await tx.instance('acme'), unknown: await tx.instance('nope') }
        })
        expect(read.before).toMatchObject({ id: 'acme', optedIn: true, pending: null, disabledBy: null })
        expect(read.after).toMatchObject({
          optedIn: false,
          pending: 'opting_out',
          disabledBy: { source: 'maintenance', actor: 'maintenance:x' },
        })
        expect(read.unknown).toBeNull()
      })

      it('lists every open window and only the latest closed ones', async () => {
        for (const id of ['a', 'b', 'c']) {
          await store.addMaintenance(windowRecord(id))
          await store.transaction((tx) => tx.moveMaintenance(id, 'scheduled', 'cancelled', START + id.charCodeAt(0)))
        }
        await store.addMaintenance(windowRecord('open', { startsAt: START + 99_000, endsAt: START + 100_000 }))
        expect((await store.maintenanceWindows(2)).map((w) => w.id).sort()).toEqual(['b', 'c', 'open'])
      })
    })
  })
}
