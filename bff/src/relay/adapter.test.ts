import { FakeClock } from '@relay-console/shared/fake-clock'
import { describe, expect, it } from 'vitest'
import { COALESCE_MS, RelayAdapter, type StatusChange } from './adapter'

const DESCRIPTOR = {
  contract_version: 1,
  label: 'Discord',
  emoji: '🎮',
  max_message_length: 2000,
  supports_draft_streaming: false,
  supports_edit: true,
  supports_threads: true,
  markdown_dialect: 'discord',
  len_unit: 'chars' as const,
  supported_ops: [],
}

function setup(attentionAfterMs = 7_200_000) {
  const clock = new FakeClock(Date.UTC(2026, 10, 27, 10, 0, 0))
  const changes: StatusChange[] = []
  const adapter = new RelayAdapter({
    instanceId: 'acme',
    platforms: [
      { platform: 'discord', botId: '1' },
      { platform: 'telegram', botId: '2' },
    ],
    clock,
    attentionAfterMs,
    onChange: (change) => changes.push(change),
  })
  const state = (platform: string) => adapter.platforms.find((p) => p.platform === platform)
  return { clock, changes, adapter, state }
}

const down = (attempt: number, nextRetryAt: number | null = null) => ({
  type: 'down' as const,
  failure: { code: 'relay_connection_lost' as const, message: 'connection lost: closed 1006' },
  attempt,
  nextRetryAt,
})

