import { rmSync, statSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunningConnector } from './connector'
import { api, dial, IDENTITY, provision, startTestConnector, tempDir, tokenFor, waitFor } from './test-support'

const running: RunningConnector[] = []
async function start(options: Parameters<typeof startTestConnector>[0] = {}) {
  const c = await startTestConnector(options)
  running.push(c)
  return c
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()))
})

const provisionBody = (gatewayId: string, extra: object = {}) => ({
  gatewayId,
  platform: 'discord',
  botId: '1',
  gatewayEndpoint: '',
  routeKeys: [],
  ...extra,
})

describe('POST /relay/provision', () => {
  it('issues a secret once and is idempotent on it for the owning tenant', async () => {
    const c = await start()
    const first = await api(c, 'POST', '/relay/provision', provisionBody('gw-a', { displayName: '  Acme  ' }), IDENTITY)
    expect(first.status).toBe(200)
    expect(first.json).toMatchObject({ tenant: 'default', gatewayId: 'gw-a', routeKeys: [], secretIssued: true })
    expect(first.json.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/)
    const second = await api(c, 'POST', '/relay/provision', provisionBody('gw-a', { platform: 'telegram' }), IDENTITY)
    expect(second.json.secret).toBe(first.json.secret)
    const listed = (await api(c, 'GET', '/admin/instances/gw-a')).json
    expect(listed).toMatchObject({
      displayName: 'Acme',
      secretVersion: 1,
      platforms: [{ platform: 'discord' }, { platform: 'telegram' }],
    })
    expect(JSON.stringify(listed)).not.toContain(first.json.secret)
  })

  it('refuses a bad identity with 401 and another tenant with 403', async () => {
    const c = await start()
    expect((await api(c, 'POST', '/relay/provision', provisionBody('gw-a'), 'idt_wrong')).status).toBe(401)
    expect((await api(c, 'POST', '/relay/provision', provisionBody('gw-a'), null)).status).toBe(401)
    await provision(c, 'gw-a')
    const other = await api(c, 'POST', '/relay/provision', provisionBody('gw-a'), 'idt_other')
    expect(other).toEqual({ status: 403, json: { error: 'gatewayId belongs to another tenant' } })
  })

  it('answers bad bodies with 400 naming the problem, and huge ones with 413', async () => {
    const c = await start()
    const notJson = await api(c, 'POST', '/relay/provision', '{"gatewayId":', IDENTITY)
    expect(notJson).toEqual({ status: 400, json: { error: 'body is not valid JSON' } })
    const missing = await api(c, 'POST', '/relay/provision', { platform: 'discord' }, IDENTITY)
    expect(missing.status).toBe(400)
    expect(missing.json.error).toMatch(/gatewayId/)
    const huge = await api(
      c,
      'POST',
      '/relay/provision',
      provisionBody('gw-a', { displayName: 'x'.repeat(70_000) }),
      IDENTITY,
    )
    expect(huge.status).toBe(413)
  })
})

