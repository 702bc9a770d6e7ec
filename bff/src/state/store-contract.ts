/**
 * The behaviour every {@link StateStore} backend owes the console, as one Vitest suite: a
 * backend's test file calls {@link storeContract} with a way to open a fresh store, and the same
 * checks run against SQLite and PostgreSQL alike. Nothing here knows which backend it drives.
 * @module
 */
import type { PlatformState, PlatformStatus } from '@relay-console/shared/platform-state'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { InstanceDefinition, LoggedChange, NewSession, OutboxPolicy, StateStore } from './store'
import { AUDIT_CAP, AUDIT_DETAIL_MAX, HISTORY_CAP } from './store-rules'

export interface ContractSubject {
  /** A store on fresh, empty data. */
  store: StateStore
  /**
   * Opens another store on the same data, as a restart or a second process would (the first may
   * still be open, or closed by the test). Without it, the checks that need it are skipped.
   */
  reopen?: () => Promise<StateStore>
  /** Closes every store it opened that is still open (a test may have closed some), and removes the data. */
  cleanup: () => Promise<void>
}

export interface ContractOptions {
  /**
   * Stores from `reopen` may work at the same time as the first, as separate processes would
   * (PostgreSQL): then commits and races across stores are checked too. Otherwise races run
   * within one store.
   */
  sharedAcrossProcesses?: boolean
}

export type OpenContractStore = (options: { now: () => number; outbox?: OutboxPolicy }) => Promise<ContractSubject>

const ACME: InstanceDefinition = {
  id: 'acme',
  displayName: 'Acme',
  gatewayId: 'gw-acme',
  platforms: [
    { platform: 'discord', botId: '1' },
    { platform: 'telegram', botId: 'acme_bot' },
  ],
  // Not in key order: both backends keep the config's.
  labels: { tenant: 'acme', region: 'eu-west', env: 'prod' },
}
const GLOBEX: InstanceDefinition = {
  id: 'globex',
  displayName: 'Globex',
  gatewayId: 'gw-globex',
  platforms: [{ platform: 'slack', botId: 'B1' }],
}
const START = Date.parse('2031-03-04T05:06:07.089Z')

function status(platform: string, state: PlatformState, extra: Partial<PlatformStatus> = {}): PlatformStatus {
  return {
    platform,
    label: `${platform} bot`,
    emoji: null,
    state,
    errorCode: state === 'retrying' ? 'relay_unreachable' : null,
    errorMessage: state === 'retrying' ? 'the relay did not answer' : null,
    updatedAt: new Date(START).toISOString(),
    attempt: 0,
    nextRetryAt: null,
    retryingSince: null,
    needsAttention: false,
    ...extra,
  }
}

/** A pending opt-out entry, as the journal writes one. */
const entry = (instanceId: string, detail: string | null = null) => ({
  actor: 'admin',
  action: 'opt_out' as const,
  instanceId,
  result: 'pending' as const,
  detail,
})

