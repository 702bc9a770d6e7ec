/**
 * Hostile config (property-based, fast-check): any JSON, or a valid file with one field replaced
 * or removed, either loads or fails with a ConfigError that names the field — never another
 * exception, and never with a secret in the message.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './load'

const SECRET = 'cfg-fuzz-secret-do-not-print-0123'

const valid = () => ({
  listen: { host: '127.0.0.1', port: 8787 },
  stateDir: '.relay-console',
  connector: { url: 'ws://127.0.0.1:8788', identityTokenEnv: 'RELAY_IDENTITY_TOKEN' },
  instances: [
    {
      id: 'acme',
      displayName: 'Acme support',
      gatewayId: 'gw-acme',
      secret: SECRET,
      platforms: [{ platform: 'discord', botId: '1234' }],
    },
    { id: 'globex', displayName: 'Globex', gatewayId: 'gw-globex', secretEnv: 'GLOBEX_SECRET', platforms: [] },
  ],
  relay: { backoffBaseMs: 1000, backoffMaxMs: 30000 },
})

/** Every path to a value in the valid config, e.g. ['instances', 0, 'platforms', 0, 'botId']. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix]
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))]
}

function mutate(config: Record<string, unknown>, path: (string | number)[], replacement: unknown, remove: boolean) {
  if (path.length === 0) return replacement
  let node = config as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  const last = path[path.length - 1] as string | number
  if (remove) delete node[last]
  else node[last] = replacement
  return config
}

const ENV = { RELAY_IDENTITY_TOKEN: 'idt-fuzz', GLOBEX_SECRET: 'globex-fuzz-secret-0123' }

function load(json: unknown): 'loaded' | ConfigError {
  try {
    parseConfig(json, 'fuzz.json', ENV)
    return 'loaded'
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
}

describe('the config loader under hostile input', () => {
  it('answers any JSON with a config or a ConfigError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        load(json)
      }),
      { numRuns: 1000 },
    )
  })

  it('names a field for any one field replaced or removed, and never prints a secret', () => {
    const all = paths(valid())
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.jsonValue(), fc.boolean(), (path, replacement, remove) => {
        const outcome = load(mutate(valid(), path, replacement, remove && path.length > 0))
        if (outcome === 'loaded') return
        expect(outcome.message).toContain('fuzz.json')
        expect(outcome.message).not.toContain(SECRET)
        expect(outcome.message).not.toContain(ENV.GLOBEX_SECRET)
        // Each problem line names where it is, unless the whole file is wrong.
        expect(outcome.problems.length).toBeGreaterThan(0)
        if (path.length > 1) for (const line of outcome.problems) expect(line).toMatch(/^[\w[\].]+: /)
      }),
      { numRuns: 2000 },
    )
  })
})