describe('POST /manage/deprovision', () => {
  it('revokes, closes the live socket 4401 revoked, and refuses every later upgrade', async () => {
    const c = await start()
    const secret = await provision(c, 'gw-a')
    const peer = dial(c.url, tokenFor('gw-a', secret))
    await peer.opened
    peer.send({ type: 'hello', platform: 'discord', botId: '1' })
    await peer.next('descriptor')

    // Any id in the body is ignored: the token names the instance.
    const res = await api(c, 'POST', '/manage/deprovision', { gatewayId: 'gw-other' }, tokenFor('gw-a', secret))
    expect(res).toEqual({ status: 200, json: { gatewayId: 'gw-a', revoked: true, alreadyRevoked: false } })
    expect(await peer.closed).toEqual({ code: 4401, reason: 'revoked' })
    expect(await dial(c.url, tokenFor('gw-a', secret)).closed).toEqual({ code: 4401, reason: 'revoked' })
    const again = await api(c, 'POST', '/manage/deprovision', {}, tokenFor('gw-a', secret))
    expect(again.json).toMatchObject({ revoked: true, alreadyRevoked: true })
  })

  it('refuses a token that does not authenticate', async () => {
    const c = await start()
    await provision(c, 'gw-a')
    expect((await api(c, 'POST', '/manage/deprovision', {}, tokenFor('gw-a', 'wrong'))).status).toBe(401)
    expect((await api(c, 'POST', '/manage/deprovision', {}, null)).status).toBe(401)
  })

  it('provision after a deprovision issues a NEW secret; the old one stays refused', async () => {
    const c = await start()
    const old = await provision(c, 'gw-a')
    await api(c, 'POST', '/manage/deprovision', {}, tokenFor('gw-a', old))
    const fresh = await provision(c, 'gw-a')
    expect(fresh).not.toBe(old)
    expect((await api(c, 'GET', '/admin/instances/gw-a')).json).toMatchObject({ revoked: false, secretVersion: 2 })
    expect(await dial(c.url, tokenFor('gw-a', old)).closed).toEqual({ code: 4401, reason: 'unauthorized' })
    const peer = dial(c.url, tokenFor('gw-a', fresh))
    await peer.opened
    peer.send({ type: 'hello', platform: 'discord', botId: '1' })
    await peer.next('descriptor')
    peer.ws.close()
  })
})

describe('POST /relay/enroll and rotation', () => {
  it('enrolls with a single-use token and keeps a two-deep verify window across rotations', async () => {
    const c = await start()
    const mint = async () =>
      (await api(c, 'POST', '/admin/enrollment-tokens', { tenant: 'default' })).json.token as string
    const enroll = (token: string, identity = IDENTITY) =>
      api(c, 'POST', '/relay/enroll', { enrollmentToken: token, gatewayId: 'gw-e' }, identity)

    const t1 = await mint()
    const first = await enroll(t1)
    expect(first.status).toBe(200)
    expect(Object.keys(first.json).sort()).toEqual(['deliveryKey', 'gatewayId', 'secret', 'tenant'])
    expect(await enroll(t1)).toEqual({ status: 403, json: { error: 'enrollment token used' } })

    const second = (await enroll(await mint())).json.secret as string
    const third = (await enroll(await mint())).json.secret as string
    const opens = async (secret: string) => {
      const peer = dial(c.url, tokenFor('gw-e', secret))
      await peer.opened
      peer.send({ type: 'hello', platform: 'discord', botId: '1' })
      const outcome = await Promise.race([
        peer.next('descriptor').then(() => 'open'),
        peer.closed.then((x) => x.reason),
      ])
      peer.ws.close()
      return outcome
    }
    expect(await opens(third)).toBe('open')
    expect(await opens(second)).toBe('open')
    expect(await opens(first.json.secret)).toBe('unauthorized')
  })

  it('refuses a bad identity with 401 and an unknown or foreign enrollment token with 403', async () => {
    const c = await start()
    const token = (await api(c, 'POST', '/admin/enrollment-tokens', { tenant: 'default' })).json.token
    expect((await api(c, 'POST', '/relay/enroll', { enrollmentToken: token, gatewayId: 'g' }, 'nope')).status).toBe(401)
    expect((await api(c, 'POST', '/relay/enroll', { enrollmentToken: 'enr_x', gatewayId: 'g' }, IDENTITY)).status).toBe(
      403,
    )
    expect(
      (await api(c, 'POST', '/relay/enroll', { enrollmentToken: token, gatewayId: 'g' }, 'idt_other')).json,
    ).toEqual({
      error: 'enrollment token tenant mismatch',
    })
  })
})

describe('throttling of failed upgrades', () => {
  it('answers 429 once a gateway has failed too often in the window, and lets a good one through', async () => {
    const c = await start({ throttle: { maxFailures: 3, windowMs: 60_000 } })
    const secret = await provision(c, 'gw-a')
    for (let i = 0; i < 3; i++) expect((await dial(c.url, tokenFor('gw-a', 'wrong')).closed).code).toBe(4401)
    expect(await dial(c.url, tokenFor('gw-a', 'wrong')).refused).toBe(429)
    expect(await dial(c.url, tokenFor('gw-a', secret)).refused).toBe(429)
    const secretB = await provision(c, 'gw-b')
    const other = dial(c.url, tokenFor('gw-b', secretB))
    await other.opened
    other.ws.close()
    expect((await api(c, 'GET', '/admin/instances/gw-a')).json.upgrades).toMatchObject({ rejected: 3, throttled: 2 })
  })
})

