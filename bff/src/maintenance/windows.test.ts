/**
 * Maintenance windows on the injected clock, over the real store (SQLite in memory): what each
 * move writes, once, and what survives a restart. Carrying the intents out is the holders' work,
 * tested with the operations; here the intents and audit entries a window writes are the outcome.
 */
import { FakeClock } from '@relay-console/shared/fake-clock'
import type { MaintenanceBody } from '@relay-console/shared/fleet-ops'
import { describe, expect, it } from 'vitest'
import { silentLog } from '../ops/test-support'
import { createChangeFeed } from '../state/change-feed'
import { ConsoleState } from '../state/console-state'
import { openSqliteStore } from '../state/sqlite-store'
import type { InstanceDefinition, StateStore } from '../state/store'
import { covered, createMaintenance } from './windows'

const START = Date.UTC(2026, 10, 29, 9, 0, 0)
const FLEET: InstanceDefinition[] = [
  { id: 'acme', displayName: 'Acme', gatewayId: 'gw-acme', platforms: [], labels: { tenant: 'acme', env: 'prod' } },
  {
    id: 'globex',
    displayName: 'Globex',
    gatewayId: 'gw-globex',
    platforms: [],
    labels: { tenant: 'globex', env: 'prod' },
  },
  { id: 'initech', displayName: 'Initech', gatewayId: 'gw-initech', platforms: [], labels: { env: 'staging' } },
]

async function world() {
  const clock = new FakeClock(START)
  const store = openSqliteStore({ stateDir: null, now: () => clock.now() })
  return { clock, store, replica: await replica(store, clock) }
}

/** One console's view and schedule over the shared store (a restart, or another replica). */
async function replica(store: StateStore, clock: FakeClock) {
  const log = silentLog()
  const defined = await store.define(FLEET)
  const state = new ConsoleState({ stored: defined.instances, rev: defined.rev, log })
  const feed = createChangeFeed({ store, state, log, clock, onGap: async () => {} })
  const maintenance = createMaintenance({ store, state, feed, clock, log })
  return { state, feed, maintenance }
}

const at = (ms: number) => new Date(START + ms).toISOString()
const body = (extra: Partial<MaintenanceBody> = {}): MaintenanceBody => ({
  name: 'db upgrade',
  ids: ['acme', 'globex'],
  startsAt: at(60_000),
  endsAt: at(120_000),
  ...extra,
})

const intent = async (store: StateStore, id: string) => {
  const s = await store.instance(id)
  return { optedIn: s?.optedIn, pending: s?.pending, by: s?.disabledBy ?? null }
}
const auditOf = async (store: StateStore) =>
  (await store.audit({ limit: 100 })).reverse().map((e) => `${e.actor} ${e.action} ${e.instanceId} ${e.result}`)

