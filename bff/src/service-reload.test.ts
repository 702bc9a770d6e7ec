/**
 * Changing the fleet without a restart (docs/configuration.md), end to end over real sockets: the
 * reference connector and the console on ephemeral ports, a config reloaded while the console is
 * busy, and every socket counted at the connector.
 */
import { rmSync } from 'node:fs'
import type { RunningConnector } from '@relay-console/connector'
import { afterEach, describe, expect, it } from 'vitest'
import type { ResolvedInstance, RuntimeConfig } from './config/load'
import { demoInstance } from './demo/embedded'
import type { RunningConsole } from './service'
import { admin, allStates, api, openEvents, testConfig, testConnector, testConsole, until } from './test-support'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Instances the reloads never touch: their sockets must stay up throughout. */
const STEADY = Array.from({ length: 12 }, (_, i) => demoInstance(`steady-${i}`, `Steady ${i}`, [['discord', `${i}`]]))
const GONE = demoInstance('gone', 'Going away', [['discord', 'g']])
const REBUILT = demoInstance('rebuilt', 'Rebuilt', [['discord', 'r']])
const RELABELLED = demoInstance('relabelled', 'Relabelled', [['discord', 'l']], { tenant: 'acme' })
const FRESH = demoInstance('fresh', 'Fresh', [['telegram', 'fresh_bot']])

async function stack(instances: ResolvedInstance[]) {
  const connector = await testConnector()
  cleanups.push(() => connector.stop())
  const config = testConfig(connector.url, { instances })
  cleanups.push(() => rmSync(config.stateDir, { recursive: true, force: true }))
  const running = await testConsole(config)
  cleanups.push(() => running.stop())
  return { connector, running, config }
}

const listed = async (running: RunningConsole) =>
  (await api(running.url, 'GET', '/api/instances')).json.instances as Array<Record<string, any>>

const allConnected = (running: RunningConsole, ids: string[]) =>
  until(
    `${ids.join(', ')} connected`,
    async () => {
      const instances = await listed(running)
      return ids.every((id) =>
        allStates(
          instances.find((i) => i.id === id),
          'connected',
        ),
      )
    },
    15_000,
  )

const gateway = (connector: RunningConnector, id: string) => admin(connector, 'GET', `/instances/gw-${id}`)
/** Sockets the connector accepted for each instance: one more means its socket was closed and dialled again. */
const accepted = async (connector: RunningConnector, ids: string[]) =>
  Object.fromEntries(await Promise.all(ids.map(async (id) => [id, (await gateway(connector, id)).upgrades.accepted])))

/** Keeps the console busy: inbound traffic on every socket, the fleet read over and over, an event stream open. */
function load(connector: RunningConnector, running: RunningConsole) {
  let on = true
  let reads = 0
  const events = openEvents(running.url)
  const reading = (async () => {
    while (on) {
      await api(running.url, 'GET', '/api/instances')
      reads++
    }
  })()
  void admin(connector, 'POST', '/demo-traffic', { enabled: true, intervalMs: 10 })
  return {
    events,
    async stop() {
      on = false
      events.close()
      await reading
      await admin(connector, 'POST', '/demo-traffic', { enabled: false })
      return reads
    },
  }
}

