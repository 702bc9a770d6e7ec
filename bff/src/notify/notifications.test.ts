/**
 * Webhook notifications end to end: the real console and connector, and real HTTP receivers on
 * 127.0.0.1 that check every signature (docs/notifications.md).
 */
import type { RunningConnector } from '@relay-console/connector'
import { NOTIFICATION_EVENTS } from '@relay-console/shared/fleet-ops'
import { afterEach, describe, expect, it } from 'vitest'
import type { ResolvedNotifications, ResolvedWebhook, RuntimeConfig } from '../config/load'
import type { RunningConsole } from '../service'
import { admin, allStates, api, FAST_RELAY, testConfig, testConnector, testConsole, until } from '../test-support'
import { startReceiver, type TestReceiver, verifySignature } from './test-receiver'

const SECRET = 'whsec_test_0123456789abcdef'
const ALL_EVENTS = [...NOTIFICATION_EVENTS]

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const webhook = (name: string, receiver: TestReceiver, extra: Partial<ResolvedWebhook> = {}): ResolvedWebhook => ({
  name,
  url: `${receiver.url}/hook/${name}`,
  secret: SECRET,
  events: ALL_EVENTS,
  format: 'json',
  ...extra,
})

async function receiver(): Promise<TestReceiver> {
  const r = await startReceiver()
  cleanups.push(() => r.close().catch(() => {}))
  return r
}

async function stack(
  notifications: Partial<ResolvedNotifications> & { webhooks: ResolvedWebhook[] },
  config: Partial<RuntimeConfig> = {},
): Promise<{ connector: RunningConnector; running: RunningConsole }> {
  const connector = await testConnector()
  cleanups.push(() => connector.stop())
  const running = await testConsole(
    testConfig(connector.url, {
      notifications: { flappingWindowMs: 0, timeoutMs: 1000, retryForMs: 86_400_000, ...notifications },
      ...config,
    }),
    { webhookFirstRetryMs: 200 },
  )
  cleanups.push(() => running.stop())
  for (const id of ['acme', 'globex']) {
    await until(`${id} connected`, async () =>
      allStates(
        (await api(running.url, 'GET', '/api/instances')).json.instances.find((i: any) => i.id === id),
        'connected',
      ),
    )
  }
  return { connector, running }
}

const deliveries = async (running: RunningConsole) =>
  (await api(running.url, 'GET', '/api/notifications/deliveries')).json.deliveries as any[]

