import { FakeClock } from '@relay-console/shared/fake-clock'
import { verifyUpgradeToken } from '@relay-console/shared/relay/token'
import { describe, expect, it } from 'vitest'
import { createDialPacer } from './dial-pacer'
import { harness, SECRET } from './test-support'

describe('dialling and the handshake', () => {
  it('dials {url}/relay with a freshly minted token on every dial', () => {
    const { transport, dialer, clock } = harness()
    transport.connect()
    expect(dialer.last.request.url).toBe('ws://connector.test/relay')
    const first = dialer.last.token
    expect(
      verifyUpgradeToken(dialer.last.request.headers.Authorization?.slice('Bearer '.length) ?? '', {
        secretsFor: () => [SECRET],
        nowMs: clock.now(),
      }).ok,
    ).toBe(true)
    dialer.last.failNetwork()
    clock.advance(5000)
    const second = dialer.last.token
    expect(dialer.count).toBe(2)
    expect(first?.gatewayId).toBe('gw-acme')
    expect(second?.exp).toBeGreaterThan(first?.exp ?? Number.POSITIVE_INFINITY)
  })

  it('sends one hello per platform, in configured order, right after open', () => {
    const { transport, dialer } = harness()
    transport.connect()
    dialer.last.open()
    expect(dialer.last.sent).toEqual([
      { type: 'hello', platform: 'discord', botId: '1234' },
      { type: 'hello', platform: 'telegram', botId: 'acme_bot' },
    ])
  })

  it('completes the handshake on the first descriptor and reports each platform', () => {
    const { transport, handshake, ofType } = harness()
    transport.connect()
    expect(transport.handshakeSucceeded).toBe(false)
    handshake()
    expect(transport.handshakeSucceeded).toBe(true)
    expect(transport.connected).toBe(true)
    expect(ofType('descriptor').map((e) => e.descriptor.platform)).toEqual(['discord', 'telegram'])
  })

  it('gives up on a socket with no descriptor after 30 s and backs off', () => {
    const { transport, dialer, clock, ofType } = harness()
    transport.connect()
    dialer.last.open()
    clock.advance(29_999)
    expect(dialer.last.ended).toBe(false)
    clock.advance(1)
    expect(dialer.last.ended).toBe(true)
    expect(ofType('down')[0]?.failure.code).toBe('relay_handshake_timeout')
  })
})

