import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningConnector } from './connector'
import { api, dial, provision, startTestConnector, tokenFor, waitFor } from './test-support'

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
    const secret = await provision(connector, 'gw-a')
    const lively = dial(connector.url, tokenFor('gw-a', secret))
    const silent = dial(connector.url, tokenFor('gw-a', secret), { autoPong: false })
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
