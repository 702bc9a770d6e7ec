/**
 * The console end to end over real sockets: the reference connector and the console, both on
 * ephemeral ports on 127.0.0.1.
 */
import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningConsole } from './service'
import {
  ADMIN_TOKEN,
  admin,
  allStates,
  api,
  IDENTITY_TOKEN,
  OPERATOR_TOKEN,
  openEvents,
  TEST_INSTANCES,
  tempDir,
  testConfig,
  testConnector,
  testConsole,
  until,
} from './test-support'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function stack(options: { dataDir?: string; config?: Parameters<typeof testConfig>[1] } = {}) {
  const connector = await testConnector({ dataDir: options.dataDir ?? null })
  cleanups.push(() => connector.stop())
  const config = testConfig(connector.url, options.config)
  cleanups.push(() => rmSync(config.stateDir, { recursive: true, force: true }))
  const running = await testConsole(config)
  cleanups.push(() => running.stop())
  return { connector, running, config }
}

const instanceOf = async (running: RunningConsole, id: string) =>
  (await api(running.url, 'GET', '/api/instances')).json.instances.find((i: any) => i.id === id)

const connected = (running: RunningConsole, id: string) =>
  until(`${id} connected`, async () => allStates(await instanceOf(running, id), 'connected'))

describe('start-up', () => {
  it('provisions instances without a secret and connects them', async () => {
    const { running, connector } = await stack()
    await connected(running, 'acme')
    await connected(running, 'globex')
    const listed = await admin(connector, 'GET', '/instances')
    expect(listed.instances.map((i: any) => i.gatewayId).sort()).toEqual(['gw-acme', 'gw-globex'])
    const audit = (await api(running.url, 'GET', '/api/audit')).json.entries
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'opt_in', actor: 'console', instanceId: 'acme', result: 'ok' }),
    )
  })
})