describe('the revocation latch (docs/relay-contract.md §5)', () => {
  it('4401 after a handshake → exactly one immediate fresh-token re-dial → 4401 → latch, then silence', () => {
    const { transport, dialer, clock, ofType, handshake } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(4401, 'revoked')
    expect(dialer.count).toBe(2) // no backoff wait
    expect(ofType('reauthenticating')).toHaveLength(1)
    expect(transport.authRevoked).toBe(false)
    dialer.last.acceptThenRefuse('revoked')
    expect(transport.authRevoked).toBe(true)
    expect(ofType('revoked')).toEqual([{ type: 'revoked', reason: 'revoked' }])
    clock.advance(24 * 3600_000)
    expect(dialer.count).toBe(2)
    expect(clock.pendingCount).toBe(0)
    expect(transport.phase).toBe('revoked')
  })

  it('latches on a 4401 that reaches the fresh-token socket after its own descriptor', () => {
    const { transport, dialer, handshake } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(4401, 'unauthorized')
    handshake() // the fresh-token dial succeeds: that socket is judged for life
    expect(transport.authRevoked).toBe(false)
    dialer.last.closeFromPeer(4401, 'unauthorized')
    expect(transport.authRevoked).toBe(true)
    expect(dialer.count).toBe(2)
  })

  it('a socket from a later backoff re-dial is provisional again', () => {
    const { transport, dialer, clock, handshake } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(4401, 'unauthorized')
    handshake() // judged socket, alive
    dialer.last.closeFromPeer(1011, 'overloaded') // ordinary drop
    clock.advance(1000)
    handshake() // provisional socket
    dialer.last.closeFromPeer(4401, 'unauthorized')
    expect(transport.authRevoked).toBe(false)
    expect(dialer.count).toBe(4) // a second fresh-token re-dial, immediately
  })

  it('4401 before any handshake stays retryable forever and never latches', () => {
    const { transport, dialer, clock, ofType } = harness()
    transport.connect()
    for (let i = 0; i < 25; i++) {
      dialer.last.acceptThenRefuse('unauthorized')
      clock.advance(30_000)
    }
    expect(transport.authRevoked).toBe(false)
    expect(dialer.count).toBe(26)
    const downs = ofType('down')
    expect(downs.every((d) => d.failure.code === 'relay_unauthorized')).toBe(true)
    expect(downs.at(-1)?.attempt).toBe(25)
  })

  it('HTTP 401/403 on the upgrade is a retryable 4401-before-handshake, and never latches', () => {
    const { transport, dialer, clock, ofType, handshake } = harness()
    transport.connect()
    dialer.last.refuseHttp(401)
    expect(ofType('down')[0]?.failure.code).toBe('relay_unauthorized')
    clock.advance(1000)
    handshake()
    dialer.last.closeFromPeer(4401, 'revoked')
    dialer.last.refuseHttp(403) // the judged dial, refused at the HTTP level
    expect(transport.authRevoked).toBe(false)
    clock.advance(2000)
    dialer.last.acceptThenRefuse('revoked') // the judgement still pends: now it latches
    expect(transport.authRevoked).toBe(true)
  })

  it('4401 expired never latches, however often, and reconnects normally', () => {
    const { transport, dialer, clock, handshake, ofType } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(4401, 'expired')
    expect(ofType('reauthenticating')).toHaveLength(0)
    clock.advance(1000)
    dialer.last.acceptThenRefuse('expired')
    clock.advance(2000)
    handshake()
    expect(transport.authRevoked).toBe(false)
    expect(transport.connected).toBe(true)
    expect(dialer.count).toBe(3)
  })

  it('an expired 4401 on the fresh-token dial settles the judgement without latching', () => {
    const { transport, dialer, clock, handshake } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(4401, 'revoked')
    dialer.last.acceptThenRefuse('expired')
    expect(transport.authRevoked).toBe(false)
    clock.advance(1000)
    dialer.last.acceptThenRefuse('revoked') // provisional again: one more fresh re-dial
    expect(dialer.count).toBe(4)
    expect(transport.authRevoked).toBe(false)
  })

  it('a fresh-token dial failing on the network keeps the marker; the next auth outcome is judged', () => {
    const { transport, dialer, clock, handshake } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(4401, 'revoked')
    dialer.last.failNetwork()
    expect(transport.authRevoked).toBe(false)
    clock.advance(1000)
    dialer.last.open().closeFromPeer(1011, 'dropped during hello')
    clock.advance(2000)
    dialer.last.acceptThenRefuse('revoked')
    expect(transport.authRevoked).toBe(true)
    expect(dialer.count).toBe(4)
    clock.advance(3600_000)
    expect(dialer.count).toBe(4)
  })

  it('a fresh-token dial that handshakes recovers the relay with no latch and no backoff', () => {
    const { transport, dialer, handshake, ofType } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(4401, 'revoked')
    handshake()
    expect(transport.connected).toBe(true)
    expect(transport.authRevoked).toBe(false)
    expect(ofType('down')).toHaveLength(0)
  })
})

