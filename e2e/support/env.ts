/**
 * What every e2e process agrees on: tokens, the shared stack's ports and run directory, and the
 * shortened relay timings. Imported by playwright.config.ts (main process) and by the specs.
 * @module
 */
import { join } from 'node:path'
import { REPO } from '@relay-console/testkit/procs'

export const OPERATOR_TOKEN = 'e2e-operator-token-0123456789abcdef'
export const IDENTITY_TOKEN = 'e2e-identity-token-0123456789'
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789'

export const TSX = join(REPO, 'node_modules', '.bin', 'tsx')

// Below Linux's ephemeral range (32768–60999), so no outgoing socket of another test can hold them.
export const SHARED_CONSOLE_PORT = Number(process.env.E2E_CONSOLE_PORT ?? 28787)
export const SHARED_CONNECTOR_PORT = Number(process.env.E2E_CONNECTOR_PORT ?? 28788)
export const SHARED_CONSOLE_URL = `http://127.0.0.1:${SHARED_CONSOLE_PORT}`
export const SHARED_CONNECTOR_URL = `http://127.0.0.1:${SHARED_CONNECTOR_PORT}`

/** Short enough that retries show within a second or two, long enough to read. */
export const FAST_RELAY = {
  backoffBaseMs: 200,
  backoffMaxMs: 2000,
  stableAfterMs: 60_000,
  pingIntervalMs: 5000,
  pongTimeoutMs: 10_000,
  attentionAfterMs: 7_200_000,
  handshakeTimeoutMs: 30_000,
}

export interface InstanceDef {
  id: string
  displayName: string
  gatewayId: string
  platforms: Array<{ platform: string; botId: string }>
  labels?: Record<string, string>
}

const def = (id: string, displayName: string, platforms: string[]): InstanceDef => ({
  id,
  displayName,
  gatewayId: `gw-${id}`,
  platforms: platforms.map((platform, i) => ({ platform, botId: `${id}-bot-${i}` })),
})

/** The shared stack's fleet. Each test that changes an instance has one of its own. */
export const SHARED_INSTANCES: InstanceDef[] = [
  def('demo-acme', 'Acme support', ['discord', 'telegram']),
  def('demo-globex', 'Globex helpdesk', ['slack', 'discord', 'whatsapp']),
  def('e2e-optout', 'Opt-out target', ['discord', 'telegram']),
  def('e2e-optin', 'Opt-in target', ['discord', 'slack']),
  def('e2e-revoke', 'Revocation target', ['telegram']),
  def('e2e-refused', 'Refused target', ['slack']),
  def('e2e-keyboard', 'Keyboard target', ['discord']),
]

/** One instance of the shared fleet, by id; an unknown id fails the test that asked. */
export function sharedInstance(id: string): InstanceDef {
  const found = SHARED_INSTANCES.find((i) => i.id === id)
  if (found === undefined) throw new Error(`no shared instance ${id}`)
  return found
}

export function consoleConfig(options: {
  port: number
  connectorPort: number
  stateDir: string
  instances: InstanceDef[]
  relay?: Partial<typeof FAST_RELAY>
}): object {
  return {
    listen: { host: '127.0.0.1', port: options.port },
    stateDir: options.stateDir,
    connector: { url: `ws://127.0.0.1:${options.connectorPort}`, identityTokenEnv: 'RELAY_IDENTITY_TOKEN' },
    instances: options.instances,
    relay: { ...FAST_RELAY, ...options.relay },
  }
}

export const PROCESS_ENV = {
  RELAY_CONSOLE_TOKEN: OPERATOR_TOKEN,
  RELAY_IDENTITY_TOKEN: IDENTITY_TOKEN,
  CONNECTOR_ADMIN_TOKEN: ADMIN_TOKEN,
  LOG_LEVEL: 'warn',
}
