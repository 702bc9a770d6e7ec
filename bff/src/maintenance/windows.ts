/**
 * Maintenance windows (docs/api.md, "Maintenance windows"): at its start a window opts its
 * instances out, at its end it opts back in only those it opted out, never one an operator opted
 * out on their own. Every replica runs the same schedule; each move of a window is one
 * transaction that changes its state only if it is still in the state it was read in, with the
 * intents it writes, so one replica carries each move out, once, and a crash leaves either all
 * of it or none. The intents are written as any request for an instance held elsewhere is
 * (pending, naming their audit entry): whichever replica holds each instance carries it out, now
 * or after a restart.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { MaintenanceBody, MaintenanceWindow } from '@relay-console/shared/fleet-ops'
import type { Instance, Labels } from '@relay-console/shared/instance'
import type { Log } from '../lib/log'
import type { ChangeFeed } from '../state/change-feed'
import type { ConsoleState } from '../state/console-state'
import type { MaintenanceRecord, StateStore } from '../state/store'

export interface MaintenanceOptions {
  store: StateStore
  state: ConsoleState
  feed: Pick<ChangeFeed, 'catchUp'>
  clock: Clock
  log: Log
  /** How often the schedule is read when nothing is due sooner (other replicas add windows too). */
  pollMs?: number
}

export interface Maintenance {
  /** Schedules a window; one that starts now (or in the past) starts at once. */
  schedule(body: MaintenanceBody, actor: string): Promise<MaintenanceWindow>
  list(): Promise<MaintenanceWindow[]>
  /** Ends a window now: cancelled before it started, or its instances opted back in. Null when unknown. */
  end(id: string): Promise<MaintenanceWindow | null>
  /** Carries out what is due; the timer calls it, tests may too. */
  tick(): Promise<void>
  start(): void
  stop(): Promise<void>
}

/** Ended and cancelled windows listed beside the open ones. */
const RECENT_WINDOWS = 50

export const actorOf = (window: Pick<MaintenanceRecord, 'name'>) => `maintenance:${window.name}`

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function toWindow(r: MaintenanceRecord): MaintenanceWindow {
  return {
    id: r.id,
    name: r.name,
    ids: r.ids,
    selector: r.selector,
    startsAt: new Date(r.startsAt).toISOString(),
    endsAt: new Date(r.endsAt).toISOString(),
    state: r.state,
    createdBy: r.createdBy,
    createdAt: new Date(r.createdAt).toISOString(),
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    optedOut: r.optedOut,
  }
}

/** Whether `instance` carries every label of `selector`. */
export const matches = (instance: Pick<Instance, 'labels'>, selector: Labels) =>
  Object.entries(selector).every(([key, value]) => instance.labels?.[key] === value)

/** The instances a window covers as the fleet is now (a selector is resolved when the window starts). */
export function covered(
  window: Pick<MaintenanceRecord, 'ids' | 'selector'>,
  instances: readonly Instance[],
): Instance[] {
  if (window.ids !== null) {
    const ids = new Set(window.ids)
    return instances.filter((i) => ids.has(i.id))
  }
  const selector = window.selector ?? {}
  return instances.filter((i) => matches(i, selector))
}

