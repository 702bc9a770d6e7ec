/**
 * The cluster scenario's rows in the runner's table (measured, target, met), and its latencies
 * per replica as a table of their own.
 * @module
 */

interface Dist {
  n: number
  p50: number
  p99: number
  max: number
}
interface Pair {
  latency: Dist
  from_commit: Dist
}
interface Summary {
  all: Pair
  holder: Pair
  others: Pair
  per_replica: Record<string, Pair>
  parts: { to_observed: number; observed_to_commit: number; commit_to_holder: number; commit_to_others: number }
}
interface Propagation {
  instances: number
  platforms: number
  clients_per_replica: number
  drop: number
  reps: number
  close: Summary & { rounds_p99: number[] }
  api_intent: Summary
  api_done: Summary
  api_response: Dist
  api_requests: number
}
interface Span {
  first: number
  p50: number
  max: number
}
interface Move {
  replica: string
  moved: number
  new_replica_holds: number
  healthy_s: number
  moved_connected_s: Span
  fewest_sockets_at_connector: number
  superseded: number
}
interface Resources {
  per_replica: Record<string, { rss_mb: number; db_connections: number }>
  pg_stat_activity: Record<string, number>
}
export interface ClusterResult {
  replicas: number
  lease_ttl_ms: number
  renew_interval_ms: number
  max_dials_per_second: number
  reduced?: { asked_per_replica: number; per_replica: number; why: string }
  small?: Propagation
  large?: Propagation
  start?: { instances: number; all_connected_s: number; connector_all_s: number | null }
  idle?: Resources & {
    seconds: number
    cpu_pct: Record<string, number>
    beat: { calls: number; mean_ms: number; max_ms: number } | null
    renew_direct_ms: (Dist & { leases: number; runs: number }) | null
    renew_10k_ms: (Dist & { leases: number; runs: number }) | null
  }
  takeover?: {
    killed: string
    instances: number
    connected_again: number
    console_s: Span
    connector_s: Span & { upgrades: number }
    connector_all_back_s: number | null
    superseded: number
  }
  rejoin?: Move
  join?: Move
  end?: Resources
}

type Row = [scenario: string, measured: string, target: string, met: boolean | null]

const ms = (d: Dist) => `p50 ${d.p50} ms, p99 ${d.p99} ms`

function propagationRow(name: string, p: Propagation, target: boolean): Row {
  const c = p.close
  return [
    name,
    `${p.instances} inst × ${p.platforms}, ${p.clients_per_replica} clients per replica, ${p.drop} sockets dropped × ${p.reps}: ` +
      `at the holder's clients ${ms(c.holder.latency)}; at the other replicas' ${ms(c.others.latency)} ` +
      `(from commit: ${ms(c.others.from_commit)}); rounds' p99 ${Math.min(...c.rounds_p99)}–${Math.max(...c.rounds_p99)} ms. ` +
      `Opt-out/in through a replica not holding it (${p.api_requests}): intent at every replica ${ms(p.api_intent.all.latency)}, carried out ${ms(p.api_done.all.latency)}`,
    target ? 'cross-replica p99 ≤ 100 ms' : 'report',
    target ? c.others.latency.p99 <= 100 : null,
  ]
}

