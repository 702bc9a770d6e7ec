/**
 * `cluster`: console replicas on one PostgreSQL (fsync on) and one reference connector.
 *
 * 1. Propagation at a small fleet, on its own cluster: a change of an instance, made where its
 *    socket is (the connector drops D sockets with 1011, stamping the time) or through the API of
 *    a replica that does not hold it (opt-out, then opt-in), timed to its `instance` event at
 *    event-stream clients of every replica. Each event's rev gives its commit time (the server's
 *    `pg_xact_commit_timestamp`), which splits the latency: the holder observes the change and
 *    commits it, then every replica (the holder too) learns of the commit by NOTIFY, reads the
 *    change log and sends the event.
 * 2. The large fleet: R replicas started at once; time until every instance is connected, as the
 *    console shows it and as the connector counts sockets. The same propagation measurements.
 * 3. Idle: lease renewal as the replicas ran it (`pg_stat_statements`), and a renew-all of as
 *    many leases timed directly on a copy of the table; CPU, RSS and database connections.
 * 4. SIGKILL of one replica: each of its instances, from the kill to connected again (the console's
 *    event, the connector's accepted upgrade); then a new replica in its place, and one more
 *    (R + 1): instances moved and how long the move took.
 * @module
 */
import { readFileSync } from 'node:fs'
import { wallNow } from '@relay-console/testkit/time'
import {
  ConnectorProbe,
  commitTimes,
  connectionsByPid,
  resetStatements,
  serverConnections,
  topStatements,
} from '../cluster-probes'
import { type ClusterInfra, type ClusterStack, type Replica, startCluster } from '../cluster-stack'
import { FleetWatcher } from '../fleet-watcher'
import { cpuSeconds, rssMb } from '../proc-stats'
import { query, timeStatement } from '../psql'
import { instanceEvents, SseTap } from '../sse-tap'
import { percentile, round } from '../stats'

export interface PropagationSize {
  clientsPerReplica: number
  drop: number
  reps: number
  /** Opt-outs (each followed by its opt-in) through a replica that does not hold the instance. */
  api: number
}

export interface ClusterSize {
  replicas: number
  /** Its own cluster for propagation at a small fleet; null: measured on the large fleet only. */
  small: ({ instances: number; platforms: number } & PropagationSize) | null
  large: { perReplica: number; platforms: number; idleMs: number; rejoin: boolean } & PropagationSize
  cluster?: { leaseTtlMs: number; renewIntervalMs: number }
  relay: Record<string, number>
}

