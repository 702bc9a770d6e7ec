/**
 * `npm run bench [-- --quick] [--out FILE] [--only a,b]`: every scenario against real processes
 * on loopback (the connector and the console each in their own process, load from this one).
 * Prints a markdown table; `--out` writes the JSON. `cluster` (replicas on PostgreSQL) runs only
 * when named in `--only`: it needs the PostgreSQL server binaries and takes minutes of its own.
 * @module
 */
import { execSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { REPO } from '@relay-console/testkit/procs'
import { type ClusterResult, clusterReplicaTable, clusterRows } from './cluster-report'
import { startInfra } from './cluster-stack'
import { capacity } from './scenarios/capacity'
import { type ClusterSize, cluster } from './scenarios/cluster'
import { fanout } from './scenarios/fanout'
import { optout } from './scenarios/optout'
import { pollingBaseline } from './scenarios/polling'
import { propagation } from './scenarios/propagation'
import { storm } from './scenarios/storm'
import { ui, uiTable } from './scenarios/ui'
import { withStack } from './stack'
import { round, summarise } from './stats'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
  },
})
const quick = values.quick ?? false
const only = values.only ? new Set(values.only.split(',')) : null
const wanted = (name: string) => only === null || only.has(name)
const named = (name: string) => only?.has(name) ?? false

/** Dropped sockets come back within a second, so rounds follow each other quickly (as in `propagation`). */
const FAST_BACKOFF = { backoffBaseMs: 200, backoffMaxMs: 1000 }
const CLUSTER: ClusterSize = quick
  ? {
      replicas: 3,
      small: null,
      large: {
        perReplica: 500,
        platforms: 1,
        idleMs: 3000,
        rejoin: false,
        clientsPerReplica: 5,
        drop: 30,
        reps: 2,
        api: 2,
      },
      // Short leases, so the takeover step fits a quick run (docs/benchmarks.md, "Cluster").
      cluster: { leaseTtlMs: 3000, renewIntervalMs: 600 },
      relay: FAST_BACKOFF,
    }
  : {
      replicas: 3,
      small: { instances: 1000, platforms: 2, clientsPerReplica: 50, drop: 100, reps: 5, api: 10 },
      large: {
        perReplica: 10_000,
        platforms: 1,
        idleMs: 20_000,
        rejoin: true,
        clientsPerReplica: 10,
        drop: 100,
        reps: 3,
        api: 5,
      },
      relay: {
        ...FAST_BACKOFF,
        ...(process.env.BENCH_MAX_DIALS ? { maxDialsPerSecond: Number(process.env.BENCH_MAX_DIALS) } : {}),
      },
    }

const SIZE = quick
  ? {
      propagation: { instances: 300, clients: 50, drop: 50, reps: 3 },
      optout: 8,
      capacity: { instances: 2000, idleMs: 8000 },
      storm: 2500,
      fanout: { clients: 200, measured: 50, changesPerSecond: 100, seconds: 16, slowClients: 2 },
      ui: { instances: 500, seconds: 4, tableInstances: 2000 },
      polling: { seconds: 12 },
    }
  : {
      propagation: { instances: 1000, clients: 200, drop: 100, reps: 5 },
      optout: 30,
      capacity: { instances: 10_000, idleMs: 30_000 },
      storm: 5000,
      fanout: { clients: 1000, measured: 100, changesPerSecond: 100, seconds: 30, slowClients: 5 },
      ui: { instances: 2000, seconds: 10, tableInstances: 10_000 },
      polling: { seconds: 40 },
    }

const log = (text: string) => process.stderr.write(`bench: ${text}\n`)

