/**
 * The chaos run: for a while, faults dealt at random against a live fleet — connector SIGKILLs and
 * restarts, drops (1006, 1011, 1012), `4401 expired` closes and handshakes, pauses of the
 * connector's accepting, revocations at the connector, and opt-outs and opt-ins through the API —
 * with the invariants checked on every event the console streams and again once the faults stop.
 *
 * Faults come from a shuffled deck, so every kind is dealt in every round; a seed makes the deck
 * and every pick repeatable.
 * @module
 */
import type { AdminInstanceView } from '@relay-console/connector'
import type { ClientInstance } from '@relay-console/shared/instance'
import { sleep } from '@relay-console/testkit/time'
import { startChaosStack } from './chaos-stack'
import { allIn, InstanceWatch } from './instance-watch'

export interface ChaosProfile {
  name: string
  instances: number
  /** A first round of faults, after which the baseline heap and handles are taken. */
  warmupMs: number
  /** The measured round. */
  chaosMs: number
  /** Mean pause between two faults. */
  gapMs: number
  seed: number
}

export const CHAOS_PROFILES = {
  short: { name: 'short', instances: 200, warmupMs: 5000, chaosMs: 12_000, gapMs: 200 },
  full: { name: 'full', instances: 200, warmupMs: 10_000, chaosMs: 60_000, gapMs: 200 },
} satisfies Record<string, Omit<ChaosProfile, 'seed'>>