export function createMaintenance(options: MaintenanceOptions): Maintenance {
  const { store, state, feed, clock, log } = options
  const pollMs = options.pollMs ?? 5000
  let timer: TimerHandle | null = null
  let stopped = true
  let ticking: Promise<void> | null = null
  let again = false

  /**
   * Opts out the covered instances that are in and idle, and marks the window active: one
   * transaction. Each instance is read in it (PostgreSQL: under the lock every writer of instances
   * takes first, and before the window's row, the order every move takes them in), so an
   * operator's request cannot land between the read and the write.
   */
  async function begin(w: MaintenanceRecord): Promise<void> {
    await feed.catchUp()
    const now = clock.now()
    const actor = actorOf(w)
    const covers = covered(w, state.snapshot().instances).map((i) => i.id)
    const optedOut: string[] = []
    const moved = await store.transaction(async (tx) => {
      optedOut.length = 0
      for (const id of covers) {
        const stored = await tx.instance(id)
        if (stored !== null && stored.optedIn && stored.pending === null) optedOut.push(id)
      }
      if (!(await tx.moveMaintenance(w.id, 'scheduled', 'active', now, optedOut))) return false
      const by = { source: 'maintenance' as const, actor, until: new Date(w.endsAt).toISOString() }
      for (const id of optedOut) {
        const entry = await tx.appendAudit({
          actor,
          action: 'opt_out',
          instanceId: id,
          result: 'pending',
          detail: `maintenance window until ${by.until}`,
        })
        await tx.setIntent(id, false, 'opting_out', entry, by)
      }
      return true
    })
    if (moved) log.info({ window: w.id, name: w.name, instances: optedOut.length }, 'maintenance window started')
  }

  /** Opts back in those it opted out that are still out by it, and marks the window ended: one transaction, read as in `begin`. */
  async function finish(w: MaintenanceRecord): Promise<boolean> {
    await feed.catchUp()
    const now = clock.now()
    const actor = actorOf(w)
    const back: { id: string; replaced: number | null }[] = []
    const moved = await store.transaction(async (tx) => {
      back.length = 0
      for (const id of w.optedOut) {
        const stored = await tx.instance(id)
        // Opted in since, or opted out again by an operator: theirs now, not the window's.
        if (stored === null || stored.optedIn || stored.disabledBy?.actor !== actor) continue
        back.push({ id, replaced: stored.pending === null ? null : stored.pendingEntry })
      }
      if (!(await tx.moveMaintenance(w.id, 'active', 'ended', now))) return false
      for (const { id, replaced } of back) {
        const entry = await tx.appendAudit({
          actor,
          action: 'opt_in',
          instanceId: id,
          result: 'pending',
          detail: 'maintenance window ended',
        })
        if (replaced !== null) {
          await tx.settleAudit(replaced, 'failed', 'superseded: the maintenance window ended', 'superseded')
        }
        await tx.setIntent(id, true, 'opting_in', entry)
      }
      return true
    })
    if (moved) log.info({ window: w.id, name: w.name, instances: back.length }, 'maintenance window ended')
    return moved
  }

  /** Cancels a window not started yet, or ends one under way; read again if another replica moved it first. */
  async function end(id: string): Promise<MaintenanceWindow | null> {
    for (;;) {
      const w = await store.maintenanceWindow(id)
      if (w === null) return null
      if (w.state === 'scheduled') {
        if (!(await store.transaction((tx) => tx.moveMaintenance(id, 'scheduled', 'cancelled', clock.now())))) continue
        log.info({ window: id, name: w.name }, 'maintenance window cancelled')
      } else if (w.state === 'active') {
        if (!(await finish(w))) continue
      }
      return toWindow((await store.maintenanceWindow(id)) ?? w)
    }
  }

  async function run(): Promise<void> {
    const now = clock.now()
    for (const w of await store.maintenanceWindows(0)) {
      if (w.state === 'scheduled' && w.endsAt <= now) {
        // It passed entirely while no console ran: nothing was opted out, nothing to opt back in.
        await store.transaction((tx) => tx.moveMaintenance(w.id, 'scheduled', 'ended', now, []))
        log.warn({ window: w.id, name: w.name }, 'a maintenance window passed while the console was down')
      } else if (w.state === 'scheduled' && w.startsAt <= now) {
        await begin(w)
      } else if (w.state === 'active' && w.endsAt <= now) {
        await finish(w)
      }
    }
  }

  async function tick(): Promise<void> {
    if (ticking !== null) {
      again = true
      return ticking
    }
    ticking = (async () => {
      do {
        again = false
        try {
          await run()
        } catch (error) {
          log.warn({ err: String(error) }, 'carrying out the maintenance schedule failed; trying again')
        }
      } while (again)
    })()
    try {
      await ticking
    } finally {
      ticking = null
      await schedule()
    }
  }

  /** Wakes at the next start or end due, or after `pollMs`, whichever is sooner. */
  async function schedule(): Promise<void> {
    if (stopped) return
    let wait = pollMs
    try {
      const now = clock.now()
      for (const w of await store.maintenanceWindows(0)) {
        const next = w.state === 'scheduled' ? w.startsAt : w.state === 'active' ? w.endsAt : null
        if (next !== null) wait = Math.min(wait, Math.max(0, next - now))
      }
    } catch {
      // Read again at the next poll.
    }
    if (stopped) return
    if (timer !== null) clock.clearTimeout(timer)
    timer = clock.setTimeout(() => {
      timer = null
      void tick()
    }, wait)
  }

  return {
    async schedule(body, actor) {
      const record: MaintenanceRecord = {
        id: randomUUID(),
        name: body.name,
        ids: body.ids ?? null,
        selector: body.selector ?? null,
        startsAt: Date.parse(body.startsAt),
        endsAt: Date.parse(body.endsAt),
        state: 'scheduled',
        createdBy: actor,
        createdAt: clock.now(),
        startedAt: null,
        endedAt: null,
        optedOut: [],
      }
      await store.addMaintenance(record)
      log.info({ window: record.id, name: record.name, by: actor }, 'maintenance window scheduled')
      await tick()
      return toWindow((await store.maintenanceWindow(record.id)) ?? record)
    },

    async list() {
      return (await store.maintenanceWindows(RECENT_WINDOWS)).map(toWindow)
    },

    end,

    tick,

    start() {
      stopped = false
      void tick()
    },

    async stop() {
      stopped = true
      if (timer !== null) clock.clearTimeout(timer)
      timer = null
      await ticking
    },
  }
}