describe('the backoff supervisor', () => {
  it('keeps climbing the ladder for a connector that accepts then drops at once', () => {
    const { transport, dialer, clock, handshake } = harness()
    transport.connect()
    const waits: number[] = []
    for (let i = 0; i < 5; i++) {
      handshake()
      dialer.last.closeFromPeer(1011, 'overloaded')
      const delay = clock.pendingDelays()[0] ?? -1
      waits.push(delay)
      clock.advance(delay)
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000])
  })

  it('waits 1, 2, 4, 8, 16, 30, 30 s with jitter at its top, and [d/2, d] in general', () => {
    const top = harness()
    top.transport.connect()
    const waits: number[] = []
    for (let i = 0; i < 7; i++) {
      top.dialer.last.failNetwork()
      const delay = top.clock.pendingDelays()[0] ?? -1
      waits.push(delay)
      top.clock.advance(delay)
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])

    const bottom = harness({ random: () => 0 })
    bottom.transport.connect()
    bottom.dialer.last.failNetwork()
    expect(bottom.clock.pendingDelays()).toEqual([500])
  })

  it('resets the ladder only after a connection stayed up 60 s', () => {
    const { transport, dialer, clock, handshake } = harness()
    transport.connect()
    for (let i = 0; i < 6; i++) {
      dialer.last.failNetwork()
      clock.advance(clock.pendingDelays()[0] ?? 0)
    }
    expect(transport.attempt).toBe(6)
    handshake()
    clock.advance(59_999)
    dialer.last.closeFromPeer(1006)
    expect(transport.attempt).toBe(7)
    clock.advance(clock.pendingDelays()[0] ?? 0)
    handshake()
    clock.advance(60_000)
    dialer.last.closeFromPeer(1006)
    expect(transport.attempt).toBe(1)
    expect(clock.pendingDelays()).toEqual([1000])
  })

  it('treats every other close code and dial error as an ordinary drop', () => {
    for (const code of [1000, 1001, 1006, 1009, 1011, 1012, 1013, 4000, 4403]) {
      const { transport, dialer, handshake, ofType } = harness()
      transport.connect()
      handshake()
      dialer.last.closeFromPeer(code, 'x')
      expect(ofType('down')[0]?.failure.code).toBe('relay_connection_lost')
      expect(transport.authRevoked).toBe(false)
    }
    const { transport, dialer, ofType } = harness()
    transport.connect()
    dialer.last.refuseHttp(400)
    expect(ofType('down')[0]?.failure).toEqual({ code: 'relay_dial_failed', message: 'upgrade refused with HTTP 400' })
  })

  it('reads 4409 superseded after a handshake as an ordinary drop: a backoff re-dial, no latch, no judgement', () => {
    const { transport, dialer, clock, handshake, ofType } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(4409, 'superseded')
    expect(ofType('down')).toEqual([
      {
        type: 'down',
        failure: { code: 'relay_superseded', message: expect.stringContaining('closed 4409') },
        attempt: 1,
        nextRetryAt: clock.now() + 1000,
      },
    ])
    expect(ofType('reauthenticating')).toHaveLength(0)
    clock.advance(1000)
    expect(dialer.count).toBe(2)
    handshake()
    dialer.last.closeFromPeer(4401, 'revoked') // a provisional socket: one fresh-token re-dial, not the latch
    expect(transport.authRevoked).toBe(false)
    expect(dialer.count).toBe(3)
  })

  it('holds redials on request, but still makes the fresh-token re-dial of a 4401', () => {
    const { transport, dialer, clock, handshake, ofType } = harness()
    transport.connect()
    handshake()
    transport.holdRedials()
    dialer.last.closeFromPeer(1011)
    expect(ofType('down').at(-1)?.nextRetryAt).toBeNull()
    clock.advance(3600_000)
    expect(dialer.count).toBe(1)

    const second = harness()
    second.transport.connect()
    second.handshake()
    second.transport.holdRedials()
    second.dialer.last.closeFromPeer(4401, 'revoked')
    expect(second.dialer.count).toBe(2)
    second.dialer.last.acceptThenRefuse('revoked')
    expect(second.transport.authRevoked).toBe(true)
    expect(second.ofType('reauthenticating').map((e) => e.expected)).toEqual([false])
  })

  it('an expected revocation holds redials and marks its 4401 expected; a re-dial that succeeds stays up', () => {
    const { transport, dialer, clock, handshake, ofType } = harness()
    transport.connect()
    handshake()
    transport.expectRevocation()
    dialer.last.closeFromPeer(4401, 'revoked')
    expect(ofType('reauthenticating').map((e) => e.expected)).toEqual([true])
    expect(dialer.count).toBe(2) // the contract's one fresh-token re-dial still happens
    handshake() // …and the connector accepts it after all
    expect(transport.connected).toBe(true)
    dialer.last.closeFromPeer(1011)
    clock.advance(3600_000)
    expect(dialer.count).toBe(2) // held
  })

  it('dials again once an expected revocation is called off, at once if the socket dropped while held', () => {
    const { transport, dialer, clock, handshake, ofType } = harness()
    transport.connect()
    handshake()
    transport.expectRevocation()
    dialer.last.closeFromPeer(1011)
    clock.advance(3600_000)
    expect(dialer.count).toBe(1) // held
    transport.cancelRevocation()
    expect(dialer.count).toBe(2)
    handshake()
    expect(transport.connected).toBe(true)
    dialer.last.closeFromPeer(4401, 'revoked') // a 4401 now is a fault again, not the expected revocation
    expect(ofType('reauthenticating').map((e) => e.expected)).toEqual([false])
    dialer.last.closeFromPeer(1011)
    clock.advance(60_000)
    expect(dialer.count).toBeGreaterThan(3) // backoff re-dials run again
  })
})

