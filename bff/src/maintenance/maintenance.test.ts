/**
 * Maintenance windows end to end: the real console and connector over real sockets, through
 * `/api/maintenance` (docs/api.md, "Maintenance windows").
 */
import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { RuntimeConfig } from '../config/load'
import { startReceiver } from '../notify/test-receiver'
import type { RunningConsole } from '../service'
import { allStates, api, TEST_INSTANCES, testConfig, testConnector, testConsole, until } from '../test-support'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const instanceOf = async (running: RunningConsole, id: string) =>
  (await api(running.url, 'GET', '/api/instances')).json.instances.find((i: any) => i.id === id)

async function stack(overrides: Partial<RuntimeConfig> = {}) {
  const connector = await testConnector()
  cleanups.push(() => connector.stop())
  const config = testConfig(connector.url, overrides)
  cleanups.push(() => rmSync(config.stateDir, { recursive: true, force: true }))
  let running = await testConsole(config)
  cleanups.push(() => running.stop())
  const connected = (id: string) =>
    until(`${id} connected`, async () => allStates(await instanceOf(running, id), 'connected'), 10_000)
  await connected('acme')
  await connected('globex')
  return {
    connector,
    config,
    get running() {
      return running
    },
    connected,
    async restart(whileDown: () => Promise<void> = async () => {}) {
      await running.stop()
      await whileDown()
      running = await testConsole(config)
    },
  }
}

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString()

describe('maintenance windows over HTTP', () => {
  it('opts the instances out for the window, says until when, and opts them back in, with nothing notified', async () => {
    const hooks = await startReceiver()
    cleanups.push(() => hooks.close())
    const s = await stack({
      notifications: {
        webhooks: [
          {
            name: 'ops',
            url: hooks.url,
            secret: 'whsec_0123456789abcdef',
            events: ['instance.disabled', 'instance.recovered'],
            format: 'json',
          },
        ],
        flappingWindowMs: 0,
        timeoutMs: 1000,
        retryForMs: 86_400_000,
      },
    })
    const endsAt = inSeconds(3)
    const created = await api(s.running.url, 'POST', '/api/maintenance', {
      name: 'db upgrade',
      ids: ['acme'],
      startsAt: new Date().toISOString(),
      endsAt,
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ name: 'db upgrade', state: 'active', optedOut: ['acme'], createdBy: 'admin' })
    const out = await until('acme disabled', async () => {
      const acme = await instanceOf(s.running, 'acme')
      return allStates(acme, 'disabled') && acme.pending === null ? acme : undefined
    })
    expect(out.disabledBy).toEqual({
      source: 'maintenance',
      actor: 'maintenance:db upgrade',
      until: created.json.endsAt,
    })
    expect(allStates(await instanceOf(s.running, 'globex'), 'connected')).toBe(true)
    await s.connected('acme')
    expect((await instanceOf(s.running, 'acme')).disabledBy ?? null).toBeNull()
    const listed = (await api(s.running.url, 'GET', '/api/maintenance')).json.windows
    expect(listed).toMatchObject([{ id: created.json.id, state: 'ended' }])
    const audit = (await api(s.running.url, 'GET', '/api/audit?instanceId=acme')).json.entries
    expect(audit.map((e: any) => `${e.actor} ${e.action} ${e.result}`)).toEqual([
      'maintenance:db upgrade opt_in ok',
      'maintenance:db upgrade opt_out ok',
      // Provisioned at the console's first start.
      'console opt_in ok',
    ])
    // Planned work is not an incident.
    expect(hooks.received).toEqual([])
  })

  it('ends at start-up a window whose end passed while the console was down', async () => {
    const s = await stack({ instances: TEST_INSTANCES.map((i) => ({ ...i, labels: { tenant: i.id } })) })
    const created = await api(s.running.url, 'POST', '/api/maintenance', {
      name: 'overnight',
      selector: { tenant: 'globex' },
      startsAt: new Date().toISOString(),
      endsAt: inSeconds(2),
    })
    expect(created.status).toBe(201)
    await until(
      'globex disabled',
      async () => allStates(await instanceOf(s.running, 'globex'), 'disabled') || undefined,
    )
    await s.restart(() => new Promise((resolve) => setTimeout(resolve, 2500)))
    await s.connected('globex')
    expect((await api(s.running.url, 'GET', '/api/maintenance')).json.windows[0]).toMatchObject({ state: 'ended' })
  })

  it('refuses a body it cannot carry out, naming what is wrong, and ends a window early', async () => {
    const s = await stack()
    const post = (body: unknown) => api(s.running.url, 'POST', '/api/maintenance', body)
    const now = new Date().toISOString()
    expect((await post({ name: 'x', startsAt: now, endsAt: inSeconds(60) })).json.error.message).toMatch(
      /exactly one of ids or selector/,
    )
    expect((await post({ name: 'x', ids: ['acme'], startsAt: inSeconds(60), endsAt: now })).json.error.message).toMatch(
      /endsAt/,
    )
    const unknown = await post({ name: 'x', ids: ['acme', 'nobody'], startsAt: now, endsAt: inSeconds(60) })
    expect(unknown.status).toBe(400)
    expect(unknown.json.error).toMatchObject({ code: 'unknown_instance' })
    expect(unknown.json.error.message).toContain('nobody')
    expect((await api(s.running.url, 'GET', '/api/maintenance')).json.windows).toEqual([])

    const later = await post({ name: 'later', ids: ['acme'], startsAt: inSeconds(600), endsAt: inSeconds(700) })
    expect((await api(s.running.url, 'DELETE', `/api/maintenance/${later.json.id}`)).json.state).toBe('cancelled')
    const long = await post({ name: 'long', ids: ['globex'], startsAt: now, endsAt: inSeconds(3600) })
    await until(
      'globex disabled',
      async () => allStates(await instanceOf(s.running, 'globex'), 'disabled') || undefined,
    )
    expect((await api(s.running.url, 'DELETE', `/api/maintenance/${long.json.id}`)).json.state).toBe('ended')
    await s.connected('globex')
    expect((await api(s.running.url, 'DELETE', '/api/maintenance/nope')).status).toBe(404)
  })

  it('leaves an instance an operator opted out during the window opted out at its end', async () => {
    const s = await stack()
    await api(s.running.url, 'POST', '/api/maintenance', {
      name: 'short',
      ids: ['acme', 'globex'],
      startsAt: new Date().toISOString(),
      endsAt: inSeconds(3),
    })
    await until('both out', async () => {
      const [a, g] = [await instanceOf(s.running, 'acme'), await instanceOf(s.running, 'globex')]
      return allStates(a, 'disabled') && allStates(g, 'disabled') && a.pending === null && g.pending === null
    })
    // An operator takes globex over: in, then out again, theirs now.
    await api(s.running.url, 'PUT', '/api/instances/globex/relay', { optedIn: true })
    await api(s.running.url, 'PUT', '/api/instances/globex/relay', { optedIn: false })
    await s.connected('acme')
    const globex = await instanceOf(s.running, 'globex')
    expect(globex).toMatchObject({ optedIn: false, disabledBy: { source: 'operator', actor: 'admin' } })
  })
})