const log = (text: string) => process.stderr.write(`bench: cluster: ${text}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const q = (values: readonly number[], p: number) => round(percentile(values, p), 1)
const dist = (values: readonly number[]) => ({
  n: values.length,
  p50: q(values, 50),
  p99: q(values, 99),
  max: values.length === 0 ? Number.NaN : round(Math.max(...values), 1),
})

/** One instance event at one client, with where it came from. */
interface Sample {
  replica: string
  owner: string
  id: string
  /** From the change (the connector's close, or the request sent) to the event at the client. */
  latency: number
  /** From the commit to the event at the client. */
  fromCommit: number
  /** From the change to the holder observing it (the status's updatedAt), when known. */
  observed: number | null
  /** From the holder observing it to the commit, when known. */
  toCommit: number | null
}

const newest = (platforms: ReadonlyArray<{ updatedAt: string }>) =>
  Math.max(...platforms.map((p) => Date.parse(p.updatedAt)))

function summariseSamples(samples: readonly Sample[], replicas: readonly string[]) {
  const perReplica = Object.fromEntries(
    replicas.map((name) => {
      const mine = samples.filter((s) => s.replica === name)
      return [
        name,
        {
          latency: dist(mine.map((s) => s.latency)),
          from_commit: dist(mine.map((s) => s.fromCommit)),
        },
      ]
    }),
  )
  const local = samples.filter((s) => s.replica === s.owner)
  const cross = samples.filter((s) => s.replica !== s.owner)
  const perChange = new Map<string, Sample>()
  for (const s of samples) perChange.set(`${s.id}`, s)
  const changes = [...perChange.values()]
  return {
    all: { latency: dist(samples.map((s) => s.latency)), from_commit: dist(samples.map((s) => s.fromCommit)) },
    holder: { latency: dist(local.map((s) => s.latency)), from_commit: dist(local.map((s) => s.fromCommit)) },
    others: { latency: dist(cross.map((s) => s.latency)), from_commit: dist(cross.map((s) => s.fromCommit)) },
    per_replica: perReplica,
    // Medians of the parts, per change (observed and toCommit are the holder's, once per change).
    parts: {
      to_observed: q(
        changes.flatMap((s) => (s.observed === null ? [] : [s.observed])),
        50,
      ),
      observed_to_commit: q(
        changes.flatMap((s) => (s.toCommit === null ? [] : [s.toCommit])),
        50,
      ),
      commit_to_holder: q(
        local.map((s) => s.fromCommit),
        50,
      ),
      commit_to_others: q(
        cross.map((s) => s.fromCommit),
        50,
      ),
    },
  }
}

/** Taps on every live replica: `perReplica` event-stream clients each. */
async function tapAll(stack: ClusterStack, perReplica: number): Promise<Map<Replica, SseTap[]>> {
  const taps = new Map<Replica, SseTap[]>()
  for (const replica of stack.alive()) {
    taps.set(
      replica,
      Array.from({ length: perReplica }, () => new SseTap(replica.url)),
    )
  }
  await Promise.all([...taps.values()].flat().map((t) => t.client.connected))
  return taps
}

const closeTaps = (taps: Map<Replica, SseTap[]>) => {
  for (const t of [...taps.values()].flat()) t.close()
}

/**
 * The connector drops `drop` sockets at once (1011), `reps` times after one unreported round;
 * each dropped instance's first event at every client, from the connector's stamp of the close.
 */
async function closesToEvents(
  stack: ClusterStack,
  taps: Map<Replica, SseTap[]>,
  watcher: FleetWatcher,
  admin: ClusterInfra['admin'],
  options: { drop: number; reps: number },
): Promise<{ samples: Sample[]; roundsP99: number[] }> {
  const all: Sample[] = []
  const roundsP99: number[] = []
  for (let rep = -1; rep < options.reps; rep++) {
    const slice = stack.instances.slice((rep + 1) * options.drop, (rep + 2) * options.drop)
    const targets = new Set(slice.map((i) => i.id))
    const owners = await stack.owners()
    for (const t of [...taps.values()].flat()) t.record()
    const { at } = await admin<{ at: number }>('POST', '/close-many', {
      gatewayIds: slice.map((i) => i.gatewayId),
      code: 1011,
      reason: 'bench drop',
    })
    // Each dropped instance must first have an event after the drop, then be connected again:
    // checking only for "connected" would pass at once, before the drop reached the watcher. (Its
    // first event may already say connected: a holder whose write waited writes only the latest.)
    const touched = new Set<string>()
    watcher.onInstance = (instance) => {
      if (targets.has(instance.id)) touched.add(instance.id)
    }
    await watcher
      .until(
        'dropped instances changed and connected',
        () =>
          touched.size === targets.size &&
          watcher.allIn(
            'connected',
            slice.map((i) => i.id),
          ),
        60_000,
      )
      .catch((error: unknown) => {
        const stuck = slice.filter((i) => !touched.has(i.id) || !watcher.allIn('connected', [i.id]))
        const states = stuck
          .slice(0, 5)
          .map((i) => `${i.id} ${touched.has(i.id) ? 'changed' : 'unchanged'} ${watcher.states.get(i.id)}`)
        throw new Error(`${String(error)}: ${stuck.length} of ${slice.length} not back (${states.join('; ')})`)
      })
    watcher.onInstance = null
    await sleep(300)
    const firsts: Array<{ replica: string; rev: number; at: number; id: string; observed: number }> = []
    for (const [replica, list] of taps) {
      for (const tap of list) {
        const seen = new Set<string>()
        for (const e of instanceEvents(tap.stop())) {
          if (!targets.has(e.i.id) || seen.has(e.i.id)) continue
          seen.add(e.i.id)
          firsts.push({ replica: replica.name, rev: e.rev, at: e.at, id: e.i.id, observed: newest(e.i.platforms) })
        }
      }
    }
    const committed = await commitTimes(
      stack.databaseUrl,
      firsts.map((f) => f.rev),
    )
    const samples = firsts.map((f) => {
      const commit = committed.get(f.rev) ?? Number.NaN
      return {
        replica: f.replica,
        owner: owners.get(f.id)?.name ?? '?',
        id: f.id,
        latency: f.at - at,
        fromCommit: f.at - commit,
        observed: f.observed - at,
        toCommit: commit - f.observed,
      }
    })
    const expected = targets.size * [...taps.values()].flat().length
    const ended = [...taps.values()].flat().reduce((n, t) => n + t.ends, 0)
    if (samples.length < expected) {
      log(`round ${rep}: ${samples.length} of ${expected} events seen; ${ended} streams ended by the replicas`)
    }
    if (rep < 0) continue
    all.push(...samples)
    roundsP99.push(
      q(
        samples.map((s) => s.latency),
        99,
      ),
    )
  }
  return { samples: all, roundsP99 }
}

/**
 * Opt-outs then opt-ins through the API of a replica that does not hold the instance, one at a
 * time: from the request sent to the event showing the new desired state (the journaled intent,
 * committed by the replica asked) and to the event showing it carried out by the holder.
 */
async function requestsToEvents(
  stack: ClusterStack,
  taps: Map<Replica, SseTap[]>,
  watcher: FleetWatcher,
  count: number,
): Promise<{ intent: Sample[]; done: Sample[]; responses: number[] }> {
  const intent: Sample[] = []
  const done: Sample[] = []
  const responses: number[] = []
  const picked = stack.instances.slice(-count)
  let turn = 0
  for (const instance of picked) {
    for (const optedIn of [false, true]) {
      const owners = await stack.owners()
      const owner = owners.get(instance.id)
      const others = stack.alive().filter((r) => r !== owner)
      const asked = others[turn++ % others.length] as Replica
      for (const t of [...taps.values()].flat()) t.record()
      const sent = wallNow()
      const res = await asked.api('PUT', `/api/instances/${instance.id}/relay`, { optedIn })
      responses.push(wallNow() - sent)
      if (res.status !== 200) throw new Error(`opt-${optedIn ? 'in' : 'out'} of ${instance.id}: HTTP ${res.status}`)
      const target = optedIn ? 'connected' : 'disabled'
      await watcher.until(`${instance.id} ${target}`, () => watcher.allIn(target, [instance.id]), 20_000)
      await sleep(300)
      const firsts: Array<{ replica: string; kind: 'intent' | 'done'; rev: number; at: number }> = []
      for (const [replica, list] of taps) {
        for (const tap of list) {
          let sawIntent = false
          let sawDone = false
          for (const e of instanceEvents(tap.stop())) {
            if (e.i.id !== instance.id) continue
            if (!sawIntent && e.i.optedIn === optedIn) {
              sawIntent = true
              firsts.push({ replica: replica.name, kind: 'intent', rev: e.rev, at: e.at })
            }
            if (!sawDone && e.i.optedIn === optedIn && e.i.platforms.every((p) => p.state === target)) {
              sawDone = true
              firsts.push({ replica: replica.name, kind: 'done', rev: e.rev, at: e.at })
            }
          }
        }
      }
      const committed = await commitTimes(
        stack.databaseUrl,
        firsts.map((f) => f.rev),
      )
      for (const f of firsts) {
        const sample: Sample = {
          replica: f.replica,
          owner: (f.kind === 'intent' ? asked : owner)?.name ?? '?',
          id: instance.id,
          latency: f.at - sent,
          fromCommit: f.at - (committed.get(f.rev) ?? Number.NaN),
          observed: null,
          toCommit: null,
        }
        ;(f.kind === 'intent' ? intent : done).push(sample)
      }
    }
  }
  return { intent, done, responses }
}

async function propagationStep(
  stack: ClusterStack,
  admin: ClusterInfra['admin'],
  watcher: FleetWatcher,
  size: PropagationSize,
) {
  const names = stack.alive().map((r) => r.name)
  const taps = await tapAll(stack, size.clientsPerReplica)
  try {
    log(`closes: ${size.drop} sockets × ${size.reps} rounds, ${size.clientsPerReplica} clients per replica`)
    await resetStatements(stack.databaseUrl)
    const closes = await closesToEvents(stack, taps, watcher, admin, size)
    // What the database did for those rounds (their status writes, change-log reads, beats).
    const statements = await topStatements(stack.databaseUrl, 10)
    log(`requests: ${size.api} opt-outs and opt-ins`)
    const requests = await requestsToEvents(stack, taps, watcher, size.api)
    return {
      clients_per_replica: size.clientsPerReplica,
      drop: size.drop,
      reps: size.reps,
      close: { ...summariseSamples(closes.samples, names), rounds_p99: closes.roundsP99, statements },
      api_intent: summariseSamples(requests.intent, names),
      api_done: summariseSamples(requests.done, names),
      api_response: dist(requests.responses),
      api_requests: requests.responses.length,
      streams_ended: [...taps.values()].flat().reduce((n, t) => n + t.ends, 0),
      sse_dropped: await sseDropped(stack),
    }
  } finally {
    closeTaps(taps)
  }
}

/** Drops of slow event-stream clients, per replica (`relay_console_sse_dropped_total`). */
async function sseDropped(stack: ClusterStack): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const r of stack.alive()) {
    const text = await (await fetch(`${r.url}/metrics`)).text()
    out[r.name] = Number(/^relay_console_sse_dropped_total (\d+)/m.exec(text)?.[1] ?? 0)
  }
  return out
}

/**
 * Every `everyMs` while a step runs: instances connected (console), sockets (connector), leases
 * held per replica, and what the database's sessions are waiting on: where a slow step spends time.
 */
function timeline(stack: ClusterStack, watcher: FleetWatcher, probe: ConnectorProbe, since: number, everyMs = 5000) {
  const samples: Array<Record<string, unknown>> = []
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    ;(async () => {
      const waits = await query(
        stack.databaseUrl,
        `SELECT coalesce(wait_event_type || ':' || wait_event, state), count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'relay-console' AND state <> 'idle' GROUP BY 1`,
      )
      const owners = await query(
        stack.databaseUrl,
        'SELECT owner, count(*) FROM leases WHERE expires_at > now() GROUP BY owner',
      )
      const names = new Map(stack.replicas.map((r) => [r.id, r.name]))
      const sample = {
        t_s: round((wallNow() - since) / 1000, 1),
        console_connected: watcher.count('connected'),
        connector_sockets: probe.latest()?.connections ?? null,
        leases: Object.fromEntries(owners.map(([o, n]) => [names.get(o as string) ?? o, Number(n)])),
        db_active: Object.fromEntries(waits.map(([w, n]) => [w, Number(n)])),
      }
      samples.push(sample)
      log(`  ${JSON.stringify(sample)}`)
    })()
      .catch(() => undefined)
      .finally(() => {
        busy = false
      })
  }, everyMs)
  return {
    samples,
    stop: () => clearInterval(timer),
  }
}

/** Waits for every instance connected as `watcher` (on a live replica) shows it. */
async function allConnected(watcher: FleetWatcher, total: number, timeoutMs: number): Promise<number> {
  await watcher.until('all connected', () => watcher.count('connected') === total, timeoutMs)
  return wallNow()
}

/**
 * Records, for each instance, the first event after `since` showing it connected by a status
 * observed after `since` (a holder's fresh observation, not an old state repeated).
 */
function freshConnections(watcher: FleetWatcher, since: number): Map<string, number> {
  const seen = new Map<string, number>()
  watcher.onInstance = (instance, receivedAt) => {
    if (seen.has(instance.id) || receivedAt < since) return
    if (instance.platforms.every((p) => p.state === 'connected' && Date.parse(p.updatedAt) >= Math.floor(since)))
      seen.set(instance.id, receivedAt)
  }
  return seen
}

/** Spawns one more replica and waits until the instances it takes are connected again. */
async function moveStep(
  stack: ClusterStack,
  watcher: FleetWatcher,
  probe: ConnectorProbe,
  total: number,
  what: string,
) {
  const before = await stack.owners()
  const supersededBefore = probe.latest()?.superseded ?? 0
  const t0 = wallNow()
  const fresh = freshConnections(watcher, t0)
  const progress = timeline(stack, watcher, probe, t0, 2000)
  const replica = await stack.spawn()
  const healthyAt = wallNow()
  log(`${what}: ${replica.name} healthy after ${round((healthyAt - t0) / 1000, 2)} s`)
  const deadline = Date.now() + 180_000
  let moved: string[] = []
  let last = ''
  for (;;) {
    await sleep(500)
    if (Date.now() > deadline) {
      log(`${what}: not settled in time (${moved.length} moved so far)`)
      break
    }
    const view = (await (
      await stack.alive()[0]?.api<{ replicas: Array<{ id: string; owned: number }> }>('GET', '/api/cluster')
    )?.json) ?? { replicas: [] }
    const counts = view.replicas.map((r) => `${r.id}:${r.owned}`).join(',')
    const owned = view.replicas.reduce((sum, r) => sum + r.owned, 0)
    const mine = view.replicas.find((r) => r.id === replica.id)?.owned ?? 0
    const stable = counts === last
    last = counts
    if (!stable || owned !== total || mine === 0 || watcher.count('connected') !== total) continue
    const after = await stack.owners()
    moved = stack.instances.map((i) => i.id).filter((id) => before.get(id) !== after.get(id))
    if (moved.every((id) => fresh.has(id))) break
  }
  watcher.onInstance = null
  progress.stop()
  const times = moved.flatMap((id) => {
    const at = fresh.get(id)
    return at === undefined ? [] : [at - t0]
  })
  const owners = await stack.owners()
  const share = [...owners.values()].filter((r) => r === replica).length
  return {
    replica: replica.name,
    moved: moved.length,
    new_replica_holds: share,
    healthy_s: round((healthyAt - t0) / 1000, 2),
    // From the spawn of the new replica to each moved instance connected again (console event).
    moved_connected_s: {
      first: round(Math.min(...times) / 1000, 2),
      p50: round(percentile(times, 50) / 1000, 2),
      max: round(Math.max(...times) / 1000, 2),
    },
    fewest_sockets_at_connector: probe.minSince(t0),
    superseded: (probe.latest()?.superseded ?? 0) - supersededBefore,
    timeline: progress.samples,
  }
}

async function takeoverStep(
  stack: ClusterStack,
  infra: ClusterInfra,
  watcher: FleetWatcher,
  probe: ConnectorProbe,
  total: number,
  victim: Replica,
) {
  const before = await stack.owners()
  const ids = [...before].filter(([, r]) => r === victim).map(([id]) => id)
  const supersededBefore = probe.latest()?.superseded ?? 0
  const killAt = wallNow()
  const fresh = freshConnections(watcher, killAt)
  const progress = timeline(stack, watcher, probe, killAt, 2000)
  await stack.kill(victim)
  log(`takeover: killed ${victim.name} (${ids.length} instances)`)
  await watcher
    .until('the dead replica’s instances connected again', () => ids.every((id) => fresh.has(id)), 180_000)
    .catch((error: unknown) => log(String(error)))
  watcher.onInstance = null
  await allConnected(watcher, total, 60_000).catch(() => undefined)
  progress.stop()
  await sleep(1000)
  const consoleTimes = ids.flatMap((id) => {
    const at = fresh.get(id)
    return at === undefined ? [] : [at - killAt]
  })
  const { accepted } = await infra.admin<{ accepted: number[] }>('GET', `/upgrade-log?since=${Math.floor(killAt)}`)
  const connectorTimes = accepted.map((t) => t - killAt)
  const backAt = probe.firstAtLeast(total, killAt)
  return {
    killed: victim.name,
    instances: ids.length,
    connected_again: consoleTimes.length,
    // From the SIGKILL to each instance's connected event at a surviving replica's stream.
    console_s: {
      first: round(Math.min(...consoleTimes) / 1000, 2),
      p50: round(percentile(consoleTimes, 50) / 1000, 2),
      max: round(Math.max(...consoleTimes) / 1000, 2),
    },
    // From the SIGKILL to each upgrade the connector accepted afterwards (all of them re-dials of
    // the dead replica's instances, unless some socket was doubled).
    connector_s: {
      upgrades: accepted.length,
      first: round(Math.min(...connectorTimes) / 1000, 2),
      p50: round(percentile(connectorTimes, 50) / 1000, 2),
      max: round(Math.max(...connectorTimes) / 1000, 2),
    },
    connector_all_back_s: backAt === null ? null : round((backAt.at - killAt) / 1000, 2),
    superseded: (probe.latest()?.superseded ?? 0) - supersededBefore,
    timeline: progress.samples,
  }
}

async function resources(stack: ClusterStack, infra: ClusterInfra) {
  const byPid = await connectionsByPid(infra.pg.port)
  const server = await serverConnections(stack.databaseUrl)
  return {
    per_replica: Object.fromEntries(
      stack
        .alive()
        .map((r) => [r.name, { rss_mb: round(rssMb(r.proc.pid), 0), db_connections: byPid.get(r.proc.pid) ?? 0 }]),
    ),
    pg_stat_activity: server,
  }
}

/**
 * Renew-all timed directly: each renewal its own transaction (autocommit, so it waits for its WAL
 * flush as a beat does), `times` times, on a copy of the leases table so the replicas' leases are
 * left alone; the renewal is the one the replicas' beat runs. `perOwner` null: a copy of the live
 * table, renewing its largest owner's leases; else a table of three owners with `perOwner` each.
 */
async function directRenew(databaseUrl: string, ttlMs: number, times: number, perOwner: number | null) {
  const fill =
    perOwner === null
      ? 'INSERT INTO bench_leases SELECT * FROM leases'
      : `INSERT INTO bench_leases SELECT 'bench-' || g, 'owner-' || (g % 3), 1, now() + interval '1 minute'
         FROM generate_series(1, ${perOwner * 3}) AS g`
  await query(
    databaseUrl,
    `DROP TABLE IF EXISTS bench_leases;
     CREATE TABLE bench_leases (LIKE leases INCLUDING ALL) WITH (fillfactor = 50);
     ${fill};
     ANALYZE bench_leases`,
  )
  const [top] = await query(
    databaseUrl,
    'SELECT owner, count(*) FROM bench_leases WHERE expires_at > now() GROUP BY owner ORDER BY 2 DESC LIMIT 1',
  )
  if (top === undefined) return null
  const [owner, count] = top as [string, string]
  const renew = `UPDATE bench_leases SET expires_at = now() + ${ttlMs}::bigint * interval '1 millisecond' WHERE owner = '${owner.replaceAll("'", "''")}' AND expires_at > now()`
  const timings = await timeStatement(databaseUrl, renew, times)
  await query(databaseUrl, 'DROP TABLE bench_leases')
  return { leases: Number(count), runs: timings.length, ...dist(timings) }
}

