import type { Transition } from '@relay-console/shared/api'
import { describe, expect, it } from 'vitest'
import { createMetrics, unauthorizedReasonLabel } from './metrics'

const transition = (from: Transition['from'], to: Transition['to']): Transition => ({
  rev: 1,
  at: '2026-11-29T09:00:00.000Z',
  platform: 'discord',
  from,
  to,
  errorCode: null,
  errorMessage: null,
})

describe('createMetrics', () => {
  it('counts the platform transitions of each change it hears, by the state left and the state entered', async () => {
    const metrics = createMetrics({ defaults: false })
    metrics.recordChange({ transitions: [transition(null, 'connecting'), transition('connecting', 'connected')] })
    metrics.recordChange({ transitions: [transition('connected', 'retrying')] })
    metrics.recordChange({ transitions: [transition('retrying', 'connected')] })
    metrics.recordChange({ transitions: [transition('connected', 'retrying')] })
    metrics.recordChange({ transitions: [] })
    const text = await metrics.registry.metrics()
    expect(text).toContain('relay_console_platform_transitions_total{from="none",to="connecting"} 1')
    expect(text).toContain('relay_console_platform_transitions_total{from="connecting",to="connected"} 1')
    expect(text).toContain('relay_console_platform_transitions_total{from="connected",to="retrying"} 2')
    expect(text).toContain('relay_console_platform_transitions_total{from="retrying",to="connected"} 1')
  })
})

describe('relay_console_4401_total', () => {
  it('keeps at most five reason labels, however many reasons the connector invents', async () => {
    const metrics = createMetrics({ defaults: false })
    const invented = Array.from({ length: 1000 }, (_, i) => `reason-${i}-${'x'.repeat(i % 50)}`)
    for (const reason of ['unauthorized', 'expired', 'revoked', '', 'REVOKED', ' revoked', ...invented]) {
      metrics.recordUnauthorizedClose(reason)
    }
    const text = await metrics.registry.metrics()
    const labels = [...text.matchAll(/^relay_console_4401_total\{reason="([^"]*)"\} (\d+)$/gm)]
    expect(Object.fromEntries(labels.map((m) => [m[1], Number(m[2])]))).toEqual({
      unauthorized: 1,
      expired: 1,
      revoked: 1,
      none: 1,
      other: 1002,
    })
  })

  it('maps a reason to unauthorized, expired, revoked, other or none', () => {
    expect(['unauthorized', 'expired', 'revoked', '', 'superseded'].map(unauthorizedReasonLabel)).toEqual([
      'unauthorized',
      'expired',
      'revoked',
      'none',
      'other',
    ])
  })
})