describe('the dial gate', () => {
  it('never dials while the process may not (no lease): not at first, not on a re-dial, not the fresh-token one', () => {
    let may = true
    const { transport, dialer, clock, handshake } = harness({ mayDial: () => may })
    transport.connect()
    handshake()
    may = false
    dialer.last.closeFromPeer(4401, 'revoked') // would re-dial at once with a fresh token
    expect(dialer.count).toBe(1)
    expect(transport.phase).toBe('held')
    clock.advance(3600_000)
    expect(dialer.count).toBe(1)

    const idle = harness({ mayDial: () => false })
    idle.transport.connect()
    expect(idle.dialer.count).toBe(0)
  })
})

describe('pacing', () => {
  it('waits for the fleet pacer before dialling, and never paces the fresh-token re-dial', () => {
    const clock = new FakeClock(0)
    const pacer = createDialPacer({ perSecond: 1, burst: 1, clock })
    const first = harness({ clock, pacer })
    const second = harness({ clock, pacer })
    first.transport.connect()
    second.transport.connect()
    expect(first.dialer.count).toBe(1)
    expect(second.dialer.count).toBe(0)
    expect(second.transport.phase).toBe('backoff')
    clock.advance(1000)
    expect(second.dialer.count).toBe(1)

    first.handshake()
    first.dialer.last.closeFromPeer(4401, 'revoked') // the pacer is empty: the re-dial goes anyway
    expect(first.dialer.count).toBe(2)
  })

  it('cancels a dial waiting for the pacer on disconnect', async () => {
    const clock = new FakeClock(0)
    const pacer = createDialPacer({ perSecond: 1, burst: 1, clock })
    harness({ clock, pacer }).transport.connect()
    const waiting = harness({ clock, pacer })
    waiting.transport.connect()
    await waiting.transport.disconnect()
    clock.advance(5000)
    expect(waiting.dialer.count).toBe(0)
  })
})

