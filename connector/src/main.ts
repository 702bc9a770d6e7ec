#!/usr/bin/env -S npx tsx
/**
 * `npm run connector -- --port 8788 --data DIR`: the reference connector as a process.
 * Tokens come from the environment; missing ones are generated once and kept, owner-readable
 * only, in DIR/credentials.json — never printed.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { generateToken, startConnector } from './connector'
import { createLogger } from './log'

const USAGE = `Usage: relay-connector [--host 127.0.0.1] [--port 8788] [--data .connector-data]
                       [--allowed-host NAME[:PORT]]... [--demo-traffic MS]
                       [--ping-interval-ms MS] [--pong-timeout-ms MS] [--log-level info]
Environment: CONNECTOR_ADMIN_TOKEN (admin API bearer), RELAY_IDENTITY_TOKEN (operator identity
token, tenant "default"). Missing ones are generated and stored in <data>/credentials.json.`

const Credentials = z.object({ adminToken: z.string().min(1), identityToken: z.string().min(1) })

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a non-negative integer, not ${JSON.stringify(text)}`)
  return value
}

function loadCredentials(dataDir: string): z.infer<typeof Credentials> {
  const file = join(dataDir, 'credentials.json')
  const stored = existsSync(file) ? Credentials.partial().safeParse(JSON.parse(readFileSync(file, 'utf8'))) : null
  const credentials = {
    adminToken: process.env.CONNECTOR_ADMIN_TOKEN || stored?.data?.adminToken || generateToken('adm'),
    identityToken: process.env.RELAY_IDENTITY_TOKEN || stored?.data?.identityToken || generateToken('idt'),
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
  return credentials
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8788' },
      data: { type: 'string', default: '.connector-data' },
      'allowed-host': { type: 'string', multiple: true },
      'demo-traffic': { type: 'string' },
      'ping-interval-ms': { type: 'string' },
      'pong-timeout-ms': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const dataDir = resolve(values.data)
  const credentials = loadCredentials(dataDir)
  const connector = await startConnector({
    host: values.host,
    port: positiveInt('port', values.port) ?? 8788,
    dataDir,
    adminToken: credentials.adminToken,
    identityTokens: { [credentials.identityToken]: 'default' },
    allowedHosts: values['allowed-host'] ?? [],
    demoTrafficMs: positiveInt('demo-traffic', values['demo-traffic']) ?? null,
    pingIntervalMs: positiveInt('ping-interval-ms', values['ping-interval-ms']),
    pongTimeoutMs: positiveInt('pong-timeout-ms', values['pong-timeout-ms']),
    logger: createLogger(values['log-level']),
  })
  console.log(`Relay connector listening: ${connector.url}/relay`)
  console.log(`  admin API: ${connector.httpUrl}/admin (loopback only)`)
  console.log(`  tokens:    ${join(dataDir, 'credentials.json')}`)
  const shutdown = () => {
    connector.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

main().catch((error: unknown) => {
  console.error(`relay-connector: ${error instanceof Error ? error.message : String(error)}`)
  console.error(USAGE)
  process.exit(2)
})
