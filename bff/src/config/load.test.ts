import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfigFile, parseConfig } from './load'

const valid = {
  listen: { host: '127.0.0.1', port: 8787 },
  stateDir: '.relay-console',
  connector: { url: 'ws://127.0.0.1:8788', identityTokenEnv: 'RELAY_IDENTITY_TOKEN' },
  instances: [
    {
      id: 'acme',
      displayName: 'Acme support',
      gatewayId: 'gw-acme',
      secretEnv: 'ACME_RELAY_SECRET',
      platforms: [
        { platform: 'discord', botId: '1234' },
        { platform: 'telegram', botId: 'acme_bot' },
      ],
    },
  ],
  relay: {
    backoffBaseMs: 1000,
    backoffMaxMs: 30000,
    stableAfterMs: 60000,
    pingIntervalMs: 30000,
    pongTimeoutMs: 60000,
    attentionAfterMs: 7200000,
  },
}

const problemsOf = (json: unknown, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfig(json, 'test.json', env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('config was accepted')
}

describe('parseConfig', () => {
  it('accepts the documented example and resolves secrets and the identity token from the environment', () => {
    const config = parseConfig(valid, 'test.json', { ACME_RELAY_SECRET: 'shh', RELAY_IDENTITY_TOKEN: 'idt' })
    expect(config.instances[0]).toMatchObject({ id: 'acme', configSecret: 'shh' })
    expect(config.identityToken).toBe('idt')
    expect(config.relay.handshakeTimeoutMs).toBe(30_000)
  })

  it('fills defaults for everything optional', () => {
    const config = parseConfig({ connector: { url: 'http://127.0.0.1:1' } }, 'test.json', {})
    expect(config).toMatchObject({
      listen: { host: '127.0.0.1', port: 8787 },
      stateDir: '.relay-console',
      identityToken: null,
      instances: [],
      relay: { backoffBaseMs: 1000, attentionAfterMs: 7_200_000 },
    })
  })

  it('takes the proxies to trust: addresses and CIDR blocks, IPv4 and IPv6; none by default', () => {
    expect(parseConfig(valid, 'test.json', { ACME_RELAY_SECRET: 'shh' }).trustProxy).toEqual([])
    const trustProxy = ['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '::ffff:192.0.2.1']
    expect(parseConfig({ ...valid, trustProxy }, 'test.json', { ACME_RELAY_SECRET: 'shh' }).trustProxy).toEqual(
      trustProxy,
    )
  })

  it.each(['localhost', '10.0.0.0/33', 'fd00::/129', '10.0.0', '', '10.0.0.1/', '10.0.0.1/8x'])(
    'names the field for a trustProxy entry %j that is no address or CIDR block',
    (entry) => {
      expect(problemsOf({ ...valid, trustProxy: ['10.0.0.1', entry] }, { ACME_RELAY_SECRET: 'shh' })).toEqual([
        'trustProxy[1]: must be an IP address or a CIDR block (10.0.0.1, 10.0.0.0/8, fd00::/8)',
      ])
    },
  )

  it.each(['0.0.0.0', '::', '192.168.1.10', 'console.example.com'])(
    'refuses to listen on %s (not loopback) without allowInsecure, and says why',
    (host) => {
      const problems = problemsOf({ ...valid, listen: { host, port: 8787 } }, { ACME_RELAY_SECRET: 'shh' })
      expect(problems).toHaveLength(1)
      expect(problems[0]).toMatch(/^listen\.host: .*not a loopback address.*reachable from the network without TLS/)
      expect(problems[0]).toContain('allowInsecure')
    },
  )

  it.each(['ws://10.0.0.5:8788', 'http://relay.example.com', 'ws://[fd00::1]:8788/relay'])(
    'refuses a plaintext connector URL %s to a host that is not loopback, and says why',
    (url) => {
      const problems = problemsOf({ ...valid, connector: { url } }, { ACME_RELAY_SECRET: 'shh' })
      expect(problems).toHaveLength(1)
      expect(problems[0]).toMatch(
        /^connector\.url: .*not loopback.*identity token and the instances' secrets.*in clear/,
      )
      expect(problems[0]).toContain('allowInsecure')
    },
  )

  it.each([
    ['wss://relay.example.com', '127.0.0.1'],
    ['https://relay.example.com/relay', 'localhost'],
    ['ws://127.0.0.1:8788', '::1'],
    ['http://localhost:8788', '127.0.0.1'],
    ['ws://[::1]:8788', '[::1]'],
  ])('takes %s while listening on %s: nothing in clear, nothing exposed', (url, host) => {
    expect(() =>
      parseConfig({ ...valid, listen: { host, port: 1 }, connector: { url } }, 'test.json', { ACME_RELAY_SECRET: 'x' }),
    ).not.toThrow()
  })

  it('takes both with allowInsecure: true', () => {
    const json = {
      ...valid,
      allowInsecure: true,
      listen: { host: '0.0.0.0', port: 1 },
      connector: { url: 'ws://10.0.0.5' },
    }
    expect(parseConfig(json, 'test.json', { ACME_RELAY_SECRET: 'x' }).listen.host).toBe('0.0.0.0')
  })

  it('treats an instance with neither secret nor secretEnv as "provision at start"', () => {
    const json = structuredClone(valid)
    delete (json.instances[0] as { secretEnv?: string }).secretEnv
    expect(parseConfig(json, 'test.json', {}).instances[0]?.configSecret).toBeNull()
  })

  it.each([
    ['a missing connector', { ...valid, connector: undefined }, 'connector: Invalid input'],
    ['a bad URL', { ...valid, connector: { url: 'ftp://x' } }, 'connector.url: must be an http(s):// or ws(s):// URL'],
    ['a port out of range', { ...valid, listen: { port: 70000 } }, 'listen.port:'],
    ['a string where a number goes', { ...valid, relay: { backoffBaseMs: '1s' } }, 'relay.backoffBaseMs:'],
    ['a typo', { ...valid, stateDri: 'x' }, 'unknown key(s): stateDri'],
    [
      'no platforms',
      { ...valid, instances: [{ ...valid.instances[0], platforms: [] }] },
      'instances[0].platforms: needs at least one platform',
    ],
    [
      'a bad platform entry',
      { ...valid, instances: [{ ...valid.instances[0], platforms: [{ platform: '' }] }] },
      'instances[0].platforms[0].platform:',
    ],
    [
      'both secrets',
      { ...valid, instances: [{ ...valid.instances[0], secret: 'x' }] },
      'instances[0].secretEnv: set secret or secretEnv, not both',
    ],
    [
      'a duplicate id',
      { ...valid, instances: [valid.instances[0], { ...valid.instances[0], gatewayId: 'gw-2' }] },
      'instances[1].id: duplicates instances[0].id',
    ],
    ['a bad id', { ...valid, instances: [{ ...valid.instances[0], id: 'a b' }] }, 'instances[0].id: must be'],
    [
      'backoff max below base',
      { ...valid, relay: { backoffBaseMs: 5000, backoffMaxMs: 100 } },
      'relay.backoffMaxMs: must be at least backoffBaseMs',
    ],
  ])('names the field for %s', (_name, json, expected) => {
    const problems = problemsOf(json, { ACME_RELAY_SECRET: 'shh' })
    expect(problems.join('\n')).toContain(expected)
  })

  it('names a secretEnv that is not set, without revealing anything secret', () => {
    expect(problemsOf(valid, {})).toEqual(['instances[0].secretEnv: environment variable ACME_RELAY_SECRET is not set'])
  })

  it('never echoes an inline secret in an error', () => {
    const json = {
      ...valid,
      instances: [{ ...valid.instances[0], secretEnv: undefined, secret: 'hunter2', platforms: 'x' }],
    }
    expect(problemsOf(json).join('\n')).not.toContain('hunter2')
  })
})

describe('labels', () => {
  const withLabels = (labels: unknown) => ({ ...valid, instances: [{ ...valid.instances[0], labels }] })

  it("keeps an instance's labels as written, none by default", () => {
    const env = { ACME_RELAY_SECRET: 'shh' }
    expect(
      parseConfig(withLabels({ tenant: 'acme', region: 'eu-west' }), 'test.json', env).instances[0]?.labels,
    ).toEqual({
      tenant: 'acme',
      region: 'eu-west',
    })
    expect(parseConfig(valid, 'test.json', env).instances[0]?.labels).toEqual({})
  })

  it.each([
    ['a key with a space', { 'my tenant': 'acme' }, 'instances[0].labels.my tenant: label keys are 1–63'],
    ['an empty value', { tenant: '' }, 'instances[0].labels.tenant: label values are 1–63'],
    ['a value that is not a string', { tenant: 7 }, 'instances[0].labels.tenant'],
    [
      'too many',
      Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])),
      'instances[0].labels: at most 32 labels',
    ],
  ])('refuses %s, naming the field', (_name, labels, expected) => {
    expect(problemsOf(withLabels(labels), { ACME_RELAY_SECRET: 'shh' }).join('\n')).toContain(expected)
  })
})