export const FAULT_KINDS = [
  'drop_1006',
  'drop_1011',
  'drop_1012',
  'expired_close',
  'expired_handshake',
  'pause',
  'kill',
  'revoke',
  'opt_out',
  'opt_in',
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** How often each fault is in one round: drops most, one connector kill, one of each revocation path. */
const PER_ROUND: Record<FaultKind, number> = {
  drop_1006: 3,
  drop_1011: 3,
  drop_1012: 3,
  expired_close: 2,
  expired_handshake: 2,
  pause: 1,
  kill: 1,
  revoke: 1,
  opt_out: 1,
  opt_in: 2,
}
const DECK = FAULT_KINDS.flatMap((kind) => Array.from({ length: PER_ROUND[kind] }, () => kind))

/** Where the run believes an instance stands; every streamed change is checked against it. */
type Phase =
  /** Opted in: must never read Disabled. */
  | 'in'
  /** Revoked at the connector or opted out, Disabled not yet reached. */
  | 'leaving'
  /** Disabled: must stay so, and dial no more. */
  | 'out'
  /** Opted in again, not yet confirmed. */
  | 'joining'

interface Tracked {
  id: string
  gatewayId: string
  phase: Phase
  /** An API or admin call about it is in flight: not picked for another. */
  busy: boolean
  issued: { opt_out: number; opt_in: number; revoke: number }
}

export interface Footprint {
  heapUsedMb: number
  handles: number
  byType: Record<string, number>
}

export interface ChaosReport {
  profile: ChaosProfile
  faults: Record<FaultKind, number>
  socketsDropped: number
  apiAnswers: Record<string, number>
  eventsSeen: number
  /** Every broken invariant, with the instance and what was seen. Must be empty. */
  violations: string[]
  maxPeakConnections: number
  settleMs: number[]
  baseline: Footprint
  final: Footprint
  unhandledRejections: number
  consoleLog: { warn: number; error: number; lastErrors: string[] }
}

/** mulberry32: a small seeded generator, so a failing run can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export async function runChaos(
  profile: ChaosProfile,
  progress: (line: string) => void = () => {},
): Promise<ChaosReport> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('the chaos run measures the heap: run node with --expose-gc')
  const random = seededRandom(profile.seed)
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))

  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)

  const stack = await startChaosStack(profile.instances)
  const tracked = new Map<string, Tracked>(
    stack.instances.map((i) => [
      i.id,
      { ...i, phase: 'in', busy: false, issued: { opt_out: 0, opt_in: 0, revoke: 0 } },
    ]),
  )
  const violations: string[] = []
  const violate = (id: string, what: string, instance?: ClientInstance) => {
    if (violations.length >= 50) return
    const states = instance?.platforms.map((p) => `${p.platform}=${p.state}${p.errorCode ? `(${p.errorCode})` : ''}`)
    violations.push(`${id}: ${what}${states ? ` [${states.join(' ')}]` : ''}`)
  }

  const watch = new InstanceWatch(stack.console.url, (instance) => {
    const t = tracked.get(instance.id)
    if (t === undefined) return violate(instance.id, 'an instance the run does not know')
    const states = instance.platforms.map((p) => p.state)
    if (states.includes('fatal')) violate(t.id, 'fatal', instance)
    switch (t.phase) {
      case 'in':
        if (states.includes('disabled')) violate(t.id, 'Disabled without a revocation or an opt-out', instance)
        break
      case 'leaving':
        if (!instance.optedIn && instance.pending === null && allIn(instance, 'disabled')) t.phase = 'out'
        break
      case 'out':
        if (instance.optedIn || !allIn(instance, 'disabled')) violate(t.id, 'left Disabled by itself', instance)
        break
      case 'joining':
        if (instance.optedIn && instance.pending === null && !states.includes('disabled')) t.phase = 'in'
        break
    }
  })

  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>
  const apiAnswers: Record<string, number> = {}
  const inflight = new Set<Promise<void>>()
  let socketsDropped = 0
  let maxPeak = 0
  const settleMs: number[] = []

  const connectorView = async () =>
    new Map(
      (await stack.admin<{ instances: AdminInstanceView[] }>('GET', '/instances')).instances.map((v) => [
        v.gatewayId,
        v,
      ]),
    )
  /** The most sockets any gateway had open at once in this connector's life. */
  const samplePeaks = async () => {
    for (const view of (await connectorView()).values()) {
      maxPeak = Math.max(maxPeak, view.peakConnections)
      if (view.peakConnections > 1) violate(view.gatewayId, `${view.peakConnections} sockets open at once`)
      // The connector closes an older socket when a newer one authenticates (4409): with one
      // console, any supersede means it had two sockets for one instance.
      if (view.supersededTotal > 0) violate(view.gatewayId, `${view.supersededTotal} sockets superseded`)
    }
  }

  const pick = (count: number, filter: (t: Tracked) => boolean): Tracked[] => {
    const candidates = [...tracked.values()].filter(filter)
    const chosen: Tracked[] = []
    while (chosen.length < count && candidates.length > 0) {
      chosen.push(...candidates.splice(Math.floor(random() * candidates.length), 1))
    }
    return chosen
  }
  const inFleet = (t: Tracked) => t.phase === 'in'
  const connectedAndIdle = (t: Tracked) => t.phase === 'in' && !t.busy && allIn(watch.instances.get(t.id), 'connected')

  const closeMany = async (targets: Tracked[], code: number, reason: string) => {
    if (targets.length === 0) return
    const gatewayIds = targets.map((t) => t.gatewayId)
    socketsDropped += (await stack.admin<{ closed: number }>('POST', '/close-many', { gatewayIds, code, reason }))
      .closed
  }

  const setRelay = (t: Tracked, optedIn: boolean) => {
    t.busy = true
    t.phase = optedIn ? 'joining' : 'leaving'
    t.issued[optedIn ? 'opt_in' : 'opt_out'] += 1
    const call = stack
      .api(`PUT`, `/api/instances/${t.id}/relay`, { optedIn })
      .then(({ status }) => {
        apiAnswers[status] = (apiAnswers[status] ?? 0) + 1
        // 502: the connector was down; the intent is saved and the reconciler finishes the job.
        if (status !== 200 && status !== 502) violate(t.id, `PUT relay ${optedIn} answered ${status}`)
      })
      .catch((error: unknown) => violate(t.id, `PUT relay ${optedIn} failed: ${String(error)}`))
      .finally(() => {
        t.busy = false
        inflight.delete(call)
      })
    inflight.add(call)
  }

  const deal = async (kind: FaultKind): Promise<boolean> => {
    switch (kind) {
      case 'drop_1006':
      case 'drop_1011':
      case 'drop_1012':
        await closeMany(pick(between(1, 20), inFleet), Number(kind.slice(5)), 'chaos')
        return true
      case 'expired_close':
        await closeMany(pick(between(1, 10), inFleet), 4401, 'expired')
        return true
      case 'expired_handshake': {
        // A skewed clock: the live socket is closed `4401 expired`, and so are the next dials,
        // the fresh-token one included. Expiry is never a revocation, however often.
        const targets = pick(between(1, 5), inFleet)
        for (const t of targets) {
          const count = between(1, 3)
          await stack.admin('POST', '/reject-upgrades', { gatewayId: t.gatewayId, count, reason: 'expired' })
        }
        await closeMany(targets, 4401, 'expired')
        return true
      }
      case 'pause':
        await stack.admin('POST', '/pause')
        await sleep(between(300, 1500))
        await stack.admin('POST', '/resume')
        return true
      case 'kill':
        await samplePeaks()
        await stack.killConnector()
        {
          // An operator acting while the connector is down: the intent is saved, answered 502,
          // and the reconciler finishes the job once the connector is back.
          const [out] = pick(1, (c) => c.phase === 'out' && !c.busy)
          const [in_] = pick(1, (c) => c.phase === 'in' && !c.busy)
          const target = random() < 0.5 ? (out ?? in_) : (in_ ?? out)
          if (target !== undefined) {
            faults[target.phase === 'out' ? 'opt_in' : 'opt_out'] += 1
            setRelay(target, target.phase === 'out')
          }
        }
        await sleep(between(200, 1500))
        await stack.startConnector()
        return true
      case 'revoke': {
        const [t] = pick(1, connectedAndIdle)
        if (t === undefined) return false
        t.busy = true
        t.phase = 'leaving'
        t.issued.revoke += 1
        await stack.admin('POST', `/instances/${t.gatewayId}/revoke`)
        t.busy = false
        return true
      }
      case 'opt_out': {
        const [t] = pick(1, (c) => c.phase === 'in' && !c.busy)
        if (t === undefined) return false
        setRelay(t, false)
        return true
      }
      case 'opt_in': {
        const [t] = pick(1, (c) => c.phase === 'out' && !c.busy)
        if (t === undefined) return false
        setRelay(t, true)
        return true
      }
    }
  }

  const rampage = async (durationMs: number) => {
    const end = Date.now() + durationMs
    let deck: FaultKind[] = []
    while (Date.now() < end && violations.length === 0) {
      if (deck.length === 0) deck = [...DECK].sort(() => random() - 0.5)
      const kind = deck.pop() as FaultKind
      if (await deal(kind)) faults[kind] += 1
      await sleep(between(profile.gapMs / 2, (profile.gapMs * 3) / 2))
    }
  }

  const settled = (t: Tracked) => {
    const seen = watch.instances.get(t.id)
    if (seen === undefined || seen.pending !== null) return false
    if (t.phase === 'in') return seen.optedIn && allIn(seen, 'connected')
    if (t.phase === 'out') return !seen.optedIn && allIn(seen, 'disabled')
    return false
  }

  /** Faults over: everything must come to rest where the run says, and the connector agree. */
  const settleAndCheck = async (label: string) => {
    await Promise.all(inflight)
    await stack.admin('POST', '/reject-upgrades/clear', {})
    await stack.admin('POST', '/resume')
    const started = Date.now()
    const atRest = () => [...tracked.values()].every(settled)
    // A broken invariant ends the wait: the run has failed, and the report says why.
    await watch
      .until(`${label}: every instance at rest`, () => violations.length > 0 || atRest(), 60_000)
      .catch((error: Error) => {
        const stuck = [...tracked.values()].filter((t) => !settled(t)).slice(0, 10)
        for (const t of stuck) violate(t.id, `not at rest (${t.phase})`, watch.instances.get(t.id))
        throw error
      })
    if (violations.length > 0) throw new Error(`${label}: invariants broken`)
    settleMs.push(Date.now() - started)

    // A quiet window: the disabled dial no more, the rest hold exactly one socket.
    const before = await connectorView()
    await sleep(2000)
    const after = await connectorView()
    await samplePeaks()
    const { json } = await stack.api<{ instances: ClientInstance[] }>('GET', '/api/instances')
    const fromApi = new Map(json.instances.map((i) => [i.id, i]))
    for (const t of tracked.values()) {
      const was = before.get(t.gatewayId)
      const now = after.get(t.gatewayId)
      const api = fromApi.get(t.id)
      if (was === undefined || now === undefined || api === undefined) {
        violate(t.id, 'missing at the connector or in the API')
        continue
      }
      const out = t.phase === 'out'
      if (api.optedIn === out || api.pending !== null)
        violate(t.id, `API says optedIn=${api.optedIn} pending=${api.pending}`)
      if (now.revoked !== out) violate(t.id, `connector says revoked=${now.revoked}, the console ${t.phase}`)
      if (out && now.upgrades.total !== was.upgrades.total) {
        violate(t.id, `dialled ${now.upgrades.total - was.upgrades.total} times while Disabled`)
      }
      if (now.connections !== (out ? 0 : 1)) violate(t.id, `${now.connections} sockets at the connector (${t.phase})`)
    }

    // The audit holds every action taken, and none is left pending.
    for (const t of tracked.values()) {
      if (t.issued.opt_in + t.issued.opt_out + t.issued.revoke === 0) continue
      const audit = await stack.api<{ entries: Array<{ action: string; result: string }> }>(
        'GET',
        `/api/audit?instanceId=${t.id}&limit=1000`,
      )
      const count = (action: string) => audit.json.entries.filter((e) => e.action === action).length
      if (count('opt_out') < t.issued.opt_out)
        violate(t.id, `${t.issued.opt_out} opt-outs, ${count('opt_out')} audited`)
      if (count('opt_in') < t.issued.opt_in) violate(t.id, `${t.issued.opt_in} opt-ins, ${count('opt_in')} audited`)
      if (count('revoked_by_connector') < t.issued.revoke) {
        violate(t.id, `${t.issued.revoke} revocations, ${count('revoked_by_connector')} audited`)
      }
      if (audit.json.entries.some((e) => e.result === 'pending')) violate(t.id, 'an audit entry left pending')
    }
  }

  /** Everyone back in, so the heap and handles are compared on the same fleet. */
  const restore = async () => {
    for (const t of tracked.values()) if (t.phase === 'out') setRelay(t, true)
    await Promise.all(inflight)
    await watch.until('every instance connected again', () => [...tracked.values()].every(settled), 60_000)
  }

  const footprint = async (): Promise<Footprint> => {
    await sleep(1000)
    gc()
    await sleep(100)
    gc()
    const byType: Record<string, number> = {}
    const resources = process.getActiveResourcesInfo()
    for (const type of resources) byType[type] = (byType[type] ?? 0) + 1
    return { heapUsedMb: process.memoryUsage().heapUsed / 1_048_576, handles: resources.length, byType }
  }

  try {
    await watch.ready()
    await watch.until('every instance connected', () => [...tracked.values()].every(settled), 60_000)
    progress(`chaos ${profile.name} (seed ${profile.seed}): ${profile.instances} instances connected`)

    await rampage(profile.warmupMs)
    await settleAndCheck('warm-up')
    await restore()
    const baseline = await footprint()
    progress(`warm-up done; baseline heap ${baseline.heapUsedMb.toFixed(1)} MB, ${baseline.handles} handles`)

    await rampage(profile.chaosMs)
    await settleAndCheck('chaos')
    await restore()
    const final = await footprint()
    progress(`chaos done; heap ${final.heapUsedMb.toFixed(1)} MB, ${final.handles} handles`)

    if (watch.malformed.length > 0) violations.push(...watch.malformed.map((m) => `event stream: ${m}`))
    return {
      profile,
      faults,
      socketsDropped,
      apiAnswers,
      eventsSeen: watch.events,
      violations,
      maxPeakConnections: maxPeak,
      settleMs,
      baseline,
      final,
      unhandledRejections: unhandled.length,
      consoleLog: {
        warn: stack.logs.warn,
        error: stack.logs.error,
        lastErrors: stack.logs.last.filter((l) => /"level":(5|6)\d/.test(l)).slice(-5),
      },
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}\nviolations:\n${violations.join('\n')}`, { cause: error })
  } finally {
    watch.close()
    await stack.stop()
    process.off('unhandledRejection', onUnhandled)
  }
}