describe('opting out', () => {
  it('reaches Disabled through the real 4401 path within 2 s, then never dials again', async () => {
    const { running, connector } = await stack()
    await connected(running, 'acme')
    const events = openEvents(running.url)
    cleanups.push(() => events.close())
    await events.waitFor((e) => e.event === 'snapshot')

    const started = Date.now()
    const res = await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ id: 'acme', optedIn: false, disabledBy: { source: 'operator', actor: 'admin' } })
    const disabled = await events.waitFor(
      (e) => e.event === 'instance' && e.data.id === 'acme' && allStates(e.data, 'disabled'),
      2000,
    )
    expect(Date.now() - started).toBeLessThan(2000)
    expect(disabled.data.platforms[0].errorMessage).toBe('Relay disabled (opted out — opt in to re-enable)')
    await until('pending cleared', async () => (await instanceOf(running, 'acme')).pending === null)

    const seen = events.events.filter((e) => e.event === 'instance' && e.data.id === 'acme')
    expect(seen.flatMap((e) => e.data.platforms.map((p: any) => p.state))).not.toContain('fatal')
    const stats = (await admin(connector, 'GET', '/instances/gw-acme')).upgrades
    expect(stats.total).toBe(2) // the first connection and the one fresh-token re-dial
    await new Promise((r) => setTimeout(r, 700))
    expect((await admin(connector, 'GET', '/instances/gw-acme')).upgrades.total).toBe(2)
    expect((await admin(connector, 'GET', '/instances/gw-acme')).revoked).toBe(true)

    const audit = (await api(running.url, 'GET', '/api/audit?instanceId=acme')).json.entries
    expect(audit[0]).toMatchObject({ action: 'opt_out', actor: 'admin', result: 'ok', instanceId: 'acme' })
  })

  it("shows the operator's own opt-out as Connected → Disabled, never Retrying, in the stream and the history", async () => {
    const { running, connector } = await stack()
    await connected(running, 'acme')
    await new Promise((r) => setTimeout(r, 400)) // a quiet instance, as when an operator opts out
    const events = openEvents(running.url)
    cleanups.push(() => events.close())
    const snapshot = await events.waitFor((e) => e.event === 'snapshot')

    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    await events.waitFor((e) => e.event === 'instance' && e.data.id === 'acme' && allStates(e.data, 'disabled'))
    await until('pending cleared', async () => (await instanceOf(running, 'acme')).pending === null)

    const states = events.events
      .filter((e) => e.event === 'instance' && e.data.id === 'acme')
      .map((e) => e.data.platforms.map((p: any) => p.state).join(','))
    // The first events carry the pending opt-out, still connected.
    expect(states.filter((s, i) => s !== states[i - 1])).toEqual(['connected,connected', 'disabled,disabled'])
    const { transitions } = (await api(running.url, 'GET', '/api/instances/acme/history')).json
    const since = transitions.filter((t: any) => t.rev > snapshot.data.rev)
    expect(since.map((t: any) => `${t.from}→${t.to}`)).toEqual(['connected→disabled', 'connected→disabled'])
    // The contract's fresh-token re-dial still happened: the first connection and that one.
    expect((await admin(connector, 'GET', '/instances/gw-acme')).upgrades.total).toBe(2)
  })

  it('is idempotent: repeating it changes nothing and returns the instance', async () => {
    const { running } = await stack()
    await connected(running, 'acme')
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    const auditBefore = (await api(running.url, 'GET', '/api/audit')).json.entries.length
    const revBefore = (await api(running.url, 'GET', '/api/instances')).json.rev
    const again = await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    expect(again.status).toBe(200)
    expect(again.json).toMatchObject({ id: 'acme', optedIn: false, pending: null })
    expect((await api(running.url, 'GET', '/api/audit')).json.entries.length).toBe(auditBefore)
    expect((await api(running.url, 'GET', '/api/instances')).json.rev).toBe(revBefore)
  })

  it('answers 502 when the connector is down, keeps the intent, and reconciles when it returns', async () => {
    const dataDir = tempDir()
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const { running, connector } = await stack({ dataDir })
    await connected(running, 'acme')
    await connector.stop()
    const res = await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    expect(res.status).toBe(502)
    expect(res.json.error.code).toBe('connector_unreachable')
    expect(res.json.error.message).toMatch(/could not reach the connector/)
    expect(await instanceOf(running, 'acme')).toMatchObject({ optedIn: false, pending: 'opting_out' })

    const back = await testConnector({ dataDir, port: connector.port })
    cleanups.push(() => back.stop())
    await until('deprovision reconciled', async () => (await admin(back, 'GET', '/instances/gw-acme')).revoked === true)
    await until('disabled', async () => allStates(await instanceOf(running, 'acme'), 'disabled'))
    expect(await instanceOf(running, 'acme')).toMatchObject({ optedIn: false, pending: null })
    expect((await admin(back, 'GET', '/instances/gw-acme')).upgrades.accepted).toBe(0)
    const audit = (await api(running.url, 'GET', '/api/audit?instanceId=acme')).json.entries
    expect(audit.map((e: any) => `${e.action}:${e.result}`)).toEqual(
      expect.arrayContaining(['opt_out:failed', 'deprovision_retry:ok']),
    )
  })
})

describe('opting in', () => {
  it('provisions a new secret and connects a new transport', async () => {
    const { running, connector } = await stack()
    await connected(running, 'acme')
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    await until('disabled', async () => allStates(await instanceOf(running, 'acme'), 'disabled'))
    const before = (await admin(connector, 'GET', '/instances/gw-acme')).secretVersion
    const res = await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: true })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ optedIn: true, pending: null })
    await connected(running, 'acme')
    expect((await admin(connector, 'GET', '/instances/gw-acme')).secretVersion).toBe(before + 1)
  })

  it('ends two concurrent toggles in one consistent state: the later one wins', async () => {
    const { running, connector } = await stack()
    await connected(running, 'acme')
    const [off, on] = await Promise.all([
      api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false }),
      api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: true }),
    ])
    // The opt-out ran first (200), or the opt-in arrived before it started and overruled it (409).
    expect([200, 409]).toContain(off.status)
    expect(on.status).toBe(200)
    await connected(running, 'acme')
    expect(await instanceOf(running, 'acme')).toMatchObject({ optedIn: true, pending: null })
    expect((await admin(connector, 'GET', '/instances/gw-acme')).revoked).toBe(false)
  })
})

