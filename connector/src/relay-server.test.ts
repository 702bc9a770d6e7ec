import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningConnector } from './connector'
import { api, dial, type Peer, provision, startTestConnector, tokenFor, waitFor } from './test-support'

let connector: RunningConnector
beforeEach(async () => {
  connector = await startTestConnector()
})
afterEach(async () => {
  await connector.stop()
})

describe('the /relay upgrade — every row of the close-code table', () => {
  it('accepts a valid token and answers each hello with a descriptor, in order', async () => {
    const secret = await provision(connector, 'gw-a')
    const peer = dial(connector.url, tokenFor('gw-a', secret))
    await peer.opened
    peer.send({ type: 'hello', platform: 'discord', botId: '1' })
    peer.send({ type: 'hello', platform: 'telegram', botId: 'bot' })
    const first = await peer.next('descriptor')
    const second = await peer.next('descriptor')
    expect(first.descriptor).toMatchObject({
      contract_version: 1,
      platform: 'discord',
      label: 'Discord',
      max_message_length: 2000,
    })
    expect(second.descriptor).toMatchObject({ platform: 'telegram', label: 'Telegram' })
    peer.ws.close()
  })

  it.each([
    ['no Authorization header', null],
    ['a garbage token', 'not-a-token'],
  ])('accepts then closes 4401 unauthorized for %s', async (_name, token) => {
    const peer = dial(connector.url, token)
    await peer.opened
    expect(await peer.closed).toEqual({ code: 4401, reason: 'unauthorized' })
  })

  it('closes 4401 unauthorized for a wrong secret and for an unknown gatewayId', async () => {
    await provision(connector, 'gw-a')
    expect(await dial(connector.url, tokenFor('gw-a', 'wrong-secret')).closed).toEqual({
      code: 4401,
      reason: 'unauthorized',
    })
    expect(await dial(connector.url, tokenFor('gw-nobody', 'x')).closed).toEqual({ code: 4401, reason: 'unauthorized' })
  })

  it('closes 4401 expired for a valid token past exp + skew', async () => {
    const secret = await provision(connector, 'gw-a')
    const old = tokenFor('gw-a', secret, Date.now() - 400_000)
    expect(await dial(connector.url, old).closed).toEqual({ code: 4401, reason: 'expired' })
  })

  it('closes 4401 revoked for a revoked gateway', async () => {
    const secret = await provision(connector, 'gw-a')
    await api(connector, 'POST', '/admin/instances/gw-a/revoke')
    expect(await dial(connector.url, tokenFor('gw-a', secret)).closed).toEqual({ code: 4401, reason: 'revoked' })
  })

  it('refuses an upgrade on any other path with HTTP 400', async () => {
    const secret = await provision(connector, 'gw-a')
    expect(await dial(connector.url, tokenFor('gw-a', secret), { path: '/socket' }).refused).toBe(400)
    expect(await dial(connector.url, tokenFor('gw-a', secret), { path: '/relay/x' }).refused).toBe(400)
  })

  it('closes 1009 on a frame over 1 MiB, complete or still buffering', async () => {
    const secret = await provision(connector, 'gw-a')
    const whole = dial(connector.url, tokenFor('gw-a', secret))
    await whole.opened
    whole.send(`{"type":"hello","platform":"${'x'.repeat(2 * 1024 * 1024)}","botId":""}\n`)
    expect((await whole.closed).code).toBe(1009)

    const partial = dial(connector.url, tokenFor('gw-a', secret))
    await partial.opened
    for (let i = 0; i < 3; i++) partial.send('y'.repeat(512 * 1024))
    expect((await partial.closed).code).toBe(1009)
  })

  it('logs and drops malformed frames, ignores unknown types, and keeps serving', async () => {
    const secret = await provision(connector, 'gw-a')
    const peer = dial(connector.url, tokenFor('gw-a', secret))
    await peer.opened
    peer.send('this is not json\n')
    peer.send('[1,2,3]\n')
    peer.send('{"no":"type"}\n')
    peer.send('{"type":"hello"}\n')
    peer.send('{"type":"future_frame","x":1}\n')
    peer.send('\n\n')
    peer.send({ type: 'hello', platform: 'slack', botId: 'b' })
    expect((await peer.next('descriptor')).descriptor.platform).toBe('slack')
    expect(peer.frames).toHaveLength(1)
    peer.ws.close()
  })

  it('reads frames split across messages and several frames in one message', async () => {
    const secret = await provision(connector, 'gw-a')
    const peer = dial(connector.url, tokenFor('gw-a', secret))
    await peer.opened
    peer.send('{"type":"hello","plat')
    peer.send('form":"discord","botId":"1"}\n{"type":"hello","platform":"matrix","botId":"2"}\n')
    await peer.next('descriptor')
    expect((await peer.next('descriptor')).descriptor.platform).toBe('matrix')
    peer.ws.close()
  })
})

