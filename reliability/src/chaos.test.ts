import { describe, expect, it } from 'vitest'
import { CHAOS_PROFILES, FAULT_KINDS, runChaos } from './chaos'

// `npm test` runs the short profile; `npm run test:chaos` the full 60 s one. CHAOS_SEED repeats a run.
const profileName = process.env.RELIABILITY_PROFILE === 'full' ? 'full' : 'short'
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))

describe(`chaos (${profileName})`, () => {
  it('keeps every invariant under kills, drops, expiries, pauses, revocations and opt-ins', async () => {
    const profile = { ...CHAOS_PROFILES[profileName], seed }
    const report = await runChaos(profile, (line) => console.log(line))
    console.log(`chaos report: ${JSON.stringify(report)}`)

    expect(report.violations, `seed ${seed}`).toEqual([])
    for (const kind of FAULT_KINDS) expect(report.faults[kind], `${kind} dealt`).toBeGreaterThan(0)
    expect(report.socketsDropped).toBeGreaterThan(0)
    expect(report.maxPeakConnections).toBe(1)
    expect(report.unhandledRejections).toBe(0)
    expect(report.consoleLog.error, report.consoleLog.lastErrors.join('\n')).toBe(0)
    // Back to the baseline taken after the warm-up round, within 10 %.
    expect(report.final.heapUsedMb).toBeLessThanOrEqual(report.baseline.heapUsedMb * 1.1)
    expect(Math.abs(report.final.handles - report.baseline.handles)).toBeLessThanOrEqual(report.baseline.handles * 0.1)
  }, 600_000)
})
