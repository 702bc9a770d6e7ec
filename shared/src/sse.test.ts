import { describe, expect, it } from 'vitest'
import { parseSseEvent } from './sse'

const instance = {
  id: 'acme',
  displayName: 'Acme',
  gatewayId: 'gw-acme',
  optedIn: true,
  pending: null,
  platforms: [
    {
      platform: 'discord',
      label: 'Discord',
      emoji: null,
      state: 'connected',
      errorCode: null,
      errorMessage: null,
      updatedAt: '2026-11-27T10:00:00.000Z',
      attempt: 0,
      nextRetryAt: null,
      retryingSince: null,
      needsAttention: false,
    },
  ],
}

describe('parseSseEvent', () => {
  it('parses a snapshot and an instance event with their revision', () => {
    expect(parseSseEvent('snapshot', '7', JSON.stringify({ rev: 7, instances: [instance] }))).toMatchObject({
      ok: true,
      event: { type: 'snapshot', rev: 7 },
    })
    expect(parseSseEvent('instance', '8', JSON.stringify(instance))).toMatchObject({
      ok: true,
      event: { type: 'instance', rev: 8, data: { id: 'acme' } },
    })
  })

  it('parses a ping, which carries no id', () => {
    expect(parseSseEvent('ping', '', '{"at":"2026-11-27T10:00:00Z"}')).toMatchObject({
      ok: true,
      event: { type: 'ping' },
    })
  })

  it('keeps a platform state it does not know, for the UI to show as unknown', () => {
    const future = { ...instance, platforms: [{ ...instance.platforms[0], state: 'hibernating' }] }
    expect(parseSseEvent('instance', '9', JSON.stringify(future))).toMatchObject({
      ok: true,
      event: { data: { platforms: [{ state: 'hibernating' }] } },
    })
  })

  it('refuses garbage without throwing', () => {
    expect(parseSseEvent('instance', '8', 'nope')).toEqual({ ok: false, error: 'instance event: data is not JSON' })
    expect(parseSseEvent('instance', '', JSON.stringify(instance)).ok).toBe(false)
    expect(parseSseEvent('instance', '9', JSON.stringify({ ...instance, platforms: [{}] })).ok).toBe(false)
    expect(parseSseEvent('mystery', '1', '{}').ok).toBe(false)
  })
})