describe('frames after the handshake', () => {
  it('answers outbound with outbound_result carrying the same requestId', async () => {
    const secret = await provision(connector, 'gw-a')
    const peer = dial(connector.url, tokenFor('gw-a', secret))
    await peer.opened
    peer.send({ type: 'hello', platform: 'discord', botId: '1' })
    await peer.next('descriptor')
    const requestId = 'a'.repeat(32)
    peer.send({ type: 'outbound', requestId, action: { op: 'send', chat_id: 'c', content: 'hi' } })
    expect(await peer.next('outbound_result')).toMatchObject({ requestId, result: { success: true } })
    peer.send({ type: 'outbound', requestId: 'b'.repeat(32), action: { op: 'teleport' } })
    expect(await peer.next('outbound_result')).toMatchObject({
      result: { success: false, error: 'unsupported op: teleport' },
    })
    peer.send({ type: 'outbound', requestId: 'c'.repeat(32), platform: 'slack', action: { op: 'send' } })
    expect(await peer.next('outbound_result')).toMatchObject({ result: { success: false } })
    peer.ws.close()
  })

  it('acks going_idle', async () => {
    const secret = await provision(connector, 'gw-a')
    const peer = dial(connector.url, tokenFor('gw-a', secret))
    await peer.opened
    peer.send({ type: 'hello', platform: 'discord', botId: '1' })
    await peer.next('descriptor')
    peer.send({ type: 'going_idle' })
    await peer.next('going_idle_ack')
    peer.ws.close()
  })

  it('redelivers a buffered inbound after every handshake until it is acked', async () => {
    const secret = await provision(connector, 'gw-a')
    const first = dial(connector.url, tokenFor('gw-a', secret))
    await first.opened
    first.send({ type: 'hello', platform: 'discord', botId: '1' })
    await first.next('descriptor')
    const { json } = await api(connector, 'POST', '/admin/instances/gw-a/inbound', { event: { text: 'hello there' } })
    const delivered = await first.next('inbound')
    expect(delivered).toMatchObject({ bufferId: json.bufferId, event: { text: 'hello there' } })
    first.ws.close()
    await first.closed

    const second = dial(connector.url, tokenFor('gw-a', secret))
    await second.opened
    second.send({ type: 'hello', platform: 'discord', botId: '1' })
    expect((await second.next('inbound')).bufferId).toBe(json.bufferId)
    second.send({ type: 'inbound_ack', bufferId: json.bufferId })
    await waitFor(async () => (await api(connector, 'GET', '/admin/instances/gw-a')).json.inboundBacklog === 0)
    second.ws.close()
    await second.closed

    const third = dial(connector.url, tokenFor('gw-a', secret))
    await third.opened
    third.send({ type: 'hello', platform: 'discord', botId: '1' })
    await third.next('descriptor')
    await new Promise((r) => setTimeout(r, 100))
    expect(third.frames.filter((f) => f.type === 'inbound')).toHaveLength(0)
    third.ws.close()
  })
})

describe('liveness', () => {
  it('pings, and terminates a gateway that stops answering', async () => {
    await connector.stop()
    connector = await startTestConnector({ pingIntervalMs: 50, pongTimeoutMs: 200 })
    const lively = dial(connector.url, tokenFor('gw-a', await provision(connector, 'gw-a')))
    // Another gateway: a second socket of gw-a would supersede the first (4409).
    const silent = dial(connector.url, tokenFor('gw-b', await provision(connector, 'gw-b')), { autoPong: false })
    let pings = 0
    silent.ws.on('ping', () => {
      pings += 1
    })
    await Promise.all([lively.opened, silent.opened])
    expect((await silent.closed).code).toBe(1006)
    expect(pings).toBeGreaterThan(0)
    expect(lively.ws.readyState).toBe(lively.ws.OPEN)
    lively.ws.close()
  })
})

