/**
 * The cluster run: a real PostgreSQL, the reference connector and console replicas as processes
 * (cluster-stack.ts), one operator's tab per replica reading the event stream (rev-watch.ts),
 * operators opting instances out and in through random replicas (operator-requests.ts), and
 * faults dealt from a seeded deck: a replica SIGKILLed (a new one started later), one SIGSTOPped
 * for longer than its leases last then SIGCONTed, a replica added, PostgreSQL stopped and started,
 * a replica SIGTERMed (it drains). The connector is read all along (connector-watch.ts).
 *
 * Checked all along: never two authenticated sockets for one gateway; a supersede only while a
 * replica is frozen; every tab sees every rev once and in order. Checked at rest: every instance
 * as its last successful request says on every replica's API and every tab, within the lease time
 * + 5 s of the last fault; the connector agrees; every 200 in the audit, `ok`, nothing pending;
 * no error logged that a fault does not explain.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import { psqlQuery } from '@relay-console/testkit/postgres'
import { sleep } from '@relay-console/testkit/time'
import { TOKENS } from '@relay-console/testkit/tokens'
import { seededRandom } from './chaos'
import { type ClusterStack, type Replica, startClusterStack } from './cluster-stack'
import { type ConnectorSample, ConnectorWatch } from './connector-watch'
import { Operators, type RequestRecord, type Tracked } from './operator-requests'
import { type ResumeTally, RevWatch } from './rev-watch'

export interface ClusterProfile {
  name: string
  instances: number
  /** Rounds of the deck: every fault kind once per round. */
  rounds: number
  leaseTtlMs: number
  renewIntervalMs: number
  /** Mean pause between two operator requests. */
  requestGapMs: number
  maxInflight: number
  seed: number
}

export const CLUSTER_PROFILES = {
  short: {
    name: 'short',
    instances: 60,
    rounds: 1,
    leaseTtlMs: 3000,
    renewIntervalMs: 500,
    requestGapMs: 120,
    maxInflight: 6,
  },
  full: {
    name: 'full',
    instances: 300,
    rounds: 4,
    leaseTtlMs: 3000,
    renewIntervalMs: 500,
    requestGapMs: 60,
    maxInflight: 12,
  },
} satisfies Record<string, Omit<ClusterProfile, 'seed'>>

export const CLUSTER_FAULTS = ['sigkill', 'sigstop', 'join', 'pg_restart', 'sigterm'] as const
export type ClusterFault = (typeof CLUSTER_FAULTS)[number]

export interface FaultRecord {
  kind: ClusterFault | 'replace'
  replica: string | null
  /** Milliseconds since the run's faults began. */
  at: number
  /** How long the fault itself lasted (frozen, database down, drain, start). */
  lastedMs: number
  /** Opted-in, idle instances it took away (held by that replica; for the database: those dropped). */
  victims: number
  /**
   * Until every victim was connected again: through a new socket after a kill, freeze, drain or
   * join (from the signal, or the start); after the database came back (from then).
   */
  recoveredMs: number | null
  /** The next fault was dealt before this one recovered: its figure is not a clean one. */
  overlapped: boolean
}

export interface ClusterReport {
  profile: ClusterProfile
  replicasStarted: number
  faults: FaultRecord[]
  answers: Record<string, number>
  requests: number
  /** Answers other than 200 and a pair's 409, each overlapping a fault. */
  faultAnswers: string[]
  supersedes: number
  /** Each supersede and the fault that explains it. */
  supersedeLog: string[]
  connectorSamples: number
  maxConnections: number
  maxPeakConnections: number
  sse: { clients: number; events: number; resumes: ResumeTally; moves: Record<string, number> }
  /** From the last fault until every instance read as intended on every replica (surely known ones). */
  restMs: number
  /** Same, including the instances settled by a request after the faults. */
  restAllMs: number
  unsureFixed: number
  ownedAtRest: Record<string, number>
  errorsExplained: number
  warnings: Record<string, number>
  violations: string[]
}