describe('requests that pile up on one instance', () => {
  it('collapse to the latest: a burst of 100 toggles runs a handful of operations, not 100', async () => {
    const { running } = await stack()
    await connected(running, 'acme')
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: i % 2 === 1 }),
      ),
    )
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true)
    expect(answers.at(-1)?.status).toBe(200)
    await connected(running, 'acme')
    expect(await instanceOf(running, 'acme')).toMatchObject({ optedIn: true, pending: null })
    const audit = (await api(running.url, 'GET', '/api/audit?instanceId=acme')).json.entries
    const operations = audit.filter((e: any) => e.action === 'opt_in' || e.action === 'opt_out')
    // One provisioning at start, then one operation per batch that piled up behind a running one.
    expect(operations.length).toBeLessThan(10)
  })
})

describe('a revocation the connector starts on its own', () => {
  it('reads Disabled, turns optedIn false, and is audited as revoked by connector', async () => {
    const { running, connector } = await stack()
    await connected(running, 'acme')
    await admin(connector, 'POST', '/instances/gw-acme/revoke')
    await until('disabled', async () => allStates(await instanceOf(running, 'acme'), 'disabled'))
    await until('optedIn false', async () => (await instanceOf(running, 'acme')).optedIn === false)
    const audit = (await api(running.url, 'GET', '/api/audit')).json.entries
    expect(audit[0]).toMatchObject({
      action: 'revoked_by_connector',
      actor: 'connector',
      instanceId: 'acme',
      result: 'ok',
    })
    // The instance says where its Disabled came from: not an operator's choice.
    expect((await instanceOf(running, 'acme')).disabledBy).toEqual({ source: 'connector', actor: 'connector' })
  })
})