describe('RelayAdapter', () => {
  it('starts every platform connecting', () => {
    const { adapter } = setup()
    expect(adapter.platforms.map((p) => [p.platform, p.state])).toEqual([
      ['discord', 'connecting'],
      ['telegram', 'connecting'],
    ])
  })

  it('marks a platform connected when its descriptor arrives, with the descriptor label and emoji', () => {
    const { adapter, state } = setup()
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    expect(state('discord')).toMatchObject({ state: 'connected', label: 'Discord', emoji: '🎮', errorCode: null })
    expect(state('telegram')?.state).toBe('connecting')
  })

  it('shows retrying with attempt, next try and the error after a drop, keeping retryingSince across attempts', () => {
    const { adapter, clock, state } = setup()
    const start = clock.now()
    adapter.handle(down(1, start + 1000))
    expect(state('discord')).toMatchObject({
      state: 'retrying',
      errorCode: 'relay_connection_lost',
      errorMessage: 'connection lost: closed 1006',
      attempt: 1,
      nextRetryAt: new Date(start + 1000).toISOString(),
      retryingSince: new Date(start).toISOString(),
      needsAttention: false,
    })
    clock.advance(1000)
    adapter.handle(down(2, clock.now() + 2000))
    expect(state('discord')).toMatchObject({ attempt: 2, retryingSince: new Date(start).toISOString() })
  })

  it('raises needsAttention after continuous retrying for the threshold, by itself, and clears it on connect', () => {
    const { adapter, clock, state, changes } = setup(60_000)
    adapter.handle(down(1, clock.now() + 1000))
    clock.advance(59_999)
    expect(state('discord')?.needsAttention).toBe(false)
    const before = changes.length
    clock.advance(1)
    expect(state('discord')?.needsAttention).toBe(true)
    expect(changes.length).toBe(before + 1)
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    expect(state('discord')).toMatchObject({
      state: 'connected',
      needsAttention: false,
      retryingSince: null,
      attempt: 0,
    })
    expect(state('telegram')?.needsAttention).toBe(true)
  })

  it('shows the fresh-token re-dial as retrying relay_unauthorized, never fatal', () => {
    const { adapter, state } = setup()
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    adapter.handle({
      type: 'reauthenticating',
      failure: { code: 'relay_unauthorized', message: 'connector refused the token: closed 4401 (revoked)' },
      expected: false,
    })
    expect(state('discord')).toMatchObject({ state: 'retrying', errorCode: 'relay_unauthorized' })
  })

  it('goes from connected straight to disabled when the console expected the revocation', () => {
    const { adapter, changes, clock } = setup()
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'telegram' } })
    clock.advance(COALESCE_MS)
    const failure = { code: 'relay_unauthorized' as const, message: 'closed 4401 (revoked)' }
    adapter.handle({ type: 'reauthenticating', failure, expected: true })
    clock.advance(COALESCE_MS)
    adapter.handle({ type: 'revoked', reason: 'revoked' })
    expect(changes.map((c) => c.platforms.map((p) => p.state).join())).toEqual([
      'connected,connecting',
      'connected,connected',
      'disabled,disabled',
    ])
  })

  it('turns the revocation latch into disabled on every platform, with the exact message', () => {
    const { adapter, changes } = setup()
    adapter.handle(down(3, Date.now()))
    adapter.handle({ type: 'revoked', reason: 'revoked' })
    for (const p of adapter.platforms) {
      expect(p).toMatchObject({
        state: 'disabled',
        errorCode: 'relay_disabled',
        errorMessage: 'Relay disabled (opted out — opt in to re-enable)',
        attempt: 0,
        nextRetryAt: null,
        retryingSince: null,
        needsAttention: false,
      })
    }
    expect(changes.at(-1)?.platforms.every((p) => p.state === 'disabled')).toBe(true)
  })

  it('makes a platform with an invalid descriptor fatal, keeps it fatal across drops, and heals on a valid one', () => {
    const { adapter, state } = setup()
    adapter.handle({ type: 'descriptor_invalid', platform: 'discord', error: 'contract_version: expected number' })
    expect(state('discord')).toMatchObject({ state: 'fatal', errorCode: 'relay_descriptor_invalid' })
    adapter.handle(down(1, Date.now()))
    expect(state('discord')?.state).toBe('fatal')
    expect(state('telegram')?.state).toBe('retrying')
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    expect(state('discord')?.state).toBe('connected')
  })

  it('makes every platform fatal when the transport cannot work at all', () => {
    const { adapter } = setup()
    adapter.handle({ type: 'fatal', failure: { code: 'relay_no_secret', message: 'no secret' } })
    expect(adapter.platforms.map((p) => p.state)).toEqual(['fatal', 'fatal'])
  })

  it('emits each real change once, and nothing for non-changes', () => {
    const { adapter, changes, clock } = setup()
    adapter.handle({ type: 'dialing', fresh: false })
    expect(changes).toHaveLength(0)
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    clock.advance(COALESCE_MS) // past the window, so the next change goes out at once
    adapter.handle(down(1, null))
    adapter.handle(down(1, null))
    expect(changes.map((c) => c.platforms.map((p) => p.state))).toEqual([
      ['connected', 'connecting'],
      ['retrying', 'retrying'],
    ])
    expect(changes[0]?.instanceId).toBe('acme')
  })

  it('announces connecting when it replaces a different state (opting back in), and only then', () => {
    const clock = new FakeClock()
    const changes: StatusChange[] = []
    const base = {
      instanceId: 'acme',
      platforms: [{ platform: 'discord', botId: '1' }],
      clock,
      attentionAfterMs: 0,
      onChange: (change: StatusChange) => changes.push(change),
    }
    const [fresh] = new RelayAdapter(base).platforms
    if (fresh === undefined) throw new Error('no platform')
    const disabled = { ...fresh, state: 'disabled' as const, label: 'Discord' }
    expect(changes).toHaveLength(0)
    const adapter = new RelayAdapter({ ...base, initial: [disabled] })
    expect(changes).toHaveLength(1)
    expect(adapter.platforms[0]).toMatchObject({ state: 'connecting', label: 'Discord' })
    new RelayAdapter({ ...base, initial: adapter.platforms })
    expect(changes).toHaveLength(1)
  })

  it('coalesces a flood of changes: the first at once, then at most one per 250 ms carrying the latest', () => {
    const { adapter, clock, changes } = setup()
    const describe = (label: string) =>
      adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord', label } })
    describe('A')
    expect(changes).toHaveLength(1) // the leading edge: a single change goes out at once
    for (let i = 0; i < 2000; i++) describe(i % 2 === 0 ? 'B' : 'A')
    describe('B')
    expect(changes).toHaveLength(1)
    expect(adapter.platforms[0]?.label).toBe('B') // the adapter itself is always current
    clock.advance(249)
    expect(changes).toHaveLength(1)
    clock.advance(1)
    expect(changes.map((c) => c.platforms[0]?.label)).toEqual(['A', 'B'])
    for (let i = 0; i < 2000; i++) {
      describe(i % 2 === 0 ? 'A' : 'B')
      clock.advance(1)
    }
    expect(changes.length).toBeLessThanOrEqual(2 + Math.ceil(2000 / 250))
    clock.advance(250)
    expect(changes.at(-1)?.platforms[0]?.label).toBe('B')
  })

  it('sends nothing at the end of a window that changed nothing in the end', () => {
    const { adapter, clock, changes } = setup()
    const describe = (label: string) =>
      adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord', label } })
    describe('A')
    describe('B')
    describe('A')
    clock.advance(1000)
    expect(changes).toHaveLength(1)
    expect(clock.pendingCount).toBe(0)
  })

  it('holds a transition out of connected no longer than the window, and never holds the latch', () => {
    const { adapter, clock, changes } = setup()
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    clock.advance(100)
    adapter.handle(down(1, clock.now() + 1000))
    expect(changes).toHaveLength(1)
    clock.advance(150)
    expect(changes.map((c) => c.platforms[0]?.state)).toEqual(['connected', 'retrying'])
    clock.advance(10)
    adapter.handle({ type: 'revoked', reason: 'revoked' })
    expect(changes.map((c) => c.platforms[0]?.state)).toEqual(['connected', 'retrying', 'disabled'])
    expect(clock.pendingCount).toBe(0)
  })

  it('drops a held change and its timer when stopped', () => {
    const { adapter, clock, changes } = setup(0)
    adapter.handle({ type: 'descriptor', descriptor: { ...DESCRIPTOR, platform: 'discord' } })
    adapter.handle(down(1, null))
    adapter.stop()
    expect(clock.pendingCount).toBe(0)
    clock.advance(1000)
    expect(changes).toHaveLength(1)
  })

  it('stops emitting and leaves no timer once stopped', () => {
    const { adapter, clock, changes } = setup(1000)
    adapter.handle(down(1, null))
    adapter.stop()
    clock.advance(10_000)
    adapter.handle({ type: 'revoked', reason: 'x' })
    expect(changes).toHaveLength(1)
    expect(clock.pendingCount).toBe(0)
  })
})