describe('requests, inbound and liveness', () => {
  it('round-trips an outbound by requestId', async () => {
    const { transport, dialer, handshake } = harness()
    transport.connect()
    handshake()
    const reply = transport.request({ op: 'send', chat_id: 'c', content: 'hi' }, { platform: 'discord' })
    const frame = dialer.last.sent.at(-1)
    expect(frame).toMatchObject({ type: 'outbound', platform: 'discord', action: { op: 'send' } })
    expect(frame.requestId).toMatch(/^[0-9a-f]{32}$/)
    dialer.last.receive({
      type: 'outbound_result',
      requestId: frame.requestId,
      result: { success: true, message_id: 'm' },
    })
    expect(await reply).toEqual({ success: true, message_id: 'm' })
  })

  it('times out after 30 s as ambiguous', async () => {
    const { transport, clock, handshake } = harness()
    transport.connect()
    handshake()
    const reply = transport.request({ op: 'send' })
    clock.advance(30_000)
    expect(await reply).toEqual({ success: false, error: 'relay outbound timed out', ambiguous: true })
  })

  it('fails fast during an outage, and fails every pending request when the socket ends', async () => {
    const { transport, dialer, handshake, clock } = harness()
    transport.connect()
    handshake()
    const pending = [transport.request({ op: 'send' }), transport.request({ op: 'edit' })]
    dialer.last.closeFromPeer(1006)
    expect(await Promise.all(pending)).toEqual([
      { success: false, error: 'relay transport connection lost', ambiguous: true },
      { success: false, error: 'relay transport connection lost', ambiguous: true },
    ])
    expect(await transport.request({ op: 'send' })).toEqual({ success: false, error: 'relay transport not connected' })
    clock.advance(1000)
    dialer.last.open()
    const accepted = transport.request({ op: 'send' }) // socket installed, hello in flight: accepted
    expect(dialer.last.sent.at(-1)?.type).toBe('outbound')
    dialer.last.closeFromPeer(1006)
    expect((await accepted).error).toBe('relay transport connection lost')
  })

  it('fails a send the socket refuses without leaving it pending', async () => {
    const { transport, dialer, handshake, clock } = harness({ timings: { outboundTimeoutMs: 12_345 } })
    transport.connect()
    handshake()
    dialer.last.isOpen = false
    expect(await transport.request({ op: 'send' })).toEqual({
      success: false,
      error: 'relay send failed: socket is not open',
    })
    expect(clock.pendingDelays()).not.toContain(12_345)
  })

  it('hands inbound to the callback and acks it only when it carried a bufferId', async () => {
    const seen: unknown[] = []
    const { transport, dialer, handshake } = harness({ onInbound: (event) => void seen.push(event) })
    transport.connect()
    handshake()
    dialer.last.receive({ type: 'inbound', event: { text: 'a' }, bufferId: 'buf-42' })
    dialer.last.receive({ type: 'inbound', event: { text: 'b' } })
    await new Promise((r) => setImmediate(r))
    expect(seen).toEqual([{ text: 'a' }, { text: 'b' }])
    expect(dialer.last.sent.filter((f) => f.type === 'inbound_ack')).toEqual([
      { type: 'inbound_ack', bufferId: 'buf-42' },
    ])
  })

  it('pings every 30 s and terminates a socket with no pong for 60 s', () => {
    const { transport, dialer, clock, handshake, ofType } = harness()
    transport.connect()
    handshake()
    clock.advance(30_000)
    expect(dialer.last.pings).toBe(1)
    dialer.last.pong()
    clock.advance(30_000)
    clock.advance(30_000)
    expect(dialer.last.ended).toBe(false)
    clock.advance(30_000)
    expect(dialer.last.ended).toBe(true)
    expect(ofType('down')[0]?.failure).toEqual({
      code: 'relay_connection_lost',
      message: 'connection lost: no pong in time',
    })
  })

  it('drops and logs non-JSON, non-object and unknown frames, and keeps going', () => {
    const { transport, dialer, ofType } = harness()
    transport.connect()
    dialer.last.open()
    dialer.last.receive('garbage\n[1,2]\n"str"\n{"type":"mystery"}\n{"type":"outbound_result"}\n\n')
    dialer.last.receive('{"type":"descriptor","descr')
    dialer.last.receive('iptor":{"platform":"discord"}}\n')
    expect(ofType('descriptor').map((e) => e.descriptor.platform)).toEqual(['discord'])
    expect(dialer.last.ended).toBe(false)
  })

  it('closes 1009 on a frame over 1 MiB and treats it as an ordinary drop', () => {
    const { transport, dialer, handshake, ofType } = harness()
    transport.connect()
    handshake()
    dialer.last.receive('x'.repeat(1024 * 1024 + 1))
    expect(dialer.sockets[0]?.closedWith).toEqual({ code: 1009, reason: 'frame too large' })
    expect(ofType('down')[0]?.failure.code).toBe('relay_protocol_error')
    expect(transport.authRevoked).toBe(false)
  })

  it('reports an invalid descriptor for its platform and ignores descriptors for platforms never announced', () => {
    const { transport, dialer, ofType } = harness()
    transport.connect()
    dialer.last.open().describe('slack').describe('discord', { contract_version: 'one' }).describe('telegram')
    expect(ofType('descriptor_invalid').map((e) => e.platform)).toEqual(['discord'])
    expect(ofType('descriptor').map((e) => e.descriptor.platform)).toEqual(['telegram'])
  })

  it('pins a descriptor whose platform it cannot read on the oldest hello still unanswered (docs/relay-contract.md §3)', () => {
    const { transport, dialer, clock, ofType, handshake } = harness()
    transport.connect()
    handshake()
    dialer.last.closeFromPeer(1011)
    clock.advance(1000)
    // The re-dial: discord answered, then a descriptor with no platform (the answer to telegram's hello).
    dialer.last
      .open()
      .describe('discord')
      .receive({ type: 'descriptor', descriptor: { contract_version: 1 } })
    expect(ofType('descriptor_invalid')).toEqual([
      { type: 'descriptor_invalid', platform: 'telegram', error: expect.stringContaining('platform') },
    ])
    // A platform that is not a non-empty string reads the same; with no hello left unanswered it is only logged.
    dialer.last.receive({ type: 'descriptor', descriptor: { platform: '' } })
    expect(ofType('descriptor_invalid')).toHaveLength(1)
    clock.advance(60_000)
    expect(dialer.last.ended).toBe(false)
  })

  it('pins a platformless first descriptor on the first hello, and keeps the handshake deadline for the rest', () => {
    const { transport, dialer, clock, ofType } = harness()
    transport.connect()
    dialer.last.open().receive({ type: 'descriptor', descriptor: { platform: 42 } })
    expect(transport.handshakeSucceeded).toBe(true)
    expect(ofType('descriptor_invalid').map((e) => e.platform)).toEqual(['discord'])
    clock.advance(29_999)
    expect(ofType('descriptor_invalid')).toHaveLength(1)
    clock.advance(1)
    // telegram's hello was never answered: it is not left waiting for ever.
    expect(ofType('descriptor_invalid').map((e) => e.platform)).toEqual(['discord', 'telegram'])
    expect(ofType('descriptor_invalid')[1]?.error).toMatch(/no descriptor answered its hello within 30 s/)
    expect(dialer.last.ended).toBe(false) // the socket and its handshake stand
  })

  it('ends the wait of a hello the connector never answers at the handshake deadline', () => {
    const { transport, dialer, clock, ofType } = harness()
    transport.connect()
    dialer.last.open().describe('discord')
    clock.advance(30_000)
    expect(ofType('descriptor_invalid').map((e) => e.platform)).toEqual(['telegram'])
    dialer.last.describe('telegram') // a late answer still counts
    expect(ofType('descriptor').map((e) => e.descriptor.platform)).toEqual(['discord', 'telegram'])
    expect(clock.pendingCount).toBe(1) // only the ping wheel
  })
})