describe('maintenance windows', () => {
  it('opts its instances out at its start and back in at its end, on the clock', async () => {
    const { clock, store, replica: r } = await world()
    const scheduled = await r.maintenance.schedule(body(), 'alice')
    expect(scheduled).toMatchObject({ state: 'scheduled', createdBy: 'alice', ids: ['acme', 'globex'], optedOut: [] })
    await r.maintenance.tick()
    expect(await intent(store, 'acme')).toMatchObject({ optedIn: true, pending: null })

    clock.advance(60_000)
    await r.maintenance.tick()
    const by = { source: 'maintenance', actor: 'maintenance:db upgrade', until: at(120_000) }
    expect(await intent(store, 'acme')).toEqual({ optedIn: false, pending: 'opting_out', by })
    expect(await intent(store, 'globex')).toEqual({ optedIn: false, pending: 'opting_out', by })
    expect(await intent(store, 'initech')).toMatchObject({ optedIn: true })
    expect((await r.maintenance.list())[0]).toMatchObject({
      state: 'active',
      startedAt: at(60_000),
      optedOut: ['acme', 'globex'],
    })

    clock.advance(60_000)
    await r.maintenance.tick()
    expect(await intent(store, 'acme')).toEqual({ optedIn: true, pending: 'opting_in', by: null })
    expect((await r.maintenance.list())[0]).toMatchObject({ state: 'ended', endedAt: at(120_000) })
    expect(await auditOf(store)).toEqual([
      // No holder carried the opt-outs out here: the opt-ins supersede them.
      'maintenance:db upgrade opt_out acme failed',
      'maintenance:db upgrade opt_out globex failed',
      'maintenance:db upgrade opt_in acme pending',
      'maintenance:db upgrade opt_in globex pending',
    ])
    expect((await store.audit({ limit: 100, instanceId: 'acme' })).at(-1)).toMatchObject({
      result: 'failed',
      detail: 'superseded: the maintenance window ended',
    })
  })

  it('wakes on its own timer at the start', async () => {
    const { clock, store, replica: r } = await world()
    await r.maintenance.schedule(body(), 'alice')
    r.maintenance.start()
    // It reads the schedule at least every 5 s (other replicas add windows too), and at each start or end due.
    for (let waited = 0; waited < 60_000; waited += 5000) {
      await until(() => clock.pendingCount > 0)
      expect(await intent(store, 'acme')).toMatchObject({ pending: null })
      clock.advance(5000)
    }
    await until(async () => (await intent(store, 'acme')).pending === 'opting_out')
    await r.maintenance.stop()
  })

  it('never opts back in an instance an operator opted out, before or during the window', async () => {
    const { clock, store, replica: r } = await world()
    // Out before the window: not the window's.
    await store.transaction((tx) => tx.setIntent('globex', false, null, null, { source: 'operator', actor: 'bob' }))
    await r.maintenance.schedule(body({ startsAt: at(0) }), 'alice')
    expect((await r.maintenance.list())[0]?.optedOut).toEqual(['acme'])
    // The holder carried the opt-out out; then an operator opted acme in and out again during the window.
    await store.transaction((tx) => tx.setIntent('acme', true, null))
    await store.transaction((tx) => tx.setIntent('acme', false, null, null, { source: 'operator', actor: 'bob' }))
    clock.advance(120_000)
    await r.maintenance.tick()
    expect(await intent(store, 'acme')).toMatchObject({ optedIn: false, pending: null, by: { actor: 'bob' } })
    expect(await intent(store, 'globex')).toMatchObject({ optedIn: false, pending: null, by: { actor: 'bob' } })
    expect((await auditOf(store)).filter((line) => line.includes('opt_in'))).toEqual([])
  })

  it('leaves alone an instance an operator opts out as the window starts', async () => {
    const { clock, store } = await world()
    // The operator's request lands after the window read the fleet, just before its transaction.
    let landed = false
    const racing: StateStore = {
      ...store,
      transaction: async (work) => {
        if (!landed) {
          landed = true
          await store.transaction((tx) => tx.setIntent('acme', false, null, null, { source: 'operator', actor: 'bob' }))
        }
        return store.transaction(work)
      },
    }
    const r = await replica(racing, clock)
    const w = await r.maintenance.schedule(body({ startsAt: at(0) }), 'alice')
    expect(landed).toBe(true)
    expect(w.optedOut).toEqual(['globex'])
    expect(await intent(store, 'acme')).toMatchObject({ optedIn: false, pending: null, by: { actor: 'bob' } })
    clock.advance(120_000)
    await r.maintenance.tick()
    expect(await intent(store, 'acme')).toMatchObject({ optedIn: false, by: { actor: 'bob' } })
  })

  it('ends at start-up a window whose end passed while no console ran', async () => {
    const { clock, store, replica: first } = await world()
    await first.maintenance.schedule(body({ startsAt: at(0) }), 'alice')
    await first.maintenance.schedule(
      body({ name: 'missed', ids: ['initech'], startsAt: at(10_000), endsAt: at(20_000) }),
      'alice',
    )
    expect(await intent(store, 'acme')).toMatchObject({ optedIn: false })
    // Down from here until after both ends.
    clock.advance(300_000)
    const restarted = await replica(store, clock)
    restarted.maintenance.start()
    await until(async () => (await intent(store, 'acme')).pending === 'opting_in')
    await restarted.maintenance.stop()
    const windows = await restarted.maintenance.list()
    expect(windows.map((w) => [w.name, w.state, w.optedOut])).toEqual([
      ['db upgrade', 'ended', ['acme', 'globex']],
      // It started and ended while down: nothing was opted out, so nothing is opted back in.
      ['missed', 'ended', []],
    ])
    expect(await intent(store, 'initech')).toMatchObject({ optedIn: true, pending: null })
  })

  it('moves each window once however many replicas run the schedule', async () => {
    const { clock, store, replica: a } = await world()
    const b = await replica(store, clock)
    const c = await replica(store, clock)
    await a.maintenance.schedule(body(), 'alice')
    clock.advance(60_000)
    await Promise.all([a, b, c].map((r) => r.maintenance.tick()))
    clock.advance(60_000)
    await Promise.all([c, b, a].map((r) => r.maintenance.tick()))
    expect(await auditOf(store)).toHaveLength(4)
  })

  it('is cancelled before its start, and ended early once started', async () => {
    const { store, replica: r } = await world()
    const later = await r.maintenance.schedule(body(), 'alice')
    expect(await r.maintenance.end(later.id)).toMatchObject({ state: 'cancelled' })
    const now = await r.maintenance.schedule(body({ name: 'now', startsAt: at(0) }), 'alice')
    expect(now.state).toBe('active')
    expect(await r.maintenance.end(now.id)).toMatchObject({ state: 'ended', endedAt: at(0) })
    expect(await intent(store, 'acme')).toMatchObject({ optedIn: true, pending: 'opting_in' })
    // Ending it again changes nothing.
    expect(await r.maintenance.end(now.id)).toMatchObject({ state: 'ended' })
    expect(await r.maintenance.end('nope')).toBeNull()
    expect(await auditOf(store)).toHaveLength(4)
  })

  it('resolves a label selector when the window starts', async () => {
    const { store, replica: r } = await world()
    const w = await r.maintenance.schedule(
      body({ ids: undefined, selector: { env: 'prod' }, startsAt: at(0) }),
      'alice',
    )
    expect(w.optedOut).toEqual(['acme', 'globex'])
    expect(
      covered({ ids: null, selector: { tenant: 'acme', env: 'prod' } }, r.state.snapshot().instances).map((i) => i.id),
    ).toEqual(['acme'])
    expect(await intent(store, 'initech')).toMatchObject({ optedIn: true })
  })
})

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error('never came true')
}