const revsOf = (changes: readonly LoggedChange[] | null) => (changes ?? []).map((c) => c.rev)
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function storeContract(name: string, open: OpenContractStore, options: ContractOptions = {}): void {
  describe(`StateStore contract: ${name}`, () => {
    let clock = START
    const now = () => clock
    let subject: ContractSubject
    let store: StateStore

    beforeEach(async () => {
      clock = START
      subject = await open({ now })
      store = subject.store
    })
    afterEach(async () => {
      await subject.cleanup()
    })

    const intent = (id: string, optedIn: boolean, pending: 'opting_out' | 'opting_in' | null = null) =>
      store.transaction((tx) => tx.setIntent(id, optedIn, pending))

    describe('define', () => {
      it('defines new instances opted in, with nothing pending, no secret and no statuses, in the order given', async () => {
        const { rev, instances } = await store.define([GLOBEX, ACME])
        expect(instances).toEqual([
          {
            ...GLOBEX,
            labels: {},
            optedIn: true,
            pending: null,
            pendingEntry: null,
            secret: null,
            configSecretDigest: null,
            statuses: [],
            disabledBy: null,
          },
          {
            ...ACME,
            optedIn: true,
            pending: null,
            pendingEntry: null,
            secret: null,
            configSecretDigest: null,
            statuses: [],
            disabledBy: null,
          },
        ])
        expect(rev).toBe(await store.currentRev())
      })

      it('updates names and platforms, keeps what was decided, and answers only the instances defined', async () => {
        await store.define([ACME, GLOBEX])
        await intent('acme', false, 'opting_out')
        const renamed = {
          ...ACME,
          displayName: 'Acme Corp',
          gatewayId: 'gw-acme-2',
          platforms: [{ platform: 'slack', botId: 'A9' }],
        }
        const { instances } = await store.define([renamed])
        expect(instances).toEqual([
          {
            ...renamed,
            optedIn: false,
            pending: 'opting_out',
            pendingEntry: null,
            secret: null,
            configSecretDigest: null,
            statuses: [],
            disabledBy: null,
          },
        ])
        const again = await store.define([GLOBEX, renamed])
        expect(again.instances.map((i) => [i.id, i.displayName, i.optedIn])).toEqual([
          ['globex', 'Globex', true],
          ['acme', 'Acme Corp', false],
        ])
      })

      it('keeps labels as the config wrote them, changes them with the config, and logs them with the instance', async () => {
        await store.define([ACME])
        const change = await intent('acme', false, 'opting_out')
        expect(Object.entries(change.instance.labels ?? {})).toEqual([
          ['tenant', 'acme'],
          ['region', 'eu-west'],
          ['env', 'prod'],
        ])
        const relabelled = await store.define([{ ...ACME, labels: { tenant: 'acme', env: 'staging' } }])
        expect(relabelled.instances[0]?.labels).toEqual({ tenant: 'acme', env: 'staging' })
        const later = await intent('acme', true, null)
        expect(later.instance.labels).toEqual({ tenant: 'acme', env: 'staging' })
        expect((await store.define([{ ...ACME, labels: undefined }])).instances[0]?.labels).toEqual({})
      })

      it('answers the rev its view is current at: the log after it is exactly what the view lacks', async () => {
        await store.define([ACME])
        const logged: LoggedChange[] = []
        let writing = true
        const writer = (async () => {
          for (let attempt = 1; attempt <= 30; attempt++) {
            const state = attempt % 2 === 0 ? 'connected' : 'retrying'
            logged.push(
              ...(await store.saveStatuses([{ id: 'acme', platforms: [status('discord', state, { attempt })] }])),
            )
            if (attempt % 5 === 0) logged.push(await intent('acme', attempt % 10 !== 0))
          }
          writing = false
        })()
        const views: Awaited<ReturnType<StateStore['define']>>[] = []
        while (writing) views.push(await store.define([ACME]))
        await writer
        views.push(await store.define([ACME]))
        for (const view of views) {
          const latest = logged.filter((c) => c.rev <= view.rev).at(-1)
          const acme = view.instances[0]
          expect(acme?.statuses).toEqual(latest?.instance.platforms ?? [])
          expect(acme?.optedIn).toBe(latest?.instance.optedIn ?? true)
          const after = await store.changesAfter(view.rev, 1000)
          expect(revsOf(after)).toEqual(revsOf(logged.filter((c) => c.rev > view.rev)))
        }
      })
    })

    describe('intents', () => {
      it('writes an intent in a transaction and logs the whole instance after it', async () => {
        await store.define([ACME])
        await store.saveStatuses([{ id: 'acme', platforms: [status('discord', 'connected')] }])
        const before = await store.currentRev()
        const change = await intent('acme', false, 'opting_out')
        expect(change).toEqual({
          rev: before + 1,
          instance: {
            id: 'acme',
            displayName: 'Acme',
            gatewayId: 'gw-acme',
            optedIn: false,
            pending: 'opting_out',
            platforms: [status('discord', 'connected')],
            labels: ACME.labels,
            disabledBy: null,
          },
          transitions: [],
        })
        expect(await store.currentRev()).toBe(before + 1)
        expect(await store.changesAfter(before, 10)).toEqual([change])
        const { instances } = await store.define([ACME])
        expect(instances[0]).toMatchObject({ optedIn: false, pending: 'opting_out' })
      })

      it('keeps who opted an instance out while it is out, and forgets it when it is opted in', async () => {
        await store.define([ACME])
        const alice = { source: 'operator' as const, actor: 'alice' }
        const out = await store.transaction((tx) => tx.setIntent('acme', false, 'opting_out', null, alice))
        expect(out.instance.disabledBy).toEqual(alice)
        // Settling (or any write that does not say who) keeps the name.
        const settled = await store.transaction((tx) => tx.setIntent('acme', false, null))
        expect(settled.instance.disabledBy).toEqual(alice)
        const connector = { source: 'connector' as const, actor: 'connector' }
        expect(
          (await store.transaction((tx) => tx.setIntent('acme', false, null, null, connector))).instance.disabledBy,
        ).toEqual(connector)
        expect((await store.define([ACME])).instances[0]?.disabledBy).toEqual(connector)
        expect(
          (await store.transaction((tx) => tx.setIntent('acme', true, 'opting_in', null, alice))).instance.disabledBy,
        ).toBeNull()
        expect((await store.instance('acme'))?.disabledBy).toBeNull()
      })

      it('refuses an intent for an unknown instance and logs nothing', async () => {
        await store.define([ACME])
        const before = await store.currentRev()
        await expect(intent('nobody', false)).rejects.toThrow()
        expect(await store.currentRev()).toBe(before)
        expect(await store.changesAfter(before, 10)).toEqual([])
      })
    })

    describe('one instance', () => {
      it('answers it as stored now, with the entry of the operation its pending intent asks for', async () => {
        await store.define([ACME])
        const entryId = await store.transaction((tx) => tx.appendAudit(entry('acme')))
        await store.transaction((tx) => tx.setIntent('acme', false, 'opting_out', entryId))
        await store.transaction((tx) => tx.saveSecret('acme', 's3cret', 'digest'))
        expect(await store.instance('acme')).toMatchObject({
          id: 'acme',
          optedIn: false,
          pending: 'opting_out',
          pendingEntry: entryId,
          secret: 's3cret',
          configSecretDigest: 'digest',
        })
        expect((await store.define([ACME])).instances[0]?.pendingEntry).toBe(entryId)
        // A later request replaced the intent: settling the first one's writes nothing.
        const later = await store.transaction((tx) => tx.appendAudit(entry('acme')))
        await store.transaction((tx) => tx.setIntent('acme', true, 'opting_in', later))
        const rev = await store.currentRev()
        expect(await store.transaction((tx) => tx.settleIntent('acme', false, entryId))).toBeNull()
        expect(await store.currentRev()).toBe(rev)
        expect(await store.instance('acme')).toMatchObject({ optedIn: true, pending: 'opting_in', pendingEntry: later })
        const settled = await store.transaction((tx) => tx.settleIntent('acme', true, later))
        expect(settled).toMatchObject({ rev: rev + 1, instance: { optedIn: true, pending: null } })
        expect((await store.instance('acme'))?.pendingEntry).toBeNull()
        expect(await store.instance('nobody')).toBeNull()
      })
    })

    describe('transactions', () => {
      it('land all their writes, and answer what the work returns', async () => {
        await store.define([ACME])
        const result = await store.transaction(async (tx) => {
          const entry = await tx.appendAudit({
            actor: 'admin',
            action: 'opt_out',
            instanceId: 'acme',
            result: 'pending',
            detail: null,
          })
          const change = await tx.setIntent('acme', false, 'opting_out')
          await tx.saveSecret('acme', 'issued-secret')
          return { entry, change }
        })
        expect(typeof result.entry).toBe('number')
        expect(result.change.instance.optedIn).toBe(false)
        expect(await store.audit({ limit: 10 })).toMatchObject([{ action: 'opt_out', result: 'pending' }])
        expect((await store.define([ACME])).instances[0]).toMatchObject({ optedIn: false, secret: 'issued-secret' })
      })

      it('land none of their writes when the work throws: no audit entry, no intent, no rev', async () => {
        const { instances } = await store.define([ACME])
        const before = await store.currentRev()
        const boom = new Error('boom')
        const failed = store.transaction(async (tx) => {
          await tx.appendAudit({
            actor: 'admin',
            action: 'opt_out',
            instanceId: 'acme',
            result: 'pending',
            detail: 'x',
          })
          await tx.setIntent('acme', false, 'opting_out')
          await tx.saveSecret('acme', 'never-kept', 'digest')
          throw boom
        })
        await expect(failed).rejects.toBe(boom)
        expect(await store.audit({ limit: 10 })).toEqual([])
        expect((await store.define([ACME])).instances).toEqual(instances)
        expect(await store.currentRev()).toBe(before)
        expect(await store.changesAfter(before, 10)).toEqual([])
        // The rev the rolled-back change had is the next one's: no gap.
        expect((await intent('acme', false)).rev).toBe(before + 1)
      })
    })

    describe('revs', () => {
      it('are strictly increasing and gapless, with writers at the same time', async () => {
        await store.define([ACME, GLOBEX])
        const start = await store.currentRev()
        const writes: Promise<LoggedChange[]>[] = []
        for (let k = 0; k < 12; k++) {
          const id = k % 2 === 0 ? 'acme' : 'globex'
          writes.push(intent(id, k % 4 < 2).then((c) => [c]))
          writes.push(
            store.saveStatuses([
              { id: 'acme', platforms: [status('discord', 'retrying', { attempt: k + 1 })] },
              { id: 'globex', platforms: [status('slack', k % 3 === 0 ? 'connected' : 'retrying', { attempt: k })] },
            ]),
          )
        }
        const revs = (await Promise.all(writes)).flat().map((c) => c.rev)
        expect([...revs].sort((a, b) => a - b)).toEqual(range(start + 1, revs.length))
        expect(revsOf(await store.changesAfter(start, 1000))).toEqual(range(start + 1, revs.length))
        expect(await store.currentRev()).toBe(start + revs.length)
      })

      it('are never reused after the store is reopened', async (ctx) => {
        if (subject.reopen === undefined) return ctx.skip()
        await store.define([ACME])
        await intent('acme', false)
        const last = (await intent('acme', true)).rev
        await store.close()
        store = await subject.reopen()
        expect(await store.currentRev()).toBe(last)
        expect((await intent('acme', false)).rev).toBe(last + 1)
        expect(revsOf(await store.changesAfter(last - 2, 10))).toEqual([last - 1, last, last + 1])
      })
    })

    describe('saveStatuses', () => {
      it('logs the instances whose statuses changed, in the order given, with their transitions', async () => {
        await store.define([ACME, GLOBEX])
        const start = await store.currentRev()
        const first = await store.saveStatuses([
          { id: 'globex', platforms: [status('slack', 'connecting')] },
          { id: 'acme', platforms: [status('discord', 'connecting'), status('telegram', 'connecting')] },
        ])
        expect(first.map((c) => [c.rev, c.instance.id])).toEqual([
          [start + 1, 'globex'],
          [start + 2, 'acme'],
        ])
        expect(first[1]?.transitions.map((t) => [t.rev, t.platform, t.from, t.to])).toEqual([
          [start + 2, 'discord', null, 'connecting'],
          [start + 2, 'telegram', null, 'connecting'],
        ])
        const retrying = status('telegram', 'retrying', { attempt: 1, updatedAt: new Date(START + 5000).toISOString() })
        const second = await store.saveStatuses([
          { id: 'globex', platforms: [status('slack', 'connecting')] },
          { id: 'acme', platforms: [status('discord', 'connecting'), retrying] },
          { id: 'nobody', platforms: [status('slack', 'connected')] },
        ])
        expect(second).toEqual([
          {
            rev: start + 3,
            instance: {
              id: 'acme',
              displayName: 'Acme',
              gatewayId: 'gw-acme',
              optedIn: true,
              pending: null,
              platforms: [status('discord', 'connecting'), retrying],
              labels: ACME.labels,
              disabledBy: null,
            },
            transitions: [
              {
                rev: start + 3,
                at: retrying.updatedAt,
                platform: 'telegram',
                from: 'connecting',
                to: 'retrying',
                errorCode: 'relay_unreachable',
                errorMessage: 'the relay did not answer',
              },
            ],
          },
        ])
        expect(await store.changesAfter(start, 10)).toEqual([...first, ...second])
        expect(await store.saveStatuses([])).toEqual([])
      })

      it('logs a change within one state without transitions, and keeps the statuses for define', async () => {
        await store.define([ACME])
        await store.saveStatuses([{ id: 'acme', platforms: [status('discord', 'retrying', { attempt: 1 })] }])
        const [change] = await store.saveStatuses([
          { id: 'acme', platforms: [status('discord', 'retrying', { attempt: 2 })] },
        ])
        expect(change?.transitions).toEqual([])
        expect(change?.instance.platforms).toEqual([status('discord', 'retrying', { attempt: 2 })])
        expect((await store.define([ACME])).instances[0]?.statuses).toEqual([
          status('discord', 'retrying', { attempt: 2 }),
        ])
      })

      it('compares a batch that names an instance twice with its earlier update', async () => {
        await store.define([ACME])
        const changes = await store.saveStatuses([
          { id: 'acme', platforms: [status('discord', 'connecting')] },
          { id: 'acme', platforms: [status('discord', 'connecting')] },
          { id: 'acme', platforms: [status('discord', 'connected')] },
        ])
        expect(changes.map((c) => c.transitions.map((t) => [t.from, t.to]))).toEqual([
          [[null, 'connecting']],
          [['connecting', 'connected']],
        ])
        expect((await store.define([ACME])).instances[0]?.statuses).toEqual([status('discord', 'connected')])
      })

      it('records history newest first, each transition with its change rev', async () => {
        await store.define([ACME, GLOBEX])
        const logged: LoggedChange[] = []
        for (const state of ['connecting', 'connected', 'retrying', 'connected'] as const) {
          logged.push(...(await store.saveStatuses([{ id: 'acme', platforms: [status('discord', state)] }])))
          await store.saveStatuses([{ id: 'globex', platforms: [status('slack', state)] }])
        }
        const history = await store.history('acme', 10)
        expect(history).toEqual(logged.flatMap((c) => c.transitions).reverse())
        expect(history.map((t) => t.to)).toEqual(['connected', 'retrying', 'connected', 'connecting'])
        expect(await store.history('acme', 2)).toEqual(history.slice(0, 2))
        expect(await store.history('nobody', 10)).toEqual([])
      })

      it(`keeps the newest ${HISTORY_CAP} transitions of an instance`, async () => {
        await store.define([ACME])
        const revs: number[] = []
        const total = HISTORY_CAP + 60
        for (let k = 0; k < total; k += 20) {
          const batch = range(k, Math.min(20, total - k)).map((n) => ({
            id: 'acme',
            platforms: [status('discord', n % 2 === 0 ? 'connected' : 'retrying', { attempt: n })],
          }))
          revs.push(...revsOf(await store.saveStatuses(batch)))
        }
        expect(revs).toHaveLength(total)
        const history = await store.history('acme', 10_000)
        expect(history).toHaveLength(HISTORY_CAP)
        expect(history.map((t) => t.rev)).toEqual(revs.slice(-HISTORY_CAP).reverse())
      })
    })

    describe('changesAfter and pruneChanges', () => {
      it('read the log oldest first, at most limit', async () => {
        await store.define([ACME])
        const start = await store.currentRev()
        for (const optedIn of [false, true, false, true, false]) await intent('acme', optedIn)
        expect(revsOf(await store.changesAfter(start, 2))).toEqual([start + 1, start + 2])
        expect(revsOf(await store.changesAfter(start + 2, 10))).toEqual([start + 3, start + 4, start + 5])
        expect(await store.changesAfter(start + 5, 10)).toEqual([])
        expect(await store.changesAfter(start + 50, 10)).toEqual([])
        const [third] = (await store.changesAfter(start + 2, 1)) ?? []
        expect(third?.instance).toMatchObject({ id: 'acme', optedIn: false })
      })

      it('answer null once the log was pruned past rev + 1', async () => {
        await store.define([ACME])
        for (let k = 0; k < 10; k++) await intent('acme', k % 2 === 0)
        const current = await store.currentRev()
        const logLength = (await store.changesAfter(0, 10_000))?.length ?? 0
        expect(await store.pruneChanges(3)).toBe(logLength - 3)
        expect(revsOf(await store.changesAfter(current - 3, 10))).toEqual([current - 2, current - 1, current])
        expect(await store.changesAfter(current - 4, 10)).toBeNull()
        expect(await store.changesAfter(0, 10)).toBeNull()
        expect(await store.changesAfter(current, 10)).toEqual([])
        expect(await store.pruneChanges(3)).toBe(0)
        // Pruning never moves the counter.
        expect((await intent('acme', true)).rev).toBe(current + 1)
      })
    })

    describe('onCommit', () => {
      it('calls its listeners once a change is committed, and no more once removed', async () => {
        await store.define([ACME])
        const before = await store.currentRev()
        const seen: (LoggedChange[] | null)[] = []
        const remove = store.onCommit(() => {
          void store.changesAfter(before, 10).then((changes) => seen.push(changes))
        })
        await intent('acme', false)
        await vi.waitFor(() => expect(seen.some((changes) => changes?.length === 1)).toBe(true))
        remove()
        await sleep(50)
        const calls = seen.length
        await intent('acme', true)
        await store.saveStatuses([{ id: 'acme', platforms: [status('discord', 'connected')] }])
        await sleep(200)
        expect(seen).toHaveLength(calls)
      })

      it.runIf(options.sharedAcrossProcesses)('calls them for commits by another store on the same data', async () => {
        const other = await subject.reopen?.()
        if (other === undefined) throw new Error('sharedAcrossProcesses needs reopen')
        await store.define([ACME])
        const before = await store.currentRev()
        let latest = before
        store.onCommit(() => {
          void store.currentRev().then((rev) => {
            latest = Math.max(latest, rev)
          })
        })
        await sleep(50)
        const change = await other.transaction((tx) => tx.setIntent('acme', false, null))
        await vi.waitFor(() => expect(latest).toBe(change.rev))
        expect(await store.changesAfter(before, 10)).toEqual([change])
      })
    })

    describe('secrets', () => {
      it('keep the secret an instance dials with and the digest it came from, also after reopening', async (ctx) => {
        await store.define([ACME])
        await store.transaction((tx) => tx.saveSecret('acme', 'from-config', 'digest-1'))
        expect((await store.define([ACME])).instances[0]).toMatchObject({
          secret: 'from-config',
          configSecretDigest: 'digest-1',
        })
        // No digest given: the one from the config stays.
        await store.transaction((tx) => tx.saveSecret('acme', 'issued'))
        await store.transaction((tx) => tx.saveSecret('acme', 'issued-again', null))
        expect((await store.define([ACME])).instances[0]).toMatchObject({
          secret: 'issued-again',
          configSecretDigest: 'digest-1',
        })
        if (subject.reopen === undefined) return ctx.skip()
        await store.close()
        store = await subject.reopen()
        expect((await store.define([ACME])).instances[0]).toMatchObject({
          secret: 'issued-again',
          configSecretDigest: 'digest-1',
          optedIn: true,
        })
      })
    })

    describe('audit', () => {
      it('appends and settles entries, newest first, filtered by instance, each with its batch', async () => {
        const first = await store.transaction((tx) => tx.appendAudit(entry('acme', 'one')))
        clock += 1500
        await store.transaction((tx) => tx.appendAudit({ ...entry('globex', 'two'), batchId: 'batch-7' }))
        clock += 1500
        await store.transaction((tx) => tx.appendAudit({ ...entry('acme', null), action: 'opt_in', actor: 'ops' }))
        await store.transaction((tx) => tx.settleAudit(first, 'ok', 'done'))
        expect(await store.audit({ limit: 10 })).toEqual([
          {
            at: new Date(START + 3000).toISOString(),
            actor: 'ops',
            action: 'opt_in',
            instanceId: 'acme',
            result: 'pending',
            detail: null,
            batchId: null,
          },
          {
            at: new Date(START + 1500).toISOString(),
            actor: 'admin',
            action: 'opt_out',
            instanceId: 'globex',
            result: 'pending',
            detail: 'two',
            batchId: 'batch-7',
          },
          {
            at: new Date(START).toISOString(),
            actor: 'admin',
            action: 'opt_out',
            instanceId: 'acme',
            result: 'ok',
            detail: 'done',
            batchId: null,
          },
        ])
        expect((await store.audit({ limit: 10, instanceId: 'acme' })).map((e) => e.action)).toEqual([
          'opt_in',
          'opt_out',
        ])
        expect((await store.audit({ limit: 1 })).map((e) => e.actor)).toEqual(['ops'])
        expect(await store.audit({ limit: 10, instanceId: 'nobody' })).toEqual([])
      })

      it('settles the entries a crash left pending as failed', async () => {
        const done = await store.transaction((tx) => tx.appendAudit(entry('acme')))
        await store.transaction((tx) => tx.settleAudit(done, 'ok', null))
        await store.transaction((tx) => tx.appendAudit(entry('acme')))
        await store.transaction((tx) => tx.appendAudit(entry('globex')))
        expect(await store.settleInterrupted('interrupted by a restart')).toBe(2)
        expect((await store.audit({ limit: 10 })).map((e) => [e.result, e.detail])).toEqual([
          ['failed', 'interrupted by a restart'],
          ['failed', 'interrupted by a restart'],
          ['ok', null],
        ])
        expect(await store.settleInterrupted('again')).toBe(0)
      })

      it("settles only one instance's pending entries, but the one it is told to keep", async () => {
        const keep = await store.transaction((tx) => tx.appendAudit(entry('acme')))
        await store.transaction((tx) => tx.appendAudit(entry('acme')))
        await store.transaction((tx) => tx.appendAudit(entry('globex')))
        expect(await store.settleInterrupted('taken over', { instanceId: 'acme', except: keep })).toBe(1)
        expect((await store.audit({ limit: 10 })).map((e) => [e.instanceId, e.result])).toEqual([
          ['globex', 'pending'],
          ['acme', 'failed'],
          ['acme', 'pending'],
        ])
        expect(await store.settleInterrupted('taken over', { instanceId: 'acme' })).toBe(1)
      })

      it("answers one entry's outcome, with the error code it was settled with", async () => {
        const id = await store.transaction((tx) => tx.appendAudit(entry('acme')))
        expect(await store.auditOutcome(id)).toEqual({ result: 'pending', detail: null, errorCode: null })
        await store.transaction((tx) => tx.settleAudit(id, 'failed', 'connector down', 'connector_unreachable'))
        expect(await store.auditOutcome(id)).toEqual({
          result: 'failed',
          detail: 'connector down',
          errorCode: 'connector_unreachable',
        })
        // Settled once: a second settle (another process finishing the same operation) changes nothing.
        await store.transaction((tx) => tx.settleAudit(id, 'ok', null))
        expect(await store.auditOutcome(id)).toMatchObject({ result: 'failed', errorCode: 'connector_unreachable' })
        expect(await store.auditOutcome(id + 1000)).toBeNull()
      })

      it(`cuts a detail to ${AUDIT_DETAIL_MAX} characters`, async () => {
        const id = await store.transaction((tx) => tx.appendAudit(entry('acme', 'x'.repeat(AUDIT_DETAIL_MAX * 3))))
        const [appended] = await store.audit({ limit: 1 })
        expect(appended?.detail).toBe(`${'x'.repeat(AUDIT_DETAIL_MAX)}…`)
        await store.transaction((tx) => tx.settleAudit(id, 'failed', 'y'.repeat(AUDIT_DETAIL_MAX + 1)))
        const [settled] = await store.audit({ limit: 1 })
        expect(settled?.detail).toBe(`${'y'.repeat(AUDIT_DETAIL_MAX)}…`)
        const exact = await store.transaction((tx) => tx.appendAudit(entry('acme')))
        await store.transaction((tx) => tx.settleAudit(exact, 'failed', 'z'.repeat(AUDIT_DETAIL_MAX)))
        expect((await store.audit({ limit: 1 }))[0]?.detail).toBe('z'.repeat(AUDIT_DETAIL_MAX))
      })

      it(`keeps the newest ${AUDIT_CAP} entries`, async () => {
        const total = AUDIT_CAP + 25
        for (let k = 0; k < total; k += 1000) {
          await store.transaction(async (tx) => {
            for (let n = k; n < Math.min(k + 1000, total); n++) await tx.appendAudit(entry('acme', String(n)))
          })
        }
        const kept = await store.audit({ limit: AUDIT_CAP * 2 })
        expect(kept).toHaveLength(AUDIT_CAP)
        expect(kept[0]?.detail).toBe(String(total - 1))
        expect(kept.at(-1)?.detail).toBe(String(total - AUDIT_CAP))
      }, 120_000)
    })

    describe('sessions and login codes', () => {
      it('counts failed credentials by client, newest first, and forgets old ones', async () => {
        for (const at of [1_000, 2_000, 3_000]) await store.recordAuthFailure('10.0.0.1', at, 0)
        await store.recordAuthFailure('10.0.0.2', 3_500, 0)
        expect(await store.authFailures('10.0.0.1', 1_500, 10)).toEqual([3_000, 2_000])
        expect(await store.authFailures('10.0.0.1', 0, 1)).toEqual([3_000])
        await store.recordAuthFailure('10.0.0.2', 4_000, 2_500)
        expect(await store.authFailures('10.0.0.1', 0, 10)).toEqual([3_000])
        expect(await store.authFailures('10.0.0.2', 0, 10)).toEqual([4_000, 3_500])
        expect(await store.authFailures('nobody', 0, 10)).toEqual([])
      })

      const session: NewSession = {
        idHash: 'a'.repeat(64),
        operator: 'admin',
        role: 'admin',
        via: 'token',
        createdAt: START,
        lastSeenAt: START,
        expiresAt: START + 7 * 86_400_000,
        clientAddress: '127.0.0.1',
        userAgent: 'Firefox',
      }

      it('creates, finds, touches (never back) and revokes (first time kept) a session', async () => {
        await store.createSession(session)
        expect(await store.findSession(session.idHash)).toEqual({ ...session, revokedAt: null })
        expect(await store.findSession('b'.repeat(64))).toBeNull()
        await store.touchSession(session.idHash, START + 60_000)
        await store.touchSession(session.idHash, START + 30_000)
        expect((await store.findSession(session.idHash))?.lastSeenAt).toBe(START + 60_000)
        await store.revokeSession(session.idHash, START + 90_000)
        await store.revokeSession(session.idHash, START + 95_000)
        expect(await store.findSession(session.idHash)).toEqual({
          ...session,
          lastSeenAt: START + 60_000,
          revokedAt: START + 90_000,
        })
        await store.createSession({ ...session, idHash: 'c'.repeat(64), clientAddress: null, userAgent: null })
        expect(await store.findSession('c'.repeat(64))).toMatchObject({ clientAddress: null, userAgent: null })
      })

      it("lists the sessions that can still open, latest first, and revokes one operator's at once", async () => {
        await store.createSession({ ...session, idHash: 'old', operator: 'alice', role: 'viewer' })
        await store.createSession({
          ...session,
          idHash: 'new',
          operator: 'alice',
          role: 'viewer',
          createdAt: START + 10,
        })
        await store.createSession({ ...session, idHash: 'sso', operator: 'carol', role: 'operator', via: 'oidc' })
        await store.createSession({ ...session, idHash: 'expired', operator: 'alice', expiresAt: START + 1000 })
        await store.createSession({ ...session, idHash: 'idle', operator: 'alice', lastSeenAt: START - 5000 })
        const cutoff = { now: START + 1000, idleBefore: START - 1000 }
        expect((await store.openSessions(cutoff)).map((s) => s.idHash)).toEqual(['new', 'old', 'sso'])
        expect((await store.openSessions(cutoff))[2]).toMatchObject({
          operator: 'carol',
          role: 'operator',
          via: 'oidc',
        })
        expect((await store.revokeSessionsOf('alice', START + 2000)).sort()).toEqual(['expired', 'idle', 'new', 'old'])
        expect(await store.revokeSessionsOf('alice', START + 3000)).toEqual([])
        expect((await store.findSession('old'))?.revokedAt).toBe(START + 2000)
        expect((await store.openSessions(cutoff)).map((s) => s.idHash)).toEqual(['sso'])
      })

      it('prunes the sessions that expired or went idle', async () => {
        await store.createSession(session)
        await store.createSession({ ...session, idHash: 'expired', expiresAt: START + 1000 })
        await store.createSession({ ...session, idHash: 'idle', lastSeenAt: START - 5000 })
        expect(await store.pruneSessions({ now: START + 1000, idleBefore: START - 1000 })).toBe(2)
        expect(await store.findSession('expired')).toBeNull()
        expect(await store.findSession('idle')).toBeNull()
        expect(await store.findSession(session.idHash)).not.toBeNull()
      })

      it('consumes a login code once, and not after it expired', async () => {
        await store.createLoginCode({ codeHash: 'code-1', expiresAt: START + 1000 })
        await store.createLoginCode({ codeHash: 'code-2', expiresAt: START + 1000 })
        expect(await store.consumeLoginCode('code-1', START + 1000)).toBe(true)
        expect(await store.consumeLoginCode('code-1', START + 1000)).toBe(false)
        expect(await store.consumeLoginCode('code-2', START + 1001)).toBe(false)
        expect(await store.consumeLoginCode('code-2', START)).toBe(false)
        expect(await store.consumeLoginCode('never-made', START)).toBe(false)
      })

      it('consumes a login code once when several consumers race for it', async () => {
        const other = options.sharedAcrossProcesses ? await subject.reopen?.() : undefined
        const stores = [store, other ?? store]
        await store.createLoginCode({ codeHash: 'raced', expiresAt: START + 60_000 })
        const results = await Promise.all(range(0, 8).map((k) => stores[k % 2]?.consumeLoginCode('raced', START)))
        expect(results.filter((used) => used === true)).toHaveLength(1)
      })

      it('makes a named secret once and answers the same one after, even to racing callers', async (ctx) => {
        let made = 0
        const create = () => {
          made += 1
          return Buffer.from(`secret-${made}-${'k'.repeat(32)}`)
        }
        const other = options.sharedAcrossProcesses ? await subject.reopen?.() : undefined
        const stores = [store, other ?? store]
        const answers = await Promise.all(range(0, 6).map((k) => stores[k % 2]?.getOrCreateSecret('signing', create)))
        const [first] = answers
        expect(Buffer.isBuffer(first)).toBe(true)
        for (const answer of answers) expect(answer?.equals(first as Buffer)).toBe(true)
        const madeBefore = made
        expect((await store.getOrCreateSecret('signing', create)).equals(first as Buffer)).toBe(true)
        expect(made).toBe(madeBefore)
        expect((await store.getOrCreateSecret('other', create)).equals(first as Buffer)).toBe(false)
        if (subject.reopen === undefined) return ctx.skip()
        const reopened = await subject.reopen()
        expect((await reopened.getOrCreateSecret('signing', create)).equals(first as Buffer)).toBe(true)
        expect(made).toBe(madeBefore + 1)
      })
    })
  })
}