describe('one socket per gateway — a newer one supersedes the older (4409)', () => {
  const SUPERSEDED = { code: 4409, reason: 'superseded' }
  const view = async (gatewayId = 'gw-a') => (await api(connector, 'GET', `/admin/instances/${gatewayId}`)).json
  const handshake = async (peer: Peer, platform = 'discord') => {
    await peer.opened
    peer.send({ type: 'hello', platform, botId: '1' })
    return peer.next('descriptor')
  }
  const inbound = async (text: string, gatewayId = 'gw-a') =>
    (await api(connector, 'POST', `/admin/instances/${gatewayId}/inbound`, { event: { text } })).json.bufferId as string

  it('closes the older 4409 superseded when a newer one authenticates; the newer keeps working', async () => {
    const secret = await provision(connector, 'gw-a')
    const older = dial(connector.url, tokenFor('gw-a', secret))
    await handshake(older)
    const newer = dial(connector.url, tokenFor('gw-a', secret))
    await newer.opened
    expect(await older.closed).toEqual(SUPERSEDED)

    expect((await handshake(newer)).descriptor.platform).toBe('discord')
    const requestId = 'd'.repeat(32)
    newer.send({ type: 'outbound', requestId, action: { op: 'send', chat_id: 'c', content: 'hi' } })
    expect(await newer.next('outbound_result')).toMatchObject({ requestId, result: { success: true } })
    const bufferId = await inbound('to the newer')
    expect(await newer.next('inbound')).toMatchObject({ bufferId, event: { text: 'to the newer' } })
    expect(older.frames.filter((f) => f.type === 'inbound')).toEqual([])

    expect(await view()).toMatchObject({
      connections: 1,
      peakConnections: 1,
      supersededTotal: 1,
      connected: true,
      hellos: ['discord'],
    })
    expect((await api(connector, 'GET', '/admin/status')).json).toMatchObject({ connections: 1, supersededTotal: 1 })
    newer.ws.close()
  })

  it('three in a row: each supersedes the one before, one socket lives, other gateways are untouched', async () => {
    const secret = await provision(connector, 'gw-a')
    const bystander = dial(connector.url, tokenFor('gw-b', await provision(connector, 'gw-b')))
    await handshake(bystander)
    const peers = [0, 1, 2].map(() => dial(connector.url, tokenFor('gw-a', secret)))
    for (const peer of peers) await peer.opened
    expect(await peers[0]?.closed).toEqual(SUPERSEDED)
    expect(await peers[1]?.closed).toEqual(SUPERSEDED)
    await handshake(peers[2] as Peer)

    expect(await view()).toMatchObject({ connections: 1, peakConnections: 1, supersededTotal: 2 })
    expect(await view('gw-b')).toMatchObject({ connections: 1, supersededTotal: 0 })
    expect((await api(connector, 'GET', '/admin/status')).json).toMatchObject({ connections: 2, supersededTotal: 2 })
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN)
    peers[2]?.ws.close()
    bystander.ws.close()
  })

  it('redelivers what the older socket left unacked to the newer one, and nothing more to the older', async () => {
    const secret = await provision(connector, 'gw-a')
    const older = dial(connector.url, tokenFor('gw-a', secret))
    await handshake(older)
    const first = await inbound('left unacked')
    expect((await older.next('inbound')).bufferId).toBe(first)

    const newer = dial(connector.url, tokenFor('gw-a', secret))
    await newer.opened
    // Pushed between the newer socket's upgrade and its hello: buffered, not sent to the older one.
    const second = await inbound('while the newer one shakes hands')
    await handshake(newer)
    const replayed = [await newer.next('inbound'), await newer.next('inbound')].map((f) => f.bufferId)
    expect(replayed).toEqual([first, second])
    expect(await older.closed).toEqual(SUPERSEDED)
    expect(older.frames.filter((f) => f.type === 'inbound').map((f) => f.bufferId)).toEqual([first])

    for (const bufferId of replayed) newer.send({ type: 'inbound_ack', bufferId })
    await waitFor(async () => (await view()).inboundBacklog === 0)
    newer.ws.close()
  })

  it('supersedes a socket mid-handshake: its late descriptor never comes, and the newer one gets the backlog', async () => {
    const secret = await provision(connector, 'gw-a')
    await api(connector, 'PUT', '/admin/instances/gw-a/faults', { helloDelayMs: 150 })
    const older = dial(connector.url, tokenFor('gw-a', secret))
    await older.opened
    const bufferId = await inbound('waiting for a handshake')
    older.send({ type: 'hello', platform: 'discord', botId: '1' })

    const newer = dial(connector.url, tokenFor('gw-a', secret))
    expect(await older.closed).toEqual(SUPERSEDED)
    await handshake(newer)
    expect((await newer.next('inbound')).bufferId).toBe(bufferId)
    await new Promise((r) => setTimeout(r, 200)) // past the older hello's delayed answer
    expect(older.frames).toEqual([])
    expect(await view()).toMatchObject({ connections: 1, supersededTotal: 1 })
    newer.ws.close()
  })

  it('fences a paused replica: its late ack still counts, its late hello and outbound are not acted on', async () => {
    const secret = await provision(connector, 'gw-a')
    const zombie = dial(connector.url, tokenFor('gw-a', secret))
    await handshake(zombie)
    const bufferId = await inbound('handled before the pause')
    await zombie.next('inbound')
    // The paused replica reads nothing: it does not know it was superseded and keeps sending.
    const tcp = (zombie.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
    tcp.pause()
    const newer = dial(connector.url, tokenFor('gw-a', secret))
    await newer.opened
    await waitFor(async () => (await view()).supersededTotal === 1)
    zombie.send({ type: 'inbound_ack', bufferId })
    zombie.send({ type: 'hello', platform: 'telegram', botId: '2' })
    zombie.send({ type: 'outbound', requestId: 'e'.repeat(32), action: { op: 'send', chat_id: 'c' } })
    await waitFor(async () => (await view()).inboundBacklog === 0)

    await handshake(newer)
    expect(await view()).toMatchObject({ connections: 1, hellos: ['discord'], inboundBacklog: 0 })
    tcp.resume()
    expect(await zombie.closed).toEqual(SUPERSEDED)
    expect(zombie.frames.map((f) => f.type)).toEqual(['descriptor', 'inbound'])
    await new Promise((r) => setTimeout(r, 50))
    expect(newer.frames.map((f) => f.type)).toEqual(['descriptor'])
    newer.ws.close()
  })

  it('never lets a refused upgrade supersede the live socket', async () => {
    const secret = await provision(connector, 'gw-a')
    const live = dial(connector.url, tokenFor('gw-a', secret))
    await handshake(live)
    expect((await dial(connector.url, tokenFor('gw-a', 'wrong')).closed).code).toBe(4401)
    expect((await dial(connector.url, tokenFor('gw-a', secret, Date.now() - 400_000)).closed).reason).toBe('expired')
    await api(connector, 'POST', '/admin/reject-upgrades', { gatewayId: 'gw-a', count: 1, code: 1013 })
    expect((await dial(connector.url, tokenFor('gw-a', secret)).closed).code).toBe(1013)
    expect(live.ws.readyState).toBe(live.ws.OPEN)
    expect(await view()).toMatchObject({ connections: 1, supersededTotal: 0 })
    live.ws.close()
  })

  it('a revocation closes whichever socket is live 4401 revoked; a revoked gateway supersedes nothing', async () => {
    const secret = await provision(connector, 'gw-a')
    const older = dial(connector.url, tokenFor('gw-a', secret))
    await handshake(older)
    const newer = dial(connector.url, tokenFor('gw-a', secret))
    await handshake(newer)
    expect(await older.closed).toEqual(SUPERSEDED)

    await api(connector, 'POST', '/admin/instances/gw-a/revoke')
    expect(await newer.closed).toEqual({ code: 4401, reason: 'revoked' })
    expect(await dial(connector.url, tokenFor('gw-a', secret)).closed).toEqual({ code: 4401, reason: 'revoked' })
    expect(await view()).toMatchObject({ revoked: true, connections: 0, supersededTotal: 1 })
  })
})