async function main(): Promise<void> {
  const started = Date.now()
  log('building the web app')
  execSync('npm run build --silent', { cwd: REPO, stdio: 'ignore' })
  const result: Record<string, unknown> = {
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      memory_gb: round(totalmem() / 1024 ** 3, 1),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      date: new Date().toISOString(),
      load_1_5_15: loadavg().map((l) => round(l, 2)),
      // The code measured: the commit, and the files of the console changed beside it.
      commit: execSync('git rev-parse --short HEAD', { cwd: REPO, encoding: 'utf8' }).trim(),
      uncommitted: execSync('git status --porcelain -- bff shared connector', { cwd: REPO, encoding: 'utf8' })
        .split('\n')
        .filter((l) => l !== '').length,
    },
    ...(quick ? { quick: true } : {}),
  }

  if (wanted('propagation') || wanted('optout') || wanted('polling_baseline')) {
    const size = SIZE.propagation
    log(`stack: ${size.instances} instances × 2 platforms`)
    const shape = { instances: size.instances, platforms: 2, relay: { backoffBaseMs: 200, backoffMaxMs: 1000 } }
    await withStack(shape, async (stack) => {
      if (wanted('propagation')) {
        log('propagation')
        const runs = await propagation(stack, { clients: size.clients, drop: size.drop, reps: size.reps })
        result.propagation = {
          instances: size.instances,
          clients: size.clients,
          dropped: size.drop,
          p50_ms: summarise(runs.map((r) => r.p50_ms)),
          p99_ms: summarise(runs.map((r) => r.p99_ms)),
          max_ms: summarise(runs.map((r) => r.max_ms)),
          // Share of (client, dropped instance) pairs whose event arrived within the round.
          pairs_seen_pct: (runs.reduce((n, r) => n + r.samples, 0) / (runs.length * size.drop * size.clients)) * 100,
        }
      }
      if (wanted('polling_baseline')) {
        log('polling_baseline')
        result.polling_baseline = await pollingBaseline(stack, {
          seconds: SIZE.polling.seconds,
          changesPerSecond: 4,
          pollMs: 5000,
        })
      }
      if (wanted('optout')) {
        log('optout')
        const run = await optout(stack, { count: SIZE.optout })
        result.optout = { p50_ms: run.p50_ms, p99_ms: run.p99_ms, samples: run.samples.length }
      }
    })
  }

  if (wanted('fanout')) {
    const size = SIZE.fanout
    log(`fanout: ${size.clients} clients`)
    // Four platforms per instance: bigger events, so the slow clients' backlog outgrows the
    // kernel's socket buffers within the run and the console has to drop them.
    const shape = {
      instances: 500,
      platforms: 4,
      relay: { backoffBaseMs: 200, backoffMaxMs: 1000, stableAfterMs: 0 },
      events: { maxClientBacklogBytes: 256 * 1024 },
    }
    result.fanout = await withStack(shape, (stack) => fanout(stack, size))
  }

  if (wanted('ui')) {
    const size = SIZE.ui
    log(`ui: ${size.instances} instances`)
    const shape = {
      instances: size.instances,
      platforms: 2,
      relay: { backoffBaseMs: 200, backoffMaxMs: 1000, stableAfterMs: 0 },
    }
    result.ui = await withStack(shape, (stack) => ui(stack, { changesPerSecond: 100, seconds: size.seconds }))
    log(`ui_table: ${size.tableInstances} instances in the table view`)
    result.ui_table = await withStack({ ...shape, instances: size.tableInstances, platforms: 1 }, (stack) =>
      uiTable(stack, { changesPerSecond: 100, seconds: size.seconds }),
    )
  }

  if (wanted('capacity')) {
    const size = SIZE.capacity
    log(`capacity: ${size.instances} instances`)
    result.capacity = await withStack({ instances: size.instances, platforms: 1 }, (stack) =>
      capacity(stack, { idleMs: size.idleMs }),
    )
  }

  if (wanted('storm')) {
    log(`storm: ${SIZE.storm} instances`)
    result.storm = await withStack({ instances: SIZE.storm, platforms: 1 }, storm)
  }

  if (named('cluster')) {
    log(`cluster: ${CLUSTER.replicas} replicas × ${CLUSTER.large.perReplica} instances on PostgreSQL (fsync on)`)
    const infra = await startInfra()
    try {
      result.cluster = await cluster(infra, CLUSTER)
    } finally {
      await infra.stop()
    }
  }

  const propagation50 = (result.propagation as { p50_ms?: { median: number } } | undefined)?.p50_ms?.median
  const polling = result.polling_baseline as { mean_staleness_ms: number; ratio?: number } | undefined
  if (polling !== undefined && propagation50 !== undefined) polling.ratio = polling.mean_staleness_ms / propagation50

  result.elapsed_s = round((Date.now() - started) / 1000)
  ;(result.machine as Record<string, unknown>).load_end_1_5_15 = loadavg().map((l) => round(l, 2))
  process.stdout.write(`${markdown(result)}\n`)
  if (values.out) writeFileSync(values.out, `${JSON.stringify(flatten(result), null, 2)}\n`)
}

/** The `--out` JSON (docs/benchmarks.md): medians as plain numbers, with min/max kept beside them. */
function flatten(result: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [scenario, value] of Object.entries(result)) {
    if (value === null || typeof value !== 'object') {
      out[scenario] = value
      continue
    }
    const flat: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      if (v !== null && typeof v === 'object' && 'median' in v) {
        const s = v as { median: number; min: number; max: number; runs: number }
        flat[key] = round(s.median, 2)
        flat[`${key}_min`] = round(s.min, 2)
        flat[`${key}_max`] = round(s.max, 2)
        flat.runs = s.runs
      } else flat[key] = typeof v === 'number' ? round(v, 2) : v
    }
    out[scenario] = flat
  }
  return out
}

type Flat = Record<string, number | string | boolean>