describe('webhook notifications', () => {
  it('signs a versioned JSON event for an opt-out, and lists it delivered without the URL or the secret', async () => {
    const ops = await receiver()
    const { running } = await stack({ webhooks: [webhook('ops', ops)] })
    const before = Date.now()
    expect((await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })).status).toBe(200)
    const [got] = await ops.waitFor(1)
    expect(verifySignature(got?.raw ?? '', got?.headers['x-relay-console-signature'] as string, SECRET)).toBe(true)
    expect(verifySignature(got?.raw ?? '', got?.headers['x-relay-console-signature'] as string, `${SECRET}x`)).toBe(
      false,
    )
    expect(got?.path).toBe('/hook/ops')
    expect(got?.body).toMatchObject({
      version: 1,
      type: 'instance.disabled',
      attempt: 1,
      instance: { id: 'acme', displayName: 'Acme support', gatewayId: 'gw-acme' },
      actor: 'admin',
      platform: null,
    })
    expect(got?.body.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(Date.parse(got?.body.sentAt)).toBeGreaterThanOrEqual(before - 1000)
    const log = await until('delivered', async () => {
      const [d] = await deliveries(running)
      return d?.state === 'delivered' ? d : undefined
    })
    expect(log).toMatchObject({
      eventId: got?.body.id,
      event: 'instance.disabled',
      webhook: 'ops',
      attempts: 1,
      lastStatus: 200,
    })
    const text = JSON.stringify(await deliveries(running))
    expect(text).not.toContain(ops.url)
    expect(text).not.toContain(SECRET)
    const metrics = await (await fetch(`${running.url}/metrics`)).text()
    expect(metrics).toContain('relay_console_webhook_tries_total{outcome="delivered"} 1')
  })

  it('sends a Slack-shaped message, signed the same way, and a test event on request', async () => {
    const slack = await receiver()
    const { running } = await stack({
      webhooks: [webhook('chat', slack, { format: 'slack', events: ['instance.disabled'] })],
    })
    await api(running.url, 'PUT', '/api/instances/globex/relay', { optedIn: false })
    const [got] = await slack.waitFor(1)
    expect(verifySignature(got?.raw ?? '', got?.headers['x-relay-console-signature'] as string, SECRET)).toBe(true)
    expect(got?.body.text).toBe('Globex helpdesk (globex) opted out of the relay by admin')
    expect(JSON.stringify(got?.body.blocks)).toContain('instance.disabled')
    const sent = await api(running.url, 'POST', '/api/notifications/test', {})
    expect(sent.status).toBe(202)
    expect(sent.json.webhooks).toEqual(['chat'])
    const [, test] = await slack.waitFor(2)
    expect(test?.body.text).toBe('Test event from Relay Console')
    expect((await api(running.url, 'POST', '/api/notifications/test', { webhook: 'nope' })).json.error.code).toBe(
      'unknown_webhook',
    )
  })

  it('sends a lasting failure after the flapping window, and its recovery', async () => {
    const ops = await receiver()
    const { connector } = await stack(
      { webhooks: [webhook('ops', ops)], flappingWindowMs: 300 },
      { relay: { ...FAST_RELAY, attentionAfterMs: 200 } },
    )
    await admin(connector, 'POST', '/reject-upgrades', { gatewayId: 'gw-acme', count: 10_000, httpStatus: 503 })
    await admin(connector, 'POST', '/instances/gw-acme/close', { code: 1011, reason: 'test' })
    await ops.waitFor(2)
    expect(ops.received.map((r) => [r.body.type, r.body.platform.platform]).sort()).toEqual([
      ['instance.needs_attention', 'discord'],
      ['instance.needs_attention', 'telegram'],
    ])
    await admin(connector, 'POST', '/reject-upgrades/clear', { gatewayId: 'gw-acme' })
    await ops.waitFor(4)
    expect(ops.received.slice(2).map((r) => r.body.type)).toEqual(['instance.recovered', 'instance.recovered'])
    for (const r of ops.received)
      expect(verifySignature(r.raw, r.headers['x-relay-console-signature'] as string, SECRET)).toBe(true)
  })

  it('sends nothing for a failure that recovers within the flapping window', async () => {
    const ops = await receiver()
    const { connector, running } = await stack(
      { webhooks: [webhook('ops', ops)], flappingWindowMs: 30_000 },
      { relay: { ...FAST_RELAY, attentionAfterMs: 100 } },
    )
    await admin(connector, 'POST', '/reject-upgrades', { gatewayId: 'gw-acme', count: 10_000, httpStatus: 503 })
    await admin(connector, 'POST', '/instances/gw-acme/close', { code: 1011, reason: 'test' })
    await until('failures written', async () => (await deliveries(running)).length === 2 || undefined)
    await admin(connector, 'POST', '/reject-upgrades/clear', { gatewayId: 'gw-acme' })
    const log = await until('recoveries written', async () => {
      const all = await deliveries(running)
      return all.length === 4 ? all : undefined
    })
    expect(log.map((d) => [d.event, d.state]).sort()).toEqual([
      ['instance.needs_attention', 'debounced'],
      ['instance.needs_attention', 'debounced'],
      ['instance.recovered', 'debounced'],
      ['instance.recovered', 'debounced'],
    ])
    expect(ops.received).toEqual([])
  })

  it('keeps trying a receiver that is down, and delivers once it is back', async () => {
    const ops = await receiver()
    const { running } = await stack({ webhooks: [webhook('ops', ops)] })
    await ops.close()
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    const failing = await until(
      'tried twice',
      async () => {
        const [d] = await deliveries(running)
        return d?.attempts >= 2 ? d : undefined
      },
      10_000,
    )
    expect(failing).toMatchObject({ state: 'pending', lastStatus: null })
    expect(failing.lastError).toMatch(/could not reach the webhook/)
    expect(failing.nextAttemptAt).not.toBeNull()
    await ops.reopen()
    const [got] = await ops.waitFor(1)
    expect(got?.body.attempt).toBeGreaterThanOrEqual(3)
    await until('delivered', async () => (await deliveries(running))[0]?.state === 'delivered' || undefined)
    expect(ops.received).toHaveLength(1)
  })

  it('is not held up by a receiver that hangs, answers hugely, or redirects', async () => {
    const slow = await receiver()
    slow.answer = { hang: true }
    const huge = await receiver()
    huge.answer = { huge: 50 * 1024 * 1024 }
    const moved = await receiver()
    moved.answer = { redirect: 'http://127.0.0.1:9/elsewhere' }
    const fast = await receiver()
    const { running } = await stack({
      webhooks: [webhook('slow', slow), webhook('huge', huge), webhook('moved', moved), webhook('fast', fast)],
    })
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    await fast.waitFor(1)
    // The hanging receiver has the request, and still no answer has come from it.
    await slow.waitFor(1)
    const byWebhook = async () => new Map((await deliveries(running)).map((d) => [d.webhook, d]))
    expect((await byWebhook()).get('slow')).toMatchObject({ state: 'pending', attempts: 1, lastError: null })
    const settled = await until(
      'every webhook tried',
      async () => {
        const all = await byWebhook()
        return all.get('slow')?.lastError != null &&
          all.get('huge')?.state !== 'pending' &&
          all.get('moved')?.state !== 'pending'
          ? all
          : undefined
      },
      10_000,
    )
    expect(settled.get('slow')).toMatchObject({ state: 'pending', lastError: 'no answer within 1 s' })
    expect(settled.get('huge')).toMatchObject({ state: 'delivered', lastStatus: 200 })
    expect(settled.get('moved')).toMatchObject({ state: 'failed', lastStatus: 307 })
    expect(settled.get('moved').lastError).toMatch(/redirects are not followed/)
    expect(moved.received).toHaveLength(1)
  })

  it('takes webhooks added by a reload of the config, without a restart', async () => {
    const ops = await receiver()
    const connector = await testConnector()
    cleanups.push(() => connector.stop())
    const config = testConfig(connector.url)
    const running = await testConsole(config)
    cleanups.push(() => running.stop())
    const summary = await running.reload({
      ...config,
      notifications: { webhooks: [webhook('ops', ops)], flappingWindowMs: 0, timeoutMs: 1000, retryForMs: 86_400_000 },
    })
    // Notifications are reloaded: not a field that needs a restart.
    expect(summary.restartNeeded).toEqual([])
    expect((await api(running.url, 'GET', '/api/notifications')).json.webhooks).toEqual([
      { name: 'ops', format: 'json', events: [...NOTIFICATION_EVENTS] },
    ])
    await until('acme connected', async () =>
      allStates(
        (await api(running.url, 'GET', '/api/instances')).json.instances.find((i: any) => i.id === 'acme'),
        'connected',
      ),
    )
    await api(running.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    const [got] = await ops.waitFor(1)
    expect(got?.body).toMatchObject({ type: 'instance.disabled', instance: { id: 'acme' } })
  })

  it('sends one connector.unreachable for an outage of every socket, and its recovery', async () => {
    const ops = await receiver()
    const { connector } = await stack(
      { webhooks: [webhook('ops', ops)], flappingWindowMs: 2000 },
      { relay: { ...FAST_RELAY, attentionAfterMs: 100 } },
    )
    await admin(connector, 'POST', '/reject-upgrades', { count: 100_000, httpStatus: 503 })
    await admin(connector, 'POST', '/drop-all', { code: 1012, reason: 'restart' })
    const [down] = await ops.waitFor(1)
    expect(down?.body).toMatchObject({
      type: 'connector.unreachable',
      instance: null,
      connector: { failing: 2, of: 2 },
    })
    await admin(connector, 'POST', '/reject-upgrades/clear', {})
    const [, up] = await ops.waitFor(2)
    expect(up?.body.type).toBe('connector.recovered')
    // The instances' own failures were folded into the outage, not sent one by one.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    expect(ops.received.map((r) => r.body.type)).toEqual(['connector.unreachable', 'connector.recovered'])
  })
})
