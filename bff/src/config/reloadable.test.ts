import { describe, expect, it } from 'vitest'
import type { RuntimeConfig } from './load'
import { fieldsNeedingRestart } from './reloadable'
import { EventsSchema, RelayTimingsSchema } from './schema'

const RUNNING: RuntimeConfig = {
  listen: { host: '127.0.0.1', port: 8787 },
  stateDir: '/var/lib/relay-console',
  connectorUrl: 'wss://connector.example',
  identityToken: 'idt_secret_value',
  identityTokenEnv: 'RELAY_IDENTITY_TOKEN',
  instances: [],
  relay: RelayTimingsSchema.parse({}),
  events: EventsSchema.parse({}),
  allowedHosts: [],
  trustProxy: [],
  databaseUrl: null,
  operators: [{ name: 'alice', role: 'admin', token: 'a'.repeat(32), field: 'operators[0].tokenEnv' }],
  oidc: null,
}

describe('fieldsNeedingRestart', () => {
  it('names nothing when only the instances changed', () => {
    const next = {
      ...RUNNING,
      instances: [
        {
          id: 'a',
          displayName: 'A',
          gatewayId: 'gw-a',
          platforms: [{ platform: 'x', botId: '1' }],
          configSecret: null,
        },
      ],
    }
    expect(fieldsNeedingRestart(RUNNING, next)).toEqual([])
  })

  it('names every other field that changed as the file spells it, and never a value', () => {
    const next: RuntimeConfig = {
      ...RUNNING,
      listen: { ...RUNNING.listen, port: 9000 },
      connectorUrl: 'wss://elsewhere.example',
      relay: { ...RUNNING.relay, backoffBaseMs: 5 },
      operators: [
        { ...(RUNNING.operators?.[0] as NonNullable<RuntimeConfig['operators']>[number]), token: 'b'.repeat(32) },
      ],
      allowedHosts: ['console.example'],
    }
    const fields = fieldsNeedingRestart(RUNNING, next)
    expect(fields).toEqual(['allowedHosts', 'connector.url', 'listen.port', 'operators', 'relay.backoffBaseMs'])
    expect(fields.join()).not.toContain('b'.repeat(32))
  })

  it('sees a field that appears or goes away', () => {
    const { trustProxy: _, ...withoutProxy } = RUNNING
    expect(fieldsNeedingRestart(RUNNING, withoutProxy)).toEqual(['trustProxy'])
  })
})