/** Each scenario's row, in table order: what was measured, the target, and whether it was met (null: report only). */
const ROWS: Array<[scenario: string, row: (v: Flat) => [measured: string, target: string, met: boolean | null]]> = [
  [
    'propagation',
    (p) => [
      `${p.instances} inst × 2, ${p.clients} clients, ${p.dropped} dropped: p50 ${p.p50_ms} ms (${p.p50_ms_min}–${p.p50_ms_max}), p99 ${p.p99_ms} ms (${p.p99_ms_min}–${p.p99_ms_max}), max ${p.max_ms} ms; ${p.pairs_seen_pct} % of events seen in their round`,
      'p50 ≤ 20 ms, p99 ≤ 100 ms',
      Number(p.p50_ms) <= 20 && Number(p.p99_ms) <= 100,
    ],
  ],
  [
    'optout',
    (o) => [`p50 ${o.p50_ms} ms, p99 ${o.p99_ms} ms (${o.samples} opt-outs)`, 'p99 ≤ 250 ms', Number(o.p99_ms) <= 250],
  ],
  [
    'capacity',
    (c) => [
      `${c.instances} inst: all connected in ${c.connect_all_s} s, RSS ${c.rss_mb} MB, idle CPU ${c.idle_cpu_pct} %`,
      '≤ 60 s, ≤ 500 MB, ≤ 5 %',
      Number(c.connect_all_s) <= 60 && Number(c.rss_mb) <= 500 && Number(c.idle_cpu_pct) <= 5,
    ],
  ],
  [
    'storm',
    (s) => [
      `${s.instances} inst: all back in ${s.all_reconnected_s} s; busiest second ${s.max_window_pct} % of ${s.redials} re-dials`,
      '≤ 40 s; ≤ 20 %',
      Number(s.all_reconnected_s) <= 40 && Number(s.max_window_pct) <= 20,
    ],
  ],
  [
    'fanout',
    (f) => [
      `${f.clients} clients, ${f.events_per_client} events each: lag p50 ${f.p50_lag_ms} ms, p99 ${f.p99_lag_ms} ms; slow clients dropped ${f.slow_dropped}, recovered ${f.slow_recovered}; CPU: console ${f.console_pct} %, connector ${f.connector_pct} %, clients ${f.clients_pct} %`,
      'p99 ≤ 200 ms; slow clients dropped and recovered',
      Number(f.p99_lag_ms) <= 200 && Number(f.slow_dropped) > 0 && f.slow_dropped === f.slow_recovered,
    ],
  ],
  [
    'ui',
    (u) => [
      `first render ${u.first_render_ms} ms; longest task ${u.max_long_task_ms} ms (${u.long_tasks} over 50 ms); initial JS ${u.bundle_gzip_kb} KB gzip`,
      '≤ 1,500 ms; no task > 100 ms',
      Number(u.first_render_ms) <= 1500 && Number(u.max_long_task_ms) <= 100,
    ],
  ],
  [
    'ui_table',
    (u) => [
      `first render ${u.first_render_ms} ms; keystroke to view p50 ${u.keystroke_p50_ms} ms, max ${u.keystroke_max_ms} ms; longest task at 100 updates/s ${u.updates_max_long_task_ms} ms, while scrolling ${u.scroll_max_long_task_ms} ms`,
      '≤ 1,500 ms; keystroke ≤ 100 ms; no task > 100 ms',
      Number(u.first_render_ms) <= 1500 &&
        Number(u.keystroke_max_ms) <= 100 &&
        Number(u.updates_max_long_task_ms) <= 100 &&
        Number(u.scroll_max_long_task_ms) <= 100,
    ],
  ],
  [
    'polling_baseline',
    (b) => [
      `mean staleness ${b.mean_staleness_ms} ms (${b.seen} of ${b.changes} changes ever seen); ${b.ratio ?? '–'}× propagation p50`,
      'report',
      null,
    ],
  ],
]

function markdown(result: Record<string, unknown>): string {
  const r = flatten(result) as Record<string, Flat>
  const m = r.machine ?? {}
  const lines = [
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memory_gb} GB, Node ${m.node}, ${m.platform}${quick ? ' — quick mode' : ''}; ` +
      `load ${m.load_1_5_15} at the start, ${m.load_end_1_5_15} at the end; commit ${m.commit}${m.uncommitted ? ` + ${m.uncommitted} uncommitted files in bff/shared/connector` : ''}`,
    '',
    '| scenario | measured | target | met |',
    '|---|---|---|---|',
  ]
  for (const [scenario, row] of ROWS) {
    const values = r[scenario]
    if (!values) continue
    const [measured, target, met] = row(values)
    lines.push(`| \`${scenario}\` | ${measured} | ${target} | ${met === null ? '–' : met ? 'yes' : '**no**'} |`)
  }
  const clusterResult = result.cluster as ClusterResult | undefined
  if (clusterResult !== undefined) {
    for (const [scenario, measured, target, met] of clusterRows(clusterResult)) {
      lines.push(`| \`${scenario}\` | ${measured} | ${target} | ${met === null ? '–' : met ? 'yes' : '**no**'} |`)
    }
    lines.push(...clusterReplicaTable(clusterResult))
  }
  lines.push('', `Elapsed: ${result.elapsed_s} s`)
  return lines.join('\n')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