describe('reloading the instances', () => {
  it('adds, removes and changes instances under load; the sockets of the others never drop', async () => {
    const steadyIds = STEADY.map((i) => i.id)
    const { connector, running, config } = await stack([...STEADY, GONE, REBUILT, RELABELLED])
    await allConnected(running, [...steadyIds, 'gone', 'rebuilt', 'relabelled'])
    const before = await accepted(connector, [...steadyIds, 'rebuilt', 'relabelled'])
    expect(Object.values(before).every((n) => n === 1)).toBe(true)

    const busy = load(connector, running)
    await busy.events.waitFor((e) => e.event === 'snapshot')
    const rebuilt = { ...REBUILT, platforms: [...REBUILT.platforms, { platform: 'slack', botId: 'B7' }] }
    const relabelled = { ...RELABELLED, displayName: 'Relabelled twice', labels: { tenant: 'acme', region: 'eu' } }
    const next: RuntimeConfig = { ...config, instances: [...STEADY, rebuilt, FRESH, relabelled] }
    const summary = await running.reload(next)
    expect(summary).toEqual({
      added: ['fresh'],
      removed: ['gone'],
      changed: ['rebuilt', 'relabelled'],
      rebuilt: ['rebuilt'],
      restartNeeded: [],
    })

    // The new instance is provisioned and connects; the changed one connects with its new platforms.
    await allConnected(running, ['fresh', 'rebuilt'])
    expect((await gateway(connector, 'fresh')).connections).toBe(1)
    await until('rebuilt says hello for slack', async () =>
      (await gateway(connector, 'rebuilt')).hellos.includes('slack'),
    )
    // The removed one's socket is closed at the connector, and stays closed.
    await until('gone closed', async () => (await gateway(connector, 'gone')).connections === 0)

    // Long enough for any dropped socket to be dialled again (backoff at most 300 ms here).
    await new Promise((r) => setTimeout(r, 800))
    const reads = await busy.stop()
    expect(reads).toBeGreaterThan(10)
    // The stream started over (it ends; a client reconnects for a snapshot of the new set).
    expect(busy.events.events.filter((e) => e.event === 'snapshot')).toHaveLength(1)

    const after = await accepted(connector, [...steadyIds, 'rebuilt', 'relabelled'])
    expect(after).toEqual({ ...before, rebuilt: 2 })
    for (const id of steadyIds) expect((await gateway(connector, id)).connections, id).toBe(1)
    expect((await gateway(connector, 'gone')).connections).toBe(0)

    const instances = await listed(running)
    expect(instances.map((i) => i.id)).toEqual([...steadyIds, 'rebuilt', 'fresh', 'relabelled'])
    expect(instances.find((i) => i.id === 'relabelled')).toMatchObject({
      displayName: 'Relabelled twice',
      labels: { tenant: 'acme', region: 'eu' },
    })
    expect(
      allStates(
        instances.find((i) => i.id === 'relabelled'),
        'connected',
      ),
    ).toBe(true)
    expect(instances.find((i) => i.id === 'rebuilt')?.platforms.map((p: any) => p.platform)).toEqual([
      'discord',
      'slack',
    ])
    // The removed instance left the list; its audit stays.
    expect((await api(running.url, 'GET', '/api/instances/gone/history')).status).toBe(404)
    const audit = (await api(running.url, 'GET', '/api/audit?instanceId=gone')).json.entries
    expect(audit).toContainEqual(expect.objectContaining({ action: 'opt_in', instanceId: 'gone', result: 'ok' }))

    // A fresh event stream starts from a snapshot of the new set.
    const events = openEvents(running.url)
    cleanups.push(() => events.close())
    const snapshot = await events.waitFor((e) => e.event === 'snapshot')
    expect(snapshot.data.instances.map((i: any) => i.id)).toContain('fresh')
    expect(snapshot.data.instances.map((i: any) => i.id)).not.toContain('gone')
  })

  it('takes a removed instance back with its state, and does nothing for a reload that changes nothing', async () => {
    const { connector, running, config } = await stack([STEADY[0] as ResolvedInstance, GONE])
    await allConnected(running, ['steady-0', 'gone'])
    await running.reload({ ...config, instances: [STEADY[0] as ResolvedInstance] })
    await until('gone closed', async () => (await gateway(connector, 'gone')).connections === 0)

    const again = await running.reload({ ...config, instances: [STEADY[0] as ResolvedInstance, GONE] })
    expect(again).toMatchObject({ added: ['gone'], removed: [], changed: [] })
    await allConnected(running, ['gone'])
    // It was provisioned at its first start: the secret it kept dials again, nothing is provisioned anew.
    const audit = (await api(running.url, 'GET', '/api/audit?instanceId=gone')).json.entries
    expect(audit.filter((e: any) => e.action === 'opt_in')).toHaveLength(1)

    const same = await running.reload({ ...config, instances: [STEADY[0] as ResolvedInstance, GONE] })
    expect(same).toEqual({ added: [], removed: [], changed: [], rebuilt: [], restartNeeded: [] })
    expect(await accepted(connector, ['steady-0', 'gone'])).toEqual({ 'steady-0': 1, gone: 2 })
  })

  it('keeps running with the values it started with for fields only a restart applies, and says which', async () => {
    const { running, config } = await stack([STEADY[0] as ResolvedInstance])
    const summary = await running.reload({
      ...config,
      relay: { ...config.relay, backoffMaxMs: 1000 },
      allowedHosts: ['console.example'],
    })
    expect(summary.restartNeeded).toEqual(['allowedHosts', 'relay.backoffMaxMs'])
    const lines = (running as RunningConsole & { lines: string[] }).lines
    expect(lines.some((l) => l.includes('needs a restart') && l.includes('relay.backoffMaxMs'))).toBe(true)
  })
})
