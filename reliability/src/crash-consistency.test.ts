/**
 * Crash consistency: the console SIGKILLed at every checkpoint of opt-out and opt-in, and at
 * random moments, then started again on the same state against the same connector. After each
 * restart the connector and the console agree, the operator's intent (once written) is honoured,
 * the audit has the action and nothing pending, and nothing opts back in by itself.
 *
 * Each console process verifies the run before it, then carries out its own run and crashes, so a
 * run costs one process start. `npm test` makes one run per checkpoint and three timed ones;
 * RELIABILITY_PROFILE=full makes three per checkpoint and ten timed.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { INTENT_CHECKPOINTS, type IntentCheckpoint } from '@relay-console/bff/ops/checkpoints'
import { type AdminInstanceView, type RunningConnector, startConnector } from '@relay-console/connector'
import { type AuditEntry, AuditResponseSchema, ClientInstancesResponseSchema } from '@relay-console/shared/api'
import type { ClientInstance } from '@relay-console/shared/instance'
import { connectorAdmin } from '@relay-console/testkit/connector-admin'
import { freePort } from '@relay-console/testkit/ports'
import { type Proc, run, waitHealthy } from '@relay-console/testkit/procs'
import { tempDir } from '@relay-console/testkit/temp-dir'
import { sleep } from '@relay-console/testkit/time'
import { TOKENS } from '@relay-console/testkit/tokens'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from './chaos'

const FULL = process.env.RELIABILITY_PROFILE === 'full'
const ROUNDS_PER_POINT = FULL ? 3 : 1
const TIMED_RUNS = FULL ? 10 : 3
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))
const random = seededRandom(seed)

function pickOne<T>(list: readonly T[]): T {
  const chosen = list[Math.floor(random() * list.length)]
  if (chosen === undefined) throw new Error('nothing to pick from')
  return chosen
}

type CrashRun =
  | { kind: 'checkpoint'; point: IntentCheckpoint }
  /** SIGKILL from outside this long after the request: before, during or after the write. */
  | { kind: 'timed'; afterMs: number }

const INSTANCES = ['alpha', 'bravo', 'charlie', 'delta'].map((id, i) => ({
  id,
  displayName: `Crash ${id}`,
  gatewayId: `gw-crash-${id}`,
  secret: `crash-secret-${id}-0123456789`,
  platforms: ['discord', 'telegram']
    .slice(0, 1 + (i % 2))
    .map((platform) => ({ platform, botId: `${id}-${platform}` })),
}))

let connector: RunningConnector
let dir: ReturnType<typeof tempDir>
let configFile: string
let consoleUrl: string
let current: Proc | null = null

let admin: ReturnType<typeof connectorAdmin>

const operator = { authorization: `Bearer ${TOKENS.RELAY_CONSOLE_TOKEN}`, 'content-type': 'application/json' }

async function instances(): Promise<Map<string, ClientInstance>> {
  const res = await fetch(`${consoleUrl}/api/instances`, { headers: operator })
  const body = ClientInstancesResponseSchema.parse(await res.json())
  return new Map(body.instances.map((i) => [i.id, i]))
}

async function audit(id: string): Promise<AuditEntry[]> {
  const res = await fetch(`${consoleUrl}/api/audit?instanceId=${id}&limit=1000`, { headers: operator })
  return AuditResponseSchema.parse(await res.json()).entries
}

async function setRelay(id: string, optedIn: boolean): Promise<number> {
  const res = await fetch(`${consoleUrl}/api/instances/${id}/relay`, {
    method: 'PUT',
    headers: operator,
    body: JSON.stringify({ optedIn }),
  })
  return res.status
}

async function connectorView(gatewayId: string): Promise<AdminInstanceView> {
  return admin<AdminInstanceView>('GET', `/instances/${gatewayId}`)
}

async function startConsoleProcess(crashAt: IntentCheckpoint | ''): Promise<Proc> {
  const proc = run(['reliability/src/crash-at-checkpoint.ts', configFile], { CRASH_AT: crashAt })
  current = proc
  await waitHealthy(consoleUrl, proc, 30_000)
  return proc
}

function exited(proc: Proc, timeoutMs: number): Promise<NodeJS.Signals | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return Promise.resolve(proc.child.signalCode)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the console did not crash within ${timeoutMs} ms`)), timeoutMs)
    proc.child.once('exit', (_code, signal) => {
      clearTimeout(timer)
      resolve(signal)
    })
  })
}

/** Arms the console's crash at its checkpoint, now that the earlier crash is recovered from. */
async function arm(proc: Proc): Promise<void> {
  proc.child.kill('SIGUSR2')
  const deadline = Date.now() + 5000
  while (!/^armed$/m.test(proc.output())) {
    if (Date.now() > deadline) throw new Error(`the console did not arm its crash:\n${proc.output()}`)
    await sleep(20)
  }
}

/** Waits until every instance reads as `desired` says, in the API and at the connector. */
async function atRest(desired: ReadonlyMap<string, boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  let last = ''
  while (Date.now() < deadline) {
    const seen = await instances()
    const wrong = INSTANCES.filter(({ id }) => {
      const i = seen.get(id)
      const want = desired.get(id) ? 'connected' : 'disabled'
      return (
        i === undefined ||
        i.optedIn !== desired.get(id) ||
        i.pending !== null ||
        i.platforms.some((p) => p.state !== want)
      )
    })
    if (wrong.length === 0) break
    last = wrong.map(({ id }) => JSON.stringify(seen.get(id))).join('\n')
    await sleep(100)
  }
  if (Date.now() >= deadline) throw new Error(`${what}: not at rest after 20 s:\n${last}`)
  for (const i of INSTANCES) {
    const view = await connectorView(i.gatewayId)
    const wanted = desired.get(i.id) === true
    expect(view.revoked, `${what}: ${i.id} revoked at the connector`).toBe(!wanted)
    expect(view.connections, `${what}: ${i.id} sockets at the connector`).toBe(wanted ? 1 : 0)
  }
}

beforeAll(async () => {
  dir = tempDir()
  connector = await startConnector({
    dataDir: join(dir.path, 'connector'),
    port: 0,
    adminToken: TOKENS.CONNECTOR_ADMIN_TOKEN,
    identityTokens: { [TOKENS.RELAY_IDENTITY_TOKEN]: 'default' },
    logger: pino({ level: 'silent' }),
    pingIntervalMs: 1000,
  })
  admin = connectorAdmin(connector.httpUrl)
  for (const { gatewayId, secret, platforms } of INSTANCES) {
    await admin('POST', '/instances', { gatewayId, secret, platforms })
  }
  const port = await freePort()
  consoleUrl = `http://127.0.0.1:${port}`
  configFile = join(dir.path, 'console.json')
  writeFileSync(
    configFile,
    JSON.stringify({
      listen: { host: '127.0.0.1', port },
      stateDir: join(dir.path, 'console'),
      connector: { url: connector.url },
      instances: INSTANCES,
      relay: { backoffBaseMs: 100, backoffMaxMs: 1000, handshakeTimeoutMs: 3000 },
    }),
  )
})