interface Window {
  kind: ClusterFault
  replica: string | null
  from: number
  to: number
}

const HEADERS = { authorization: `Bearer ${TOKENS.RELAY_CONSOLE_TOKEN}` }

async function getJson<T>(url: string, timeoutMs = 10_000): Promise<T> {
  const res = await fetch(url, { headers: HEADERS, signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

const platformsIn = (i: ClientInstance | undefined, state: string) =>
  i !== undefined && i.platforms.length > 0 && i.platforms.every((p) => p.state === state)

/** Reads as the operator asked: opted in and connected, or opted out and Disabled, nothing pending. */
export const readsAs = (i: ClientInstance | undefined, optedIn: boolean) =>
  i !== undefined && i.optedIn === optedIn && i.pending === null && platformsIn(i, optedIn ? 'connected' : 'disabled')

const describe = (i: ClientInstance | undefined) =>
  i === undefined
    ? 'missing'
    : `optedIn=${i.optedIn} pending=${i.pending} [${i.platforms.map((p) => `${p.platform}=${p.state}${p.errorCode ? `(${p.errorCode})` : ''}`).join(' ')}]`

export async function runClusterChaos(
  profile: ClusterProfile,
  progress: (line: string) => void = () => {},
  /** Where to write every line the replicas printed when an invariant broke; null: nowhere. */
  logDump: string | null = null,
): Promise<ClusterReport> {
  const random = seededRandom(profile.seed)
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const pickFrom = <T>(list: readonly T[]): T | null =>
    list.length === 0 ? null : (list[Math.floor(random() * list.length)] as T)
  const ttl = profile.leaseTtlMs

  const violations: string[] = []
  const violate = (what: string) => {
    if (violations.length < 100) violations.push(what)
  }

  const stack: ClusterStack = await startClusterStack(profile.instances, {
    leaseTtlMs: ttl,
    renewIntervalMs: profile.renewIntervalMs,
    eventPingMs: 1000,
  })
  const tracked = new Map<string, Tracked>(
    stack.instances.map((i) => [i.id, { ...i, intended: true, sure: true, busy: false, touchedAt: 0 }]),
  )
  const byGateway = new Map([...tracked.values()].map((t) => [t.gatewayId, t]))
  const connector = new ConnectorWatch(stack.admin, violate)
  const watches: RevWatch[] = []
  const pickUp = (avoid?: string): Replica | null => {
    const up = stack.up()
    return pickFrom(up.filter((r) => r.name !== avoid)) ?? pickFrom(up)
  }
  const watchOn = (replica: Replica) =>
    watches.push(
      new RevWatch(`tab${watches.length + 1}`, replica, { pick: (avoid) => pickUp(avoid), staleMs: 4000, violate }),
    )
  const operators = new Operators(tracked, { random, pick: (avoid) => pickUp(avoid) })

  const faults: FaultRecord[] = []
  const windows: Window[] = []
  let faultsFrom = 0
  const recoveries: Promise<void>[] = []
  let requesting = false
  let hopping = false

  /** Opted in, sure, idle and untouched for a second: its socket should be up. */
  const steadyIn = (t: Tracked) => t.intended && t.sure && !t.busy && Date.now() - t.touchedAt > 1000
  const leasedBy = async (replica: Replica): Promise<string[]> =>
    (
      await psqlQuery(
        stack.databaseUrl,
        `SELECT instance_id FROM leases WHERE owner = '${replica.id}' AND expires_at > now()`,
      )
    ).map(([id]) => id as string)
  const accepted = (gatewayId: string) => connector.latest?.views.get(gatewayId)?.upgrades.accepted ?? 0
  /** Every victim untouched since `since` reads connected through a socket accepted after its baseline. */
  const reconnected = (victims: Map<string, number>, since: number) => (s: ConnectorSample) =>
    [...victims].every(([gatewayId, base]) => {
      const t = byGateway.get(gatewayId)
      if (t === undefined || t.touchedAt >= since || !t.intended) return true
      const v = s.views.get(gatewayId)
      return v !== undefined && v.connections === 1 && v.connected && v.upgrades.accepted > base
    })
  const baselines = (ids: readonly string[], since: number) =>
    new Map(
      ids
        .map((id) => tracked.get(id))
        .filter((t): t is Tracked => t !== undefined && steadyIn(t) && t.touchedAt < since)
        .map((t) => [t.gatewayId, accepted(t.gatewayId)]),
    )

  const startReplica = async (kind: 'replace' | 'join' | 'initial'): Promise<Replica> => {
    const replica = await stack.startReplica()
    watchOn(replica)
    if (kind !== 'initial') progress(`  ${kind}: ${replica.name} up`)
    return replica
  }

  /** Records a fault; its recovery, measured in the background, fills in `recoveredMs`. */
  const record = (
    fault: Omit<FaultRecord, 'at' | 'recoveredMs' | 'overlapped'>,
    startedAt: number,
    window: Window,
    recovery: () => Promise<number | null>,
    measuredFrom: number,
  ): { done: Promise<void>; fault: FaultRecord } => {
    const entry: FaultRecord = { ...fault, at: startedAt - faultsFrom, recoveredMs: null, overlapped: false }
    faults.push(entry)
    windows.push(window)
    const done = recovery().then((at) => {
      entry.recoveredMs = at === null ? null : Math.max(0, at - measuredFrom)
      window.to = Math.max(window.to, at ?? Date.now())
      if (at === null) violate(`${fault.kind} of ${fault.replica ?? 'the database'}: not recovered in time`)
    })
    recoveries.push(done)
    return { done, fault: entry }
  }

  const RECOVERY_LIMIT = ttl + 15_000

  const deal = async (kind: ClusterFault): Promise<{ done: Promise<void>; fault: FaultRecord }> => {
    const startedAt = Date.now()
    switch (kind) {
      case 'sigkill':
      case 'sigstop':
      case 'sigterm': {
        const victim = pickFrom(stack.up()) as Replica
        const victims = baselines(await leasedBy(victim), startedAt)
        const window: Window = { kind, replica: victim.name, from: startedAt, to: startedAt }
        const recovery = () => connector.until(reconnected(victims, startedAt), RECOVERY_LIMIT)
        const dealt = (): { done: Promise<void>; fault: FaultRecord } =>
          record(
            { kind, replica: victim.name, lastedMs: 0, victims: victims.size },
            startedAt,
            window,
            recovery,
            startedAt,
          )
        if (kind === 'sigkill') {
          victim.state = 'killed'
          await victim.process.kill()
          return dealt()
        }
        if (kind === 'sigterm') {
          victim.state = 'drained'
          const pending = dealt()
          await victim.process.stop()
          pending.fault.lastedMs = Date.now() - startedAt
          window.to = Date.now()
          return pending
        }
        victim.state = 'paused'
        victim.process.pause()
        const pending = dealt()
        await sleep(ttl + between(1500, 3500))
        victim.process.resume()
        victim.state = 'up'
        pending.fault.lastedMs = Date.now() - startedAt
        window.to = Date.now()
        return pending
      }
      case 'join': {
        const window: Window = { kind, replica: null, from: startedAt, to: startedAt }
        const before = new Map([...tracked.values()].map((t) => [t.gatewayId, accepted(t.gatewayId)]))
        const replica = await startReplica('join')
        window.replica = replica.name
        const lastedMs = Date.now() - startedAt
        // Its share, once the leases stop moving.
        let share: string[] = []
        for (let stable = 0, tries = 0; stable < 3 && tries < 60; tries += 1) {
          await sleep(250)
          const now = await leasedBy(replica)
          stable = now.length > 0 && now.length === share.length ? stable + 1 : 0
          share = now
        }
        const victims = new Map(
          share
            .map((id) => tracked.get(id))
            .filter((t): t is Tracked => t !== undefined && steadyIn(t) && t.touchedAt < startedAt)
            .map((t) => [t.gatewayId, before.get(t.gatewayId) ?? 0]),
        )
        return record(
          { kind, replica: replica.name, lastedMs, victims: victims.size },
          startedAt,
          window,
          () => connector.until(reconnected(victims, startedAt), RECOVERY_LIMIT),
          startedAt,
        )
      }
      case 'pg_restart': {
        const window: Window = { kind, replica: null, from: startedAt, to: startedAt }
        const steady = [...tracked.values()].filter((t) => steadyIn(t) && t.touchedAt < startedAt)
        const dropped = new Set<string>()
        const unwatch = connector.onSample((s) => {
          for (const t of steady) if (s.views.get(t.gatewayId)?.connections === 0) dropped.add(t.gatewayId)
        })
        await stack.pg.stopAsync()
        // Sometimes shorter than the fence (nothing should move), sometimes longer (every socket closes).
        await sleep(between(300, ttl + 2000))
        await stack.pg.startAsync()
        const backAt = Date.now()
        window.to = backAt
        const pending = record(
          { kind, replica: null, lastedMs: backAt - startedAt, victims: 0 },
          startedAt,
          window,
          async () => {
            const at = await connector.until(
              (s) =>
                steady.every((t) => {
                  if (t.touchedAt >= startedAt || !t.intended) return true
                  const v = s.views.get(t.gatewayId)
                  return v !== undefined && v.connections === 1 && v.connected
                }),
              RECOVERY_LIMIT,
            )
            unwatch()
            pending.fault.victims = dropped.size
            return at
          },
          backAt,
        )
        return pending
      }
    }
  }

  /** Opt-outs and opt-ins through random replicas until told to stop. */
  const requestLoop = async () => {
    while (requesting) {
      await sleep(between(profile.requestGapMs / 2, (profile.requestGapMs * 3) / 2))
      if (operators.inflight.size >= profile.maxInflight) continue
      const idle = [...tracked.values()].filter((t) => t.sure && !t.busy)
      const t = pickFrom(idle)
      const first = pickUp()
      if (t === null || first === null) continue
      if (random() < 0.1) {
        const second = pickUp(first.name) ?? first
        operators.pair(t, first, second, between(0, 30))
      } else operators.single(t, first, 0.3)
    }
  }

  /** Now and then a tab's load balancer sends it to another replica. */
  const hopLoop = async () => {
    while (hopping) {
      await sleep(between(1500, 4000))
      pickFrom(watches)?.move('hop')
    }
  }

  /**
   * What the run did to an instance, and what the audit, the history, the lease and the connector
   * say of it: for a violation's report.
   */
  const story = async (t: Tracked): Promise<string> => {
    const rel = (at: number | string) => `${(typeof at === 'string' ? Date.parse(at) : at) - faultsFrom} ms`
    const requests = operators.records
      .filter((r) => r.instanceId === t.id)
      .map(
        (r) =>
          `  ${rel(r.sentAt)}…${rel(r.answeredAt)} ${r.kind} optedIn=${r.optedIn} via ${r.replica}: ${r.status}${r.code ? ` ${r.code}` : ''}`,
      )
    const target = pickUp()
    const read = async <T>(path: string, fallback: T): Promise<T> =>
      target === null ? fallback : getJson<T>(`${target.url}${path}`).catch(() => fallback)
    const audit = (
      await read<{
        entries: Array<{ at: string; action: string; result: string; actor: string; detail: string | null }>
      }>(`/api/audit?instanceId=${t.id}&limit=50`, { entries: [] })
    ).entries
      .reverse()
      .map((e) => `  ${rel(e.at)} ${e.action} by ${e.actor}: ${e.result}${e.detail ? ` (${e.detail})` : ''}`)
    const history = (
      await read<{
        transitions: Array<{
          rev: number
          at: string
          platform: string
          from: string | null
          to: string
          errorCode: string | null
        }>
      }>(`/api/instances/${t.id}/history`, { transitions: [] })
    ).transitions
      .slice(0, 12)
      .reverse()
      .map(
        (h) =>
          `  rev ${h.rev} ${rel(h.at)} ${h.platform}: ${h.from} → ${h.to}${h.errorCode ? ` (${h.errorCode})` : ''}`,
      )
    const byId = new Map(stack.replicas.map((r) => [r.id, r.name]))
    const lease = await psqlQuery(
      stack.databaseUrl,
      `SELECT owner, epoch, expires_at > now() FROM leases WHERE instance_id = '${t.id}'`,
    ).catch(() => [])
    const leaseText = lease.map(
      ([owner, epoch, valid]) =>
        `${byId.get(owner as string) ?? owner} epoch ${epoch}${valid === 't' ? '' : ' (expired)'}`,
    )
    const v = connector.latest?.views.get(t.gatewayId)
    const at =
      v === undefined
        ? 'unknown'
        : `revoked=${v.revoked} connections=${v.connections} upgrades=${v.upgrades.total} superseded=${v.supersededTotal}`
    return [
      `${t.id} (intended optedIn=${t.intended}, sure=${t.sure}; lease ${leaseText.join(', ') || 'none'}; connector ${at}):`,
      ' requests:',
      ...requests,
      ' audit:',
      ...audit,
      ' history (latest 12):',
      ...history,
    ].join('\n')
  }

  const apiViews = async (replica: Replica) => {
    const body = await getJson<{ rev: number; instances: ClientInstance[] }>(`${replica.url}/api/instances`)
    return { rev: body.rev, byId: new Map(body.instances.map((i) => [i.id, i])) }
  }

  try {
    await Promise.all([startReplica('initial'), startReplica('initial'), startReplica('initial')])
    connector.start()
    const everyoneConnected = await connector.until(
      (s) => [...tracked.values()].every((t) => s.views.get(t.gatewayId)?.connected === true),
      60_000,
    )
    if (everyoneConnected === null) throw new Error('the fleet never connected')
    progress(
      `cluster ${profile.name} (seed ${profile.seed}): ${profile.instances} instances connected through ${stack.up().length} replicas`,
    )

    faultsFrom = Date.now()
    requesting = true
    hopping = true
    const requests = requestLoop()
    const hops = hopLoop()
    await sleep(1000)
    for (let round = 0; round < profile.rounds; round += 1) {
      const deck = [...CLUSTER_FAULTS].sort(() => random() - 0.5)
      for (const [n, kind] of deck.entries()) {
        const last = round === profile.rounds - 1 && n === deck.length - 1
        // Keep two replicas running whatever happens to a third; a replacement comes "later".
        if (kind !== 'join' && kind !== 'pg_restart' && stack.up().length < 3) {
          const at = Date.now()
          const replica = await startReplica('replace')
          faults.push({
            kind: 'replace',
            replica: replica.name,
            at: at - faultsFrom,
            lastedMs: Date.now() - at,
            victims: 0,
            recoveredMs: null,
            overlapped: false,
          })
          await sleep(between(300, 1000))
        }
        progress(`  ${((Date.now() - faultsFrom) / 1000).toFixed(1)} s: ${kind}`)
        const { done, fault } = await deal(kind)
        if (!last && random() < 0.25) {
          // Overlap: the next fault does not wait for this one's recovery.
          fault.overlapped = true
        } else {
          await done
        }
        if (!last) await sleep(between(500, 2000))
      }
    }
    const faultsEndedAt = Date.now()
    progress(`faults over after ${((faultsEndedAt - faultsFrom) / 1000).toFixed(1)} s; settling`)

    // ── At rest ────────────────────────────────────────────────────────────────────────────────
    requesting = false
    hopping = false
    await requests
    await hops
    for (const o of operators.open) {
      progress(
        `  still waiting: ${o.kind} optedIn=${o.optedIn} of ${o.instanceId} via ${o.replica}, sent at ${o.sentAt - faultsFrom} ms`,
      )
    }
    await operators.drain()
    const drainedMs = Date.now() - faultsEndedAt
    const unsure = [...tracked.values()].filter((t) => !t.sure)
    await Promise.all(
      unsure.map(async (t) => {
        const target = pickUp()
        if (target === null) throw new Error('no replica runs')
        const fixed = await operators.fix(t, target, random() < 0.5)
        if (fixed.status !== 200)
          violate(`${t.id}: settling request answered ${fixed.status} ${fixed.code} after the faults`)
      }),
    )
    const fixedIds = new Set(unsure.map((t) => t.id))

    let restMs: number | null = null
    let restAllMs: number | null = null
    let lastWrong: string[] = []
    const restDeadline = Date.now() + 30_000
    while (Date.now() < restDeadline && restAllMs === null) {
      const views = await Promise.all(stack.up().map(async (r) => ({ r, v: await apiViews(r).catch(() => null) })))
      const wrong: string[] = []
      let sureOk = true
      for (const { r, v } of views) {
        if (v === null) {
          wrong.push(`${r.name}: no answer`)
          sureOk = false
          continue
        }
        for (const t of tracked.values()) {
          if (readsAs(v.byId.get(t.id), t.intended)) continue
          wrong.push(`${r.name} ${t.id}: want optedIn=${t.intended}, reads ${describe(v.byId.get(t.id))}`)
          if (!fixedIds.has(t.id)) sureOk = false
        }
      }
      const revs = new Set(views.map(({ v }) => v?.rev))
      if (revs.size > 1) wrong.push(`revs differ: ${[...revs].join(', ')}`)
      if (sureOk && restMs === null) restMs = Date.now() - faultsEndedAt
      if (wrong.length === 0) restAllMs = Date.now() - faultsEndedAt
      lastWrong = wrong
      if (restAllMs === null) await sleep(200)
    }
    if (restAllMs === null) {
      // Recorded, and the checks go on: what else is wrong says more about why.
      for (const w of lastWrong.slice(0, 20)) violate(`not at rest 30 s after the last answer: ${w}`)
      const stuck = [...tracked.values()].filter((t) => lastWrong.some((w) => w.includes(` ${t.id}:`)))
      for (const t of stuck.slice(0, 5)) violate(await story(t))
    }
    if ((restMs ?? Number.POSITIVE_INFINITY) > ttl + 5000) {
      violate(`back to the intended state only ${restMs} ms after the faults (lease ${ttl} ms + 5 s)`)
    }
    await Promise.all(recoveries)
    for (const f of faults) {
      progress(
        `  ${f.kind} ${f.replica ?? ''} at ${f.at} ms: lasted ${f.lastedMs} ms, ${f.victims} victims, recovered in ${f.recoveredMs ?? '–'} ms${f.overlapped ? ' (overlapped)' : ''}`,
      )
    }
    progress(
      `at rest after ${restMs} ms (all, with ${unsure.length} settled by a request: ${restAllMs} ms; the last answer came ${drainedMs} ms after the faults)`,
    )

    // A quiet window: no supersede, opted-out gateways dial no more, the rest hold one socket.
    const quietFrom = await connector.sample()
    const supersedesBefore = connector.supersededTotal
    await sleep(2000)
    const quietTo = await connector.sample()
    if (connector.supersededTotal !== supersedesBefore) violate('supersedes while at rest')
    for (const t of tracked.values()) {
      const was = quietFrom.views.get(t.gatewayId)
      const now = quietTo.views.get(t.gatewayId)
      if (was === undefined || now === undefined) {
        violate(`${t.gatewayId}: unknown at the connector`)
        continue
      }
      if (now.revoked === t.intended)
        violate(`${t.id}: connector says revoked=${now.revoked}, intended optedIn=${t.intended}`)
      if (now.connections !== (t.intended ? 1 : 0))
        violate(`${t.id}: ${now.connections} sockets at rest (optedIn=${t.intended})`)
      if (!t.intended && now.upgrades.total !== was.upgrades.total) {
        violate(`${t.id}: dialled ${now.upgrades.total - was.upgrades.total} times while opted out`)
      }
    }

    // Every tab on the same rev, reading what the API reads.
    const up = stack.up()
    const restRev = (await apiViews(up[0] as Replica)).rev
    await Promise.all(
      watches.map((w) =>
        w.until(`rev ${restRev}`, () => (w.lastRev ?? 0) >= restRev, 10_000).catch((e: Error) => violate(e.message)),
      ),
    )
    for (const w of watches) {
      for (const t of tracked.values()) {
        if (!readsAs(w.instances.get(t.id), t.intended)) {
          violate(`${w.name} on ${w.on}: ${t.id} reads ${describe(w.instances.get(t.id))}, want optedIn=${t.intended}`)
        }
      }
    }

    // Every replica lists the running ones, and every instance is held by exactly one lease.
    const ownedAtRest: Record<string, number> = {}
    for (const r of up) {
      const view = await getJson<{ self: string; replicas: Array<{ id: string; owned: number }> }>(
        `${r.url}/api/cluster`,
      )
      if (view.self !== r.id) violate(`${r.name}: /api/cluster says self=${view.self}, /healthz ${r.id}`)
      const owned = view.replicas.reduce((sum, x) => sum + x.owned, 0)
      if (owned !== profile.instances)
        violate(`${r.name}: /api/cluster counts ${owned} held instances of ${profile.instances}`)
      for (const other of up) {
        if (!view.replicas.some((x) => x.id === other.id)) violate(`${r.name}: /api/cluster leaves out ${other.name}`)
      }
      if (r === up[0])
        for (const x of view.replicas) ownedAtRest[stack.replicas.find((s) => s.id === x.id)?.name ?? x.id] = x.owned
    }

    // The audit: every 200 there, ok; nothing left pending.
    const records = operators.records
    const unaudited = new Set<Tracked>()
    for (const t of tracked.values()) {
      const target = pickUp() as Replica
      const { entries } = await getJson<{
        entries: Array<{ at: string; action: string; result: string; actor: string }>
      }>(`${target.url}/api/audit?instanceId=${t.id}&limit=1000`)
      for (const e of entries)
        if (e.result === 'pending') violate(`${t.id}: audit entry ${e.action} at ${e.at} left pending`)
      const used = new Set<number>()
      const mine = records.filter((r) => r.instanceId === t.id && r.audited).sort((a, b) => a.sentAt - b.sentAt)
      for (const r of mine) {
        const action = r.optedIn ? 'opt_in' : 'opt_out'
        const found = entries.findIndex((e, i) => {
          if (used.has(i) || e.action !== action || e.result !== 'ok') return false
          const at = Date.parse(e.at)
          return at >= r.sentAt - 10 && at <= r.answeredAt + 10
        })
        if (found < 0) {
          violate(
            `${t.id}: ${action} through ${r.replica} answered 200 (sent ${r.sentAt - faultsFrom} ms, answered ${r.answeredAt - faultsFrom} ms) but no ok entry in the audit`,
          )
          unaudited.add(t)
        } else used.add(found)
      }
    }
    for (const t of [...unaudited].slice(0, 5)) violate(await story(t))

    // Answers: 200 always, 409 for racing pairs only, anything else only while a fault was going on.
    const overlaps = (r: RequestRecord) =>
      windows.find((w) => r.sentAt <= w.to + ttl + 5000 && r.answeredAt >= w.from - 1000)
    const faultAnswers: string[] = []
    const answers: Record<string, number> = {}
    for (const r of records) {
      const key =
        r.status === 0 ? `no answer (${r.code})` : r.code === null ? String(r.status) : `${r.status} ${r.code}`
      answers[key] = (answers[key] ?? 0) + 1
      if (r.status === 200 || (r.status === 409 && r.kind === 'pair')) continue
      const fault = overlaps(r)
      const line = `${key} for ${r.kind} ${r.optedIn ? 'opt-in' : 'opt-out'} of ${r.instanceId} through ${r.replica} at ${r.sentAt - faultsFrom} ms`
      if (fault === undefined || r.kind === 'fix') violate(`${line}, with no fault going on`)
      else faultAnswers.push(`${line} (${fault.kind}${fault.replica ? ` ${fault.replica}` : ''})`)
    }
    for (const id of operators.bothSuperseded) violate(`${id}: both requests of a racing pair answered 409`)
    // An answer within the lease time + 10 s of its request, or of the end of the faults it met.
    const slow = new Set<Tracked>()
    for (const r of records) {
      const horizon = windows
        .filter((w) => r.sentAt <= w.to && r.answeredAt >= w.from)
        .reduce((latest, w) => Math.max(latest, w.to), r.sentAt)
      if (r.answeredAt - horizon > ttl + 10_000) {
        violate(
          `${r.kind} optedIn=${r.optedIn} of ${r.instanceId} through ${r.replica}: answered ${r.status} ${r.code ?? ''} ${r.answeredAt - horizon} ms after it was sent or its faults ended`,
        )
        const t = tracked.get(r.instanceId)
        if (t !== undefined) slow.add(t)
      }
    }
    for (const t of [...slow].slice(0, 3)) violate(await story(t))

    // Supersedes only while a replica was frozen (its sockets outlive its leases).
    const supersedeLog: string[] = []
    for (const s of connector.supersedes) {
      const frozen = windows.find((w) => w.kind === 'sigstop' && s.by >= w.from && s.after <= w.to + 5000)
      const where = `${s.gatewayId} × ${s.count} between ${s.after - faultsFrom} and ${s.by - faultsFrom} ms`
      if (frozen === undefined) violate(`supersede with no replica frozen: ${where}`)
      else supersedeLog.push(`${where} (${frozen.replica} frozen)`)
    }

    for (const c of stack.crashes) {
      violate(
        `${c.replica} exited by itself at ${c.at - faultsFrom} ms (code ${c.code}, signal ${c.signal}):\n  ${c.stderr.join('\n  ')}`,
      )
    }

    // Errors: only while the database was away (and its aftermath).
    let errorsExplained = 0
    const warnings: Record<string, number> = {}
    for (const line of stack.logged) {
      if (line.level < 50) {
        warnings[line.msg] = (warnings[line.msg] ?? 0) + 1
        continue
      }
      const explained = windows.some(
        (w) => w.kind === 'pg_restart' && line.at >= w.from && line.at <= w.to + ttl + 5000,
      )
      if (explained) errorsExplained += 1
      else
        violate(
          `${line.replica} logged at level ${line.level} at ${line.at - faultsFrom} ms: ${line.line.slice(0, 400)}`,
        )
    }

    const resumes: ResumeTally = { replaySame: 0, replayOther: 0, snapshotSame: 0, snapshotOther: 0 }
    const moves: Record<string, number> = {}
    for (const w of watches) {
      for (const k of Object.keys(resumes) as Array<keyof ResumeTally>) resumes[k] += w.resumes[k]
      for (const [k, v] of Object.entries(w.moves)) moves[k] = (moves[k] ?? 0) + v
    }

    return {
      profile,
      replicasStarted: stack.replicas.length,
      faults,
      answers,
      requests: records.length,
      faultAnswers,
      supersedes: connector.supersededTotal,
      supersedeLog,
      connectorSamples: connector.samples,
      maxConnections: connector.maxConnections,
      maxPeakConnections: connector.maxPeak,
      sse: { clients: watches.length, events: watches.reduce((s, w) => s + w.events, 0), resumes, moves },
      restMs: restMs ?? -1,
      restAllMs: restAllMs ?? -1,
      unsureFixed: unsure.length,
      ownedAtRest,
      errorsExplained,
      warnings,
      violations,
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}\nviolations:\n${violations.join('\n')}`, { cause: error })
  } finally {
    if (violations.length > 0 && logDump !== null) {
      stack.dumpLogs(logDump)
      progress(`every line the replicas printed: ${logDump}`)
    }
    requesting = false
    hopping = false
    for (const w of watches) w.close()
    await connector.stop().catch(() => undefined)
    await stack.stop()
  }
}
