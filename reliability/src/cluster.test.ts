import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLUSTER_FAULTS, CLUSTER_PROFILES, runClusterChaos } from './cluster-chaos'

// `npm test` runs the short profile; `npm run test:chaos` the full one. CHAOS_SEED repeats a run.
const profileName = process.env.RELIABILITY_PROFILE === 'full' ? 'full' : 'short'
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))

describe(`cluster (${profileName})`, () => {
  it(`keeps one socket per gateway, every rev, every intent and the audit through kills, freezes, joins, drains and a database restart (seed ${seed})`, async () => {
    const profile = { ...CLUSTER_PROFILES[profileName], seed }
    console.log(`cluster ${profileName}: seed ${seed} (CHAOS_SEED=${seed} repeats it)`)
    const dump = join(tmpdir(), `relay-console-cluster-${seed}.log`)
    const report = await runClusterChaos(profile, (line) => console.log(line), dump)
    console.log(`cluster report: ${JSON.stringify(report, null, 1)}`)

    expect(report.violations, `seed ${seed}`).toEqual([])
    for (const kind of CLUSTER_FAULTS) {
      expect(report.faults.filter((f) => f.kind === kind).length, `${kind} dealt`).toBe(profile.rounds)
    }
    expect(report.maxConnections).toBeLessThanOrEqual(1)
    expect(report.restMs).toBeLessThanOrEqual(profile.leaseTtlMs + 5000)
    // The tabs moved between replicas and were answered with exact replays.
    expect(report.sse.resumes.replayOther).toBeGreaterThan(0)
  }, 900_000)
})