/**
 * How many sockets the connector can hold here: its open-file limit, and the loopback port range
 * (every replica dials the same address and port, so each socket needs its own local port), less
 * a margin for its own files and for sockets briefly doubled during a move.
 */
function socketBudget(connectorPid: number): { budget: number; why: string } {
  const limits = readFileSync(`/proc/${connectorPid}/limits`, 'utf8')
  const files = Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? Number.POSITIVE_INFINITY)
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
  const ports = (high ?? 0) - (low ?? 0) + 1
  return {
    budget: Math.min(files, ports) - 2000,
    why: `the connector process may open ${files} files; ${ports} local ports per destination`,
  }
}

export async function cluster(infra: ClusterInfra, size: ClusterSize) {
  const result: Record<string, unknown> = {
    replicas: size.replicas,
    lease_ttl_ms: size.cluster?.leaseTtlMs ?? 10_000,
    renew_interval_ms: size.cluster?.renewIntervalMs ?? 2000,
    max_dials_per_second: size.relay.maxDialsPerSecond ?? 400,
  }

  if (size.small !== null) {
    const small = size.small
    log(`small fleet: ${size.replicas} replicas, ${small.instances} instances × ${small.platforms}`)
    const stack = await startCluster(infra, {
      name: 'small',
      instances: small.instances,
      platforms: small.platforms,
      relay: size.relay,
      cluster: size.cluster,
    })
    try {
      await Promise.all(Array.from({ length: size.replicas }, () => stack.spawn()))
      const watcher = new FleetWatcher(stack.replicas[0]?.url as string)
      await watcher.client.connected
      await allConnected(watcher, small.instances, 120_000)
      result.small = {
        instances: small.instances,
        platforms: small.platforms,
        ...(await propagationStep(stack, infra.admin, watcher, small)),
      }
      watcher.close()
    } finally {
      await stack.stop()
    }
  }

  const { budget, why } = socketBudget(infra.connectorPid())
  const fits = Math.min(size.large.perReplica, Math.floor(budget / size.replicas / 1000) * 1000)
  const large = { ...size.large, perReplica: fits }
  const total = large.perReplica * size.replicas
  if (fits < size.large.perReplica) {
    log(
      `${size.replicas} × ${size.large.perReplica} sockets do not fit one connector here (${why}): ${size.replicas} × ${fits}`,
    )
    result.reduced = { asked_per_replica: size.large.perReplica, per_replica: fits, why }
  }
  log(`large fleet: ${size.replicas} replicas, ${total} instances × ${large.platforms}`)
  const stack = await startCluster(infra, {
    name: 'fleet',
    instances: total,
    platforms: large.platforms,
    relay: size.relay,
    cluster: size.cluster,
  })
  const probe = new ConnectorProbe(infra.admin)
  try {
    await resetStatements(stack.databaseUrl)
    const spawning = Array.from({ length: size.replicas }, () => stack.spawn())
    const first = await Promise.race(spawning)
    const watcher = new FleetWatcher(first.url)
    await watcher.client.connected
    await Promise.all(spawning)
    const startedAt = Math.min(...stack.replicas.map((r) => r.spawnedAt))
    const progress = timeline(stack, watcher, probe, startedAt)
    const connectedAt = await allConnected(watcher, total, 900_000).finally(progress.stop)
    // The connector's count is polled: give it a moment to show them all too.
    const countedBy = Date.now() + 30_000
    while (probe.firstAtLeast(total, startedAt) === null && Date.now() < countedBy) await sleep(250)
    const atConnector = probe.firstAtLeast(total, startedAt)
    const owners = await stack.owners()
    const start = {
      instances: total,
      all_connected_s: round((connectedAt - startedAt) / 1000, 2),
      connector_all_s: atConnector === null ? null : round((atConnector.at - startedAt) / 1000, 2),
      healthy_s: Object.fromEntries(stack.replicas.map((r) => [r.name, round((r.healthyAt - startedAt) / 1000, 2)])),
      held: Object.fromEntries(stack.replicas.map((r) => [r.name, [...owners.values()].filter((o) => o === r).length])),
      statements: await topStatements(stack.databaseUrl, 8),
      timeline: progress.samples,
    }
    log(`all ${total} connected after ${start.all_connected_s} s`)
    result.start = start

    result.large = {
      instances: total,
      platforms: large.platforms,
      ...(await propagationStep(stack, infra.admin, watcher, large)),
    }

    log(`idle ${large.idleMs / 1000} s`)
    await sleep(2000)
    await resetStatements(stack.databaseUrl)
    const cpuBefore = new Map(stack.alive().map((r) => [r, cpuSeconds(r.proc.pid)]))
    const idleStarted = Date.now()
    await sleep(large.idleMs)
    const idleSeconds = (Date.now() - idleStarted) / 1000
    const beat = await topStatements(stack.databaseUrl, 1, '%WITH beat AS%')
    const idleStatements = await topStatements(stack.databaseUrl, 6)
    result.idle = {
      seconds: round(idleSeconds, 1),
      cpu_pct: Object.fromEntries(
        stack
          .alive()
          .map((r) => [r.name, round(((cpuSeconds(r.proc.pid) - (cpuBefore.get(r) ?? 0)) / idleSeconds) * 100, 1)]),
      ),
      // The replicas' own beats (heartbeat + renew all + live list), as the server timed them.
      beat: beat[0] ?? null,
      statements: idleStatements,
      renew_direct_ms: await directRenew(stack.databaseUrl, result.lease_ttl_ms as number, 20, null),
      renew_10k_ms: await directRenew(stack.databaseUrl, result.lease_ttl_ms as number, 20, 10_000),
      ...(await resources(stack, infra)),
    }

    // Not the replica the watcher reads from: it must see the takeover.
    const victim = stack
      .alive()
      .filter((r) => r !== first)
      .at(-1) as Replica
    result.takeover = await takeoverStep(stack, infra, watcher, probe, total, victim)
    result.after_takeover = await resources(stack, infra)
    if (large.rejoin) result.rejoin = await moveStep(stack, watcher, probe, total, 'a new replica in its place')
    result.join = await moveStep(stack, watcher, probe, total, `replica ${stack.alive().length + 1} joins`)
    await sleep(2000)
    result.end = await resources(stack, infra)
    watcher.close()
  } finally {
    probe.stop()
    await stack.stop()
  }
  return result
}