describe('restart persistence', () => {
  it('keeps gateways, secrets and revocations across a restart, in an owner-only file', async () => {
    const dataDir = tempDir()
    try {
      const first = await startTestConnector({ dataDir })
      const kept = await provision(first, 'gw-kept')
      const gone = await provision(first, 'gw-gone')
      await api(first, 'POST', '/manage/deprovision', {}, tokenFor('gw-gone', gone))
      await first.stop()
      expect(statSync(join(dataDir, 'connector.db')).mode & 0o777).toBe(0o600)

      const second = await start({ dataDir, port: 0 })
      const peer = dial(second.url, tokenFor('gw-kept', kept))
      await peer.opened
      peer.send({ type: 'hello', platform: 'discord', botId: '1' })
      await peer.next('descriptor')
      peer.ws.close()
      expect(await dial(second.url, tokenFor('gw-gone', gone)).closed).toEqual({ code: 4401, reason: 'revoked' })
      expect(await provision(second, 'gw-kept')).toBe(kept)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('the admin API', () => {
  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address

  it.runIf(lanAddress !== undefined)('answers loopback callers only', async () => {
    const c = await start({ host: '0.0.0.0' })
    const res = await fetch(`http://${lanAddress}:${c.port}/admin/instances`, {
      headers: { authorization: `Bearer ${c.adminToken}` },
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error: 'the admin API answers loopback callers only' })
  })

  it('wants the admin token', async () => {
    const c = await start()
    expect((await api(c, 'GET', '/admin/instances', undefined, null)).status).toBe(401)
    expect((await api(c, 'GET', '/admin/instances', undefined, 'adm_wrong')).status).toBe(401)
    expect((await api(c, 'GET', '/admin/instances/nobody')).status).toBe(404)
  })

  it('seeds an instance with a chosen secret and lists connection state and upgrade counts', async () => {
    const c = await start()
    const seeded = await api(c, 'POST', '/admin/instances', {
      gatewayId: 'gw-s',
      secret: 'chosen',
      displayName: 'Seeded',
      platforms: [{ platform: 'discord', botId: '9' }],
    })
    expect(seeded.status).toBe(201)
    const peer = dial(c.url, tokenFor('gw-s', 'chosen'))
    await peer.opened
    peer.send({ type: 'hello', platform: 'discord', botId: '9' })
    await peer.next('descriptor')
    const listed = (await api(c, 'GET', '/admin/instances')).json.instances
    expect(listed).toEqual([
      expect.objectContaining({
        gatewayId: 'gw-s',
        connected: true,
        connections: 1,
        hellos: ['discord'],
        upgrades: expect.objectContaining({ total: 1, accepted: 1, rejected: 0 }),
      }),
    ])
    peer.ws.close()
  })

  it('closes an instance socket with a chosen code and reason', async () => {
    const c = await start()
    const secret = await provision(c, 'gw-a')
    const peer = dial(c.url, tokenFor('gw-a', secret))
    await peer.opened
    expect((await api(c, 'POST', '/admin/instances/gw-a/close', { code: 1011, reason: 'overloaded' })).json).toEqual({
      closed: 1,
    })
    expect(await peer.closed).toEqual({ code: 1011, reason: 'overloaded' })
    for (const code of [99, 1004, 1005, 1015, 2000, 5000]) {
      const refused = await api(c, 'POST', '/admin/instances/gw-a/close', { code })
      expect(refused.status, `code ${code}`).toBe(400)
      expect(refused.json.error).toMatch(/code/)
    }
  })

  it('drops a socket without a close frame for 1006, as a broken network would', async () => {
    const c = await start()
    const secret = await provision(c, 'gw-a')
    const peer = dial(c.url, tokenFor('gw-a', secret))
    await peer.opened
    expect((await api(c, 'POST', '/admin/close-many', { gatewayIds: ['gw-a'], code: 1006 })).json.closed).toBe(1)
    // ws reports 1006 only when no close frame arrived.
    expect(await peer.closed).toEqual({ code: 1006, reason: '' })
    await waitFor(async () =>
      (await api(c, 'GET', '/admin/instances/gw-a')).json.connections === 0 ? true : undefined,
    )
  })

  it('counts the most sockets a gateway ever had open at once: 1, since a newer one supersedes the older', async () => {
    const c = await start()
    const secret = await provision(c, 'gw-a')
    const peak = async () => (await api(c, 'GET', '/admin/instances/gw-a')).json.peakConnections
    expect(await peak()).toBe(0)
    const first = dial(c.url, tokenFor('gw-a', secret))
    await first.opened
    first.ws.close()
    await first.closed
    const second = dial(c.url, tokenFor('gw-a', secret))
    await second.opened
    expect(await peak()).toBe(1)
    const third = dial(c.url, tokenFor('gw-a', secret))
    await third.opened
    // The older is closed 4409 before the newer counts as open: two never overlap.
    expect(await second.closed).toEqual({ code: 4409, reason: 'superseded' })
    expect((await api(c, 'GET', '/admin/instances/gw-a')).json).toMatchObject({
      connections: 1,
      peakConnections: 1,
      supersededTotal: 1,
    })
    third.ws.close()
  })

  it('rejects the next N upgrades with a chosen code or HTTP status, then accepts again', async () => {
    const c = await start()
    const secret = await provision(c, 'gw-a')
    await api(c, 'POST', '/admin/reject-upgrades', { gatewayId: 'gw-a', count: 2, code: 4401, reason: 'unauthorized' })
    expect(await dial(c.url, tokenFor('gw-a', secret)).closed).toEqual({ code: 4401, reason: 'unauthorized' })
    expect(await dial(c.url, tokenFor('gw-a', secret)).closed).toEqual({ code: 4401, reason: 'unauthorized' })
    const ok = dial(c.url, tokenFor('gw-a', secret))
    await ok.opened
    ok.ws.close()

    await api(c, 'POST', '/admin/reject-upgrades', { count: 1, httpStatus: 401 })
    expect(await dial(c.url, tokenFor('gw-a', secret)).refused).toBe(401)

    await api(c, 'POST', '/admin/reject-upgrades', { gatewayId: 'gw-a', count: 100 })
    await api(c, 'POST', '/admin/reject-upgrades/clear', { gatewayId: 'gw-a' })
    const again = dial(c.url, tokenFor('gw-a', secret))
    await again.opened
    again.ws.close()
    expect((await api(c, 'GET', '/admin/instances/gw-a')).json.upgrades).toMatchObject({
      total: 5,
      accepted: 2,
      rejected: 3,
    })
  })

  it('drops every socket, and pauses and resumes accepting', async () => {
    const c = await start()
    const a = await provision(c, 'gw-a')
    const b = await provision(c, 'gw-b')
    const peers = [dial(c.url, tokenFor('gw-a', a)), dial(c.url, tokenFor('gw-b', b))]
    await Promise.all(peers.map((p) => p.opened))
    expect((await api(c, 'POST', '/admin/drop-all', { code: 1012, reason: 'restart' })).json).toEqual({ closed: 2 })
    for (const p of peers) expect(await p.closed).toEqual({ code: 1012, reason: 'restart' })

    await api(c, 'POST', '/admin/pause')
    expect(await dial(c.url, tokenFor('gw-a', a)).refused).toBe(503)
    await api(c, 'POST', '/admin/resume')
    const back = dial(c.url, tokenFor('gw-a', a))
    await back.opened
    back.ws.close()
  })

  it('turns demo traffic on and off', async () => {
    const c = await start()
    const secret = await provision(c, 'gw-a')
    const peer = dial(c.url, tokenFor('gw-a', secret))
    await peer.opened
    peer.send({ type: 'hello', platform: 'discord', botId: '1' })
    await peer.next('descriptor')
    expect((await api(c, 'POST', '/admin/demo-traffic', { enabled: true, intervalMs: 20 })).json).toEqual({
      enabled: true,
      intervalMs: 20,
    })
    const inbound = await peer.next('inbound')
    expect(inbound.bufferId).toMatch(/^buf-/)
    expect(inbound.event.source.platform).toBe('discord')
    await api(c, 'POST', '/admin/demo-traffic', { enabled: false })
    expect((await api(c, 'GET', '/admin/status')).json.demoTraffic.enabled).toBe(false)
    peer.ws.close()
  })
})

describe('injected session faults', () => {
  it('can leave hellos unanswered, answer late, or answer with a chosen (invalid) descriptor, then stop', async () => {
    const c = await start()
    const secret = await provision(c, 'gw-f')
    expect(
      (await api(c, 'PUT', '/admin/instances/gw-f/faults', { descriptors: { discord: { contract_version: 'one' } } }))
        .json,
    ).toEqual({ silentHellos: false, descriptors: { discord: { contract_version: 'one' } }, helloDelayMs: 0 })
    const odd = dial(c.url, tokenFor('gw-f', secret))
    await odd.opened
    odd.send({ type: 'hello', platform: 'discord', botId: '1' })
    expect((await odd.next('descriptor')).descriptor).toEqual({ contract_version: 'one' })
    odd.ws.close()

    await api(c, 'PUT', '/admin/instances/gw-f/faults', { silentHellos: true })
    const silent = dial(c.url, tokenFor('gw-f', secret))
    await silent.opened
    silent.send({ type: 'hello', platform: 'discord', botId: '1' })
    await expect(silent.next('descriptor', 200)).rejects.toThrow(/no descriptor/)
    silent.ws.close()

    await api(c, 'PUT', '/admin/instances/gw-f/faults', { helloDelayMs: 300 })
    const slow = dial(c.url, tokenFor('gw-f', secret))
    await slow.opened
    const asked = Date.now()
    slow.send({ type: 'hello', platform: 'discord', botId: '1' })
    await slow.next('descriptor')
    expect(Date.now() - asked).toBeGreaterThanOrEqual(250)
    slow.ws.close()

    await api(c, 'DELETE', '/admin/instances/gw-f/faults')
    const healed = dial(c.url, tokenFor('gw-f', secret))
    await healed.opened
    healed.send({ type: 'hello', platform: 'discord', botId: '1' })
    expect((await healed.next('descriptor')).descriptor.label).toBe('Discord')
    healed.ws.close()
  })
})

describe('bulk admin routes', () => {
  it('seeds many gateways at once, closes many sockets at once, and logs accepted upgrades', async () => {
    const c = await start()
    const since = Date.now()
    const instances = Array.from({ length: 3 }, (_, i) => ({
      gatewayId: `gw-bulk-${i}`,
      secret: `secret-${i}`,
      platforms: [{ platform: 'discord', botId: `${i}` }],
    }))
    expect((await api(c, 'POST', '/admin/instances/bulk', { instances })).json).toEqual({ seeded: 3 })
    const peers = instances.map((i) => dial(c.url, tokenFor(i.gatewayId, i.secret)))
    await Promise.all(peers.map((p) => p.opened))
    const closed = await api(c, 'POST', '/admin/close-many', { gatewayIds: ['gw-bulk-0', 'gw-bulk-2'], code: 1011 })
    expect(closed.json.closed).toBe(2)
    expect(closed.json.at).toBeGreaterThanOrEqual(since)
    expect((await peers[0]?.closed)?.code).toBe(1011)
    const log = (await api(c, 'GET', `/admin/upgrade-log?since=${since}`)).json.accepted
    expect(log).toHaveLength(3)
    peers[1]?.ws.close()
  })

  it('still refuses big bodies outside the admin API', async () => {
    const c = await start()
    const res = await api(c, 'POST', '/relay/provision', { gatewayId: 'x'.repeat(70_000) }, IDENTITY)
    expect(res.status).toBe(413)
  })
})