export function clusterRows(c: ClusterResult): Row[] {
  const rows: Row[] = []
  const ttl = c.lease_ttl_ms
  if (c.small) rows.push(propagationRow('cluster propagation', c.small, c.small.instances >= 1000))
  if (c.start) {
    rows.push([
      'cluster start',
      `${c.replicas} replicas, ${c.start.instances} inst${c.reduced ? ` (${c.reduced.asked_per_replica} per replica asked; ${c.reduced.why})` : ''}: all connected in ${c.start.all_connected_s} s (connector counts all at ${c.start.connector_all_s} s)`,
      '≤ 90 s',
      c.start.all_connected_s <= 90,
    ])
  }
  if (c.large) rows.push(propagationRow('cluster propagation (large)', c.large, false))
  if (c.takeover) {
    const t = c.takeover
    rows.push([
      'cluster takeover',
      `SIGKILL of ${t.killed} (${t.instances} inst, lease ${ttl / 1000} s): connected again at the console p50 ${t.console_s.p50} s, max ${t.console_s.max} s (${t.connected_again} seen); ` +
        `connector upgrades p50 ${t.connector_s.p50} s, max ${t.connector_s.max} s (${t.connector_s.upgrades}); ${t.superseded} doubled sockets`,
      `≤ ${ttl / 1000 + 5} s`,
      t.connected_again === t.instances && t.console_s.max <= ttl / 1000 + 5,
    ])
  }
  for (const [label, m] of [
    ['cluster rejoin', c.rejoin],
    ['cluster join', c.join],
  ] as const) {
    if (!m) continue
    rows.push([
      label,
      `${m.replica} healthy in ${m.healthy_s} s; ${m.moved} inst moved (it holds ${m.new_replica_holds}), connected again p50 ${m.moved_connected_s.p50} s, last ${m.moved_connected_s.max} s after its spawn; fewest sockets at the connector ${m.fewest_sockets_at_connector}; ${m.superseded} doubled`,
      'report',
      null,
    ])
  }
  if (c.idle) {
    const i = c.idle
    const beat = i.beat
    const direct = i.renew_direct_ms
    const tenK = i.renew_10k_ms
    rows.push([
      'cluster leases',
      `beat (heartbeat + renew all ~${direct?.leases ?? '?'} + live list) as run: mean ${beat ? beat.mean_ms.toFixed(1) : '?'} ms, max ${beat ? beat.max_ms.toFixed(1) : '?'} ms (${beat?.calls ?? 0} beats); ` +
        `renew-all with commit, on a copy: ${direct?.leases ?? '?'} leases p50 ${direct?.p50} ms, max ${direct?.max} ms; ${tenK?.leases ?? '?'} leases p50 ${tenK?.p50} ms, max ${tenK?.max} ms`,
      'report',
      null,
    ])
    rows.push([
      'cluster resources',
      `${Object.entries(i.per_replica)
        .map(([name, r]) => `${name}: ${r.rss_mb} MB, ${r.db_connections} DB conns, idle CPU ${i.cpu_pct[name]} %`)
        .join('; ')}; pg_stat_activity ${JSON.stringify(i.pg_stat_activity)}`,
      'report',
      null,
    ])
  }
  return rows
}

/** Latency per replica: from the change, and from its commit, for each measurement. */
export function clusterReplicaTable(c: ClusterResult): string[] {
  const lines: string[] = []
  for (const [label, p] of [
    ['small fleet', c.small],
    ['large fleet', c.large],
  ] as const) {
    if (!p) continue
    const replicas = Object.keys(p.close.per_replica)
    lines.push(
      '',
      `Per replica, ${label} (${p.instances} inst): p50 / p99 ms`,
      '',
      `| measurement | ${replicas.join(' | ')} |`,
      `|---|${replicas.map(() => '---|').join('')}`,
    )
    for (const [what, s] of [
      ['socket drop → event', p.close],
      ['opt-out/in request → intent event', p.api_intent],
      ['opt-out/in request → carried-out event', p.api_done],
    ] as const) {
      lines.push(
        `| ${what} | ${replicas.map((r) => `${s.per_replica[r]?.latency.p50} / ${s.per_replica[r]?.latency.p99}`).join(' | ')} |`,
      )
      lines.push(
        `| … from its commit | ${replicas.map((r) => `${s.per_replica[r]?.from_commit.p50} / ${s.per_replica[r]?.from_commit.p99}`).join(' | ')} |`,
      )
    }
    const parts = p.close.parts
    lines.push(
      '',
      `Socket drop, medians: drop → holder observes ${parts.to_observed} ms → commit ${parts.observed_to_commit} ms → holder's clients ${parts.commit_to_holder} ms, other replicas' ${parts.commit_to_others} ms`,
    )
  }
  return lines
}