describe('restarts', () => {
  it('keeps opted-out instances Disabled and silent, and the rest connected', async () => {
    const { running, connector, config } = await stack()
    await connected(running, 'acme')
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    await until('disabled', async () => allStates(await instanceOf(running, 'acme'), 'disabled'))
    const dials = (await admin(connector, 'GET', '/instances/gw-acme')).upgrades.total
    const history = async (base: string) => (await api(base, 'GET', '/api/instances/acme/history')).json.transitions
    const before = await history(running.url)
    await running.stop()

    const again = await testConsole(config)
    cleanups.push(() => again.stop())
    expect(allStates(await instanceOf(again, 'acme'), 'disabled')).toBe(true)
    await connected(again, 'globex')
    await new Promise((r) => setTimeout(r, 300))
    expect((await admin(connector, 'GET', '/instances/gw-acme')).upgrades.total).toBe(dials)
    // A restart is no event in an opted-out instance's life: no "Connecting → Disabled" entries.
    expect(await history(again.url)).toEqual(before)
  })

  it('keeps a provisioned secret across restarts, until the config secret changes by hand', async () => {
    const connector = await testConnector()
    cleanups.push(() => connector.stop())
    await admin(connector, 'POST', '/instances', { gatewayId: 'gw-acme', secret: 'first-secret' })
    const instances = [{ ...TEST_INSTANCES[0], configSecret: 'first-secret' }] as typeof TEST_INSTANCES
    const config = testConfig(connector.url, { instances })
    const first = await testConsole(config)
    await connected(first, 'acme')
    // Opt out and in: the console now holds a connector-issued secret.
    await api(first.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    await api(first.url, 'PUT', '/api/instances/acme/relay', { optedIn: true })
    await connected(first, 'acme')
    await first.stop()

    const second = await testConsole(config) // same config secret: the issued one is kept
    await connected(second, 'acme')
    await second.stop()

    await admin(connector, 'POST', '/instances', { gatewayId: 'gw-acme', secret: 'rotated-by-hand' })
    const third = await testConsole({
      ...config,
      instances: [{ ...instances[0], configSecret: 'rotated-by-hand' }] as typeof TEST_INSTANCES,
    })
    cleanups.push(() => third.stop())
    await connected(third, 'acme')
  })
})

describe('the event stream', () => {
  it('sends a snapshot, then instance events with id = rev, strictly increasing', async () => {
    const { running } = await stack()
    const events = openEvents(running.url)
    cleanups.push(() => events.close())
    const snapshot = await events.waitFor((e) => e.event === 'snapshot')
    expect(Number(snapshot.id)).toBe(snapshot.data.rev)
    expect(snapshot.data.instances.map((i: any) => i.id)).toEqual(['acme', 'globex'])
    await events.waitFor((e) => e.event === 'instance' && allStates(e.data, 'connected') && e.data.id === 'acme')
    const revs = events.events.filter((e) => e.event === 'instance').map((e) => Number(e.id))
    expect(revs.length).toBeGreaterThan(0)
    expect([...revs].sort((a, b) => a - b)).toEqual(revs)
    expect(new Set(revs).size).toBe(revs.length)
    expect(revs[0]).toBeGreaterThan(Number(snapshot.id))
  })

  it('replays from Last-Event-ID when it can, and sends a snapshot when it cannot', async () => {
    const { running } = await stack()
    await connected(running, 'acme')
    const first = openEvents(running.url)
    const snap = await first.waitFor((e) => e.event === 'snapshot')
    first.close()
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    const resumed = openEvents(running.url, { 'last-event-id': String(snap.data.rev) })
    cleanups.push(() => resumed.close())
    await resumed.waitFor((e) => e.event === 'instance' && e.data.id === 'acme' && allStates(e.data, 'disabled'))
    expect(resumed.events.some((e) => e.event === 'snapshot')).toBe(false)
    expect(Number(resumed.events[0]?.id)).toBe(snap.data.rev + 1)

    for (const id of ['99999999', 'garbage']) {
      const unknown = openEvents(running.url, { 'last-event-id': id })
      cleanups.push(() => unknown.close())
      expect((await unknown.waitFor(() => true)).event).toBe('snapshot')
    }
  })

  it('replays from a Last-Event-ID taken before a restart of the console', async () => {
    const { running, config } = await stack()
    await connected(running, 'acme')
    const before = openEvents(running.url)
    const snap = await before.waitFor((e) => e.event === 'snapshot')
    before.close()
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    await until('disabled', async () => allStates(await instanceOf(running, 'acme'), 'disabled'))
    await running.stop()
    const again = await testConsole(config)
    cleanups.push(() => again.stop())
    const resumed = openEvents(again.url, { 'last-event-id': String(snap.data.rev) })
    cleanups.push(() => resumed.close())
    await resumed.waitFor((e) => e.event === 'instance' && e.data.id === 'acme' && e.data.optedIn === false)
    expect(resumed.events.some((e) => e.event === 'snapshot')).toBe(false)
    const revs = resumed.events.map((e) => Number(e.id))
    expect(revs[0]).toBe(snap.data.rev + 1)
    expect(revs).toEqual([...revs].sort((a, b) => a - b))
  })

  it('pings, with no id', async () => {
    const connector = await testConnector()
    cleanups.push(() => connector.stop())
    const running = await testConsole(
      testConfig(connector.url, {
        events: { pingIntervalMs: 100, maxClientBacklogBytes: 1024 * 1024, replayChanges: 10_000 },
      }),
    )
    cleanups.push(() => running.stop())
    const events = openEvents(running.url)
    cleanups.push(() => events.close())
    const ping = await events.waitFor((e) => e.event === 'ping')
    expect(ping.id).toBeNull()
    expect(ping.data.at).toMatch(/^\d{4}-\d\d-\d\dT/)
  })
})

describe('secrecy', () => {
  it('never shows a secret or token in the API, the stream, the audit, the metrics or the logs', async () => {
    const { running, connector } = await stack()
    await connected(running, 'acme')
    const events = openEvents(running.url)
    cleanups.push(() => events.close())
    await events.waitFor((e) => e.event === 'snapshot')
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: true })
    await connected(running, 'acme')
    await api(running.url, 'POST', '/api/session', { token: OPERATOR_TOKEN }, {})
    await api(running.url, 'POST', '/api/session', { token: 'a-wrong-guess' }, {})

    const secrets = [OPERATOR_TOKEN, IDENTITY_TOKEN, ADMIN_TOKEN]
    // The per-gateway secrets the connector issued: read them back through provision (same tenant).
    for (const gatewayId of ['gw-acme', 'gw-globex']) {
      const res = await fetch(`${connector.httpUrl}/relay/provision`, {
        method: 'POST',
        headers: { authorization: `Bearer ${IDENTITY_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ gatewayId, platform: 'slack', botId: 'x', gatewayEndpoint: '', routeKeys: [] }),
      })
      secrets.push(((await res.json()) as any).secret)
    }
    const surfaces = [
      JSON.stringify((await api(running.url, 'GET', '/api/instances')).json),
      JSON.stringify((await api(running.url, 'GET', '/api/audit')).json),
      JSON.stringify((await api(running.url, 'GET', '/api/instances/acme/history')).json),
      JSON.stringify(events.events),
      await (await fetch(`${running.url}/metrics`)).text(),
      (running as any).lines.join('\n'),
    ]
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(10)
      for (const surface of surfaces) expect(surface).not.toContain(secret)
    }
    expect((running as any).lines.length).toBeGreaterThan(5)
  })
})

describe('history', () => {
  it('records each platform state change, newest first', async () => {
    const { running } = await stack()
    await connected(running, 'acme')
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    await until('disabled', async () => allStates(await instanceOf(running, 'acme'), 'disabled'))
    const { transitions } = (await api(running.url, 'GET', '/api/instances/acme/history')).json
    expect(transitions[0]).toMatchObject({ to: 'disabled', errorCode: 'relay_disabled' })
    expect(transitions.map((t: any) => t.to)).toEqual(expect.arrayContaining(['connected', 'disabled']))
    const revs = transitions.map((t: any) => t.rev)
    expect([...revs].sort((a: number, b: number) => b - a)).toEqual(revs)
  })
})

describe('metrics', () => {
  it('labels 4401 closes with a fixed set of reasons, however many the connector invents', async () => {
    const connector = await testConnector()
    cleanups.push(() => connector.stop())
    const reasons = ['expired', 'revoked', '', ...Array.from({ length: 6 }, (_, i) => `invented-${i}`)]
    for (const reason of reasons) {
      await admin(connector, 'POST', '/reject-upgrades', { gatewayId: 'gw-globex', count: 1, code: 4401, reason })
    }
    const config = testConfig(connector.url)
    cleanups.push(() => rmSync(config.stateDir, { recursive: true, force: true }))
    const running = await testConsole(config)
    cleanups.push(() => running.stop())
    await connected(running, 'globex')

    const text = await (await fetch(`${running.url}/metrics`)).text()
    const labels = [...text.matchAll(/^relay_console_4401_total\{reason="([^"]*)"\} (\d+)$/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ])
    expect(Object.fromEntries(labels)).toEqual({ expired: 1, revoked: 1, none: 1, other: 6 })
  })
})