describe('disconnect', () => {
  it('tears everything down: pending requests fail, no socket, no timer, no dial after', async () => {
    const { transport, dialer, clock, handshake } = harness()
    transport.connect()
    handshake()
    const pending = transport.request({ op: 'send' })
    await transport.disconnect()
    expect(await pending).toEqual({ success: false, error: 'relay transport closed', ambiguous: true })
    expect(dialer.last.closedWith).toEqual({ code: 1000, reason: 'gateway disconnect' })
    expect(clock.pendingCount).toBe(0)
    clock.advance(3600_000)
    expect(dialer.count).toBe(1)
    expect(await transport.request({ op: 'send' })).toEqual({ success: false, error: 'relay transport closed' })
  })

  it('cancels a pending backoff', async () => {
    const { transport, dialer, clock } = harness()
    transport.connect()
    dialer.last.failNetwork()
    expect(clock.pendingCount).toBe(1)
    await transport.disconnect()
    expect(clock.pendingCount).toBe(0)
    clock.advance(60_000)
    expect(dialer.count).toBe(1)
  })

  it('refuses to dial without a usable secret and says so', () => {
    const { transport, dialer, ofType } = harness({ secret: '   ' })
    transport.connect()
    expect(dialer.count).toBe(0)
    expect(ofType('fatal')[0]?.failure.code).toBe('relay_no_secret')
    expect(JSON.stringify(ofType('fatal'))).not.toContain('s3cret')
  })
})