afterAll(async () => {
  await current?.stop()
  await connector?.stop()
  dir?.remove()
})

describe('a console killed in the middle of opt-outs and opt-ins', () => {
  it(`agrees with the connector and honours every written intent after each restart (seed ${seed})`, async () => {
    const runs: CrashRun[] = []
    for (let round = 0; round < ROUNDS_PER_POINT; round += 1) {
      for (const point of INTENT_CHECKPOINTS) runs.push({ kind: 'checkpoint', point })
    }
    // Half the timed kills land within a few ms of the request (often before the write-ahead).
    for (let i = 0; i < TIMED_RUNS; i += 1) {
      runs.push({ kind: 'timed', afterMs: i % 2 === 0 ? Math.floor(random() * 6) : 6 + Math.floor(random() * 144) })
    }
    const crashAt = (r: CrashRun | undefined) => (r?.kind === 'checkpoint' ? r.point : '')

    const desired = new Map(INSTANCES.map((i) => [i.id, true]))
    const outcomes: string[] = []
    let proc = await startConsoleProcess(crashAt(runs[0]))
    await atRest(desired, 'at start')

    for (const [n, crashRun] of runs.entries()) {
      const label = `run ${n + 1} (${crashRun.kind === 'checkpoint' ? crashRun.point : `SIGKILL after ${crashRun.afterMs} ms`})`
      // The direction: the checkpoint's own, or a coin for timed runs.
      const optedIn = crashRun.kind === 'checkpoint' ? crashRun.point.startsWith('opt_in') : random() < 0.5
      if (INSTANCES.every((i) => desired.get(i.id) === optedIn)) {
        // Nobody to act on: move one the other way first, with no crash armed.
        const first = pickOne(INSTANCES)
        await setRelay(first.id, !optedIn)
        desired.set(first.id, !optedIn)
        await atRest(desired, `${label}: set-up`)
      }
      const target = pickOne(INSTANCES.filter((i) => desired.get(i.id) !== optedIn))
      const action = optedIn ? 'opt_in' : 'opt_out'
      const before = (await audit(target.id)).filter((e) => e.action === action).length

      if (crashRun.kind === 'checkpoint') await arm(proc)
      const request = setRelay(target.id, optedIn).catch(() => null) // the console dies under it
      if (crashRun.kind === 'timed') {
        await sleep(crashRun.afterMs)
        proc.child.kill('SIGKILL')
      }
      expect(await exited(proc, 15_000), `${label}: how the console ended`).toBe('SIGKILL')
      await request
      const dialsAtCrash = (await connectorView(target.gatewayId)).upgrades.total

      proc = await startConsoleProcess(crashAt(runs[n + 1]))
      // A checkpoint comes after the write-ahead, so the intent was taken; a timed kill may come first.
      const accepted = crashRun.kind === 'checkpoint' || (await instances()).get(target.id)?.optedIn === optedIn
      if (accepted) desired.set(target.id, optedIn)
      outcomes.push(`${label}: ${action} ${target.id} ${accepted ? 'taken' : 'never taken'}`)
      await atRest(desired, label)

      const entries = await audit(target.id)
      const done = entries.filter((e) => e.action === action)
      expect(done.length, `${label}: ${action} audited`).toBe(before + (accepted ? 1 : 0))
      expect(
        entries.filter((e) => e.result === 'pending'),
        `${label}: audit entries left pending`,
      ).toEqual([])
      if (accepted) {
        const retry = optedIn ? 'provision_retry' : 'deprovision_retry'
        const latest = entries.find((e) => e.action === action || e.action === retry)
        expect(latest?.result, `${label}: the last ${action} step`).toBe('ok')
      }
      if (!desired.get(target.id)) {
        // Opted out: not one dial since the crash, not even after a quiet second.
        await sleep(1000)
        expect((await connectorView(target.gatewayId)).upgrades.total, `${label}: dials since the crash`).toBe(
          dialsAtCrash,
        )
        expect((await instances()).get(target.id)?.optedIn, `${label}: still opted out`).toBe(false)
      }
    }
    console.log(`crash runs (seed ${seed}):\n${outcomes.join('\n')}`)
    expect(outcomes).toHaveLength(runs.length)
  }, 600_000)
})