describe('operators and single sign-on', () => {
  const ALICE = 'alice-token-0123456789abcdefghijklmnopq'
  const BOB = 'bob-token-0123456789abcdefghijklmnopqrs'
  const env = { ACME_RELAY_SECRET: 'shh', ALICE_TOKEN: ALICE, BOB_TOKEN: BOB, OIDC_SECRET: 'client-secret' }
  const withOperators = (operators: unknown[], extra: object = {}) => ({ ...valid, operators, ...extra })

  it('resolves each operator with the token from their environment variable', () => {
    const config = parseConfig(
      withOperators([
        { name: 'alice', role: 'viewer', tokenEnv: 'ALICE_TOKEN' },
        { name: 'bob', role: 'operator', tokenEnv: 'BOB_TOKEN' },
      ]),
      'test.json',
      env,
    )
    expect(config.operators).toEqual([
      { name: 'alice', role: 'viewer', token: ALICE, field: 'operators[0].tokenEnv' },
      { name: 'bob', role: 'operator', token: BOB, field: 'operators[1].tokenEnv' },
    ])
    expect(parseConfig(valid, 'test.json', env).operators).toEqual([])
  })

  it.each([
    [
      'an unknown role',
      [{ name: 'alice', role: 'root', tokenEnv: 'ALICE_TOKEN' }],
      'operators[0].role: Invalid option',
    ],
    [
      'a duplicate name',
      [
        { name: 'alice', role: 'viewer', tokenEnv: 'ALICE_TOKEN' },
        { name: 'Alice', role: 'admin', tokenEnv: 'BOB_TOKEN' },
      ],
      'operators[1].name: duplicates operators[0].name',
    ],
    [
      'the reserved name admin',
      [{ name: 'admin', role: 'admin', tokenEnv: 'ALICE_TOKEN' }],
      'operators[0].name: is reserved',
    ],
    [
      'an unset tokenEnv',
      [{ name: 'alice', role: 'viewer', tokenEnv: 'NOBODY_TOKEN' }],
      'operators[0].tokenEnv: environment variable NOBODY_TOKEN is not set',
    ],
    [
      'a short token',
      [{ name: 'alice', role: 'viewer', tokenEnv: 'SHORT' }],
      'operators[0].tokenEnv: the token in SHORT is too short (5 characters; at least 32)',
    ],
    [
      'two operators sharing a token',
      [
        { name: 'alice', role: 'viewer', tokenEnv: 'ALICE_TOKEN' },
        { name: 'bob', role: 'admin', tokenEnv: 'ALICE_TOKEN' },
      ],
      'operators[1].tokenEnv: the same token as operators[0].tokenEnv',
    ],
    [
      'a name with a space',
      [{ name: 'al ice', role: 'viewer', tokenEnv: 'ALICE_TOKEN' }],
      'operators[0].name: must be 1–64',
    ],
  ])('refuses %s, naming the field', (_name, operators, expected) => {
    const problems = problemsOf(withOperators(operators), { ...env, SHORT: 'short' })
    expect(problems.join('\n')).toContain(expected)
    expect(problems.join('\n')).not.toContain(ALICE)
  })

  it('resolves single sign-on with defaults, the button named after the issuer', () => {
    const oidc = {
      issuer: 'https://login.example.com/realms/ops',
      clientId: 'relay-console',
      clientSecretEnv: 'OIDC_SECRET',
      roles: { sre: 'operator' },
    }
    expect(parseConfig({ ...valid, oidc }, 'test.json', env).oidc).toEqual({
      issuer: 'https://login.example.com/realms/ops',
      clientId: 'relay-console',
      clientSecret: 'client-secret',
      displayName: 'login.example.com',
      roleClaim: 'groups',
      roles: { sre: 'operator' },
      nameClaim: 'preferred_username',
      scopes: ['openid', 'profile', 'email'],
      redirectUrl: null,
    })
    expect(parseConfig(valid, 'test.json', env).oidc).toBeNull()
  })

  it.each([
    ['an issuer that is not a URL', { issuer: 'login', clientId: 'c', roles: { a: 'viewer' } }, 'oidc.issuer'],
    [
      'no role mapping',
      { issuer: 'https://idp.example', clientId: 'c', roles: {} },
      'oidc.roles: must map at least one',
    ],
    ['an unknown role', { issuer: 'https://idp.example', clientId: 'c', roles: { a: 'root' } }, 'oidc.roles.a'],
    [
      'a plain-http issuer off loopback',
      { issuer: 'http://idp.example', clientId: 'c', roles: { a: 'viewer' } },
      'oidc.issuer: must be https://',
    ],
    [
      'an unset secret',
      { issuer: 'https://idp.example', clientId: 'c', clientSecretEnv: 'NOPE', roles: { a: 'viewer' } },
      'oidc.clientSecretEnv: environment variable NOPE is not set',
    ],
  ])('refuses single sign-on with %s, naming the field', (_name, oidc, expected) => {
    expect(problemsOf({ ...valid, oidc }, env).join('\n')).toContain(expected)
  })
})

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-console-config-'))

  it('reads a file', () => {
    const file = join(dir, 'ok.json')
    writeFileSync(file, JSON.stringify({ connector: { url: 'ws://127.0.0.1:1' } }))
    expect(loadConfigFile(file, {}).connectorUrl).toBe('ws://127.0.0.1:1')
  })

  it('says when the file is missing or not JSON', () => {
    expect(() => loadConfigFile(join(dir, 'nope.json'), {})).toThrow(/cannot read the file: ENOENT/)
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{ "connector": ')
    expect(() => loadConfigFile(bad, {})).toThrow(/not valid JSON/)
  })
})
