/**
 * Helpers for tests that run the real console against the real reference connector, both on
 * ephemeral ports on 127.0.0.1, with shortened relay timings.
 * @module
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { type RunningConnector, startConnector } from '@relay-console/connector'
import { pino } from 'pino'
import { afterAll, beforeAll } from 'vitest'
import type { ResolvedInstance, RuntimeConfig } from './config/load'
import { EventsSchema, RelayTimingsSchema } from './config/schema'
import { demoInstance } from './demo/embedded'
import { REDACT_PATHS } from './lib/log'
import { type ConsoleOptions, type RunningConsole, startConsole } from './service'

export const OPERATOR_TOKEN = 'op_test_operator_token_0123456789abcdef'
export const IDENTITY_TOKEN = 'idt_test_identity_token_123456'
export const ADMIN_TOKEN = 'adm_test_admin_token_123456'

export const TEST_INSTANCES: ResolvedInstance[] = [
  demoInstance('acme', 'Acme support', [
    ['discord', '1234'],
    ['telegram', 'acme_bot'],
  ]),
  demoInstance('globex', 'Globex helpdesk', [['slack', 'B1']]),
]

export const FAST_RELAY = RelayTimingsSchema.parse({ backoffBaseMs: 50, backoffMaxMs: 300, handshakeTimeoutMs: 3000 })

export function tempDir(prefix = 'relay-console-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function testConnector(
  options: { dataDir?: string | null; port?: number } = {},
): Promise<RunningConnector> {
  return startConnector({
    dataDir: options.dataDir ?? null,
    port: options.port ?? 0,
    adminToken: ADMIN_TOKEN,
    identityTokens: { [IDENTITY_TOKEN]: 'default' },
    logger: pino({ level: 'silent' }),
  })
}

/** Captures every log line the console writes, for secrecy checks. */
export function capturedLogger() {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink)
  return { logger, lines }
}

export function testConfig(connectorUrl: string, overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    stateDir: tempDir(),
    connectorUrl,
    identityToken: IDENTITY_TOKEN,
    identityTokenEnv: 'RELAY_IDENTITY_TOKEN',
    instances: TEST_INSTANCES,
    relay: FAST_RELAY,
    events: EventsSchema.parse({}),
    allowedHosts: ['localhost'],
    ...overrides,
  }
}

export async function testConsole(
  config: RuntimeConfig,
  options: Partial<ConsoleOptions> = {},
): Promise<RunningConsole & { lines: string[] }> {
  const { logger, lines } = capturedLogger()
  const running = await startConsole({
    config,
    operatorToken: OPERATOR_TOKEN,
    logger,
    processMetrics: false,
    retry: { baseMs: 50, maxMs: 300 },
    revocationGraceMs: 1500,
    ...options,
  })
  return Object.assign(running, { lines })
}

/**
 * One reference connector and one console shared by a whole test file: started before its first
 * test, stopped after its last. Read `.console` inside tests.
 */
export function consoleForThisFile(overrides: Partial<RuntimeConfig> = {}): { readonly console: RunningConsole } {
  let connector: RunningConnector | null = null
  let running: RunningConsole | null = null
  beforeAll(async () => {
    connector = await testConnector()
    running = await testConsole(testConfig(connector.url, overrides))
  })
  afterAll(async () => {
    await running?.stop()
    await connector?.stop()
  })
  return {
    get console() {
      if (running === null) throw new Error('the console starts before the first test')
      return running
    },
  }
}

/** `fetch` against a console with the operator bearer, returning status and parsed JSON. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${OPERATOR_TOKEN}` },
): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  })
  const text = await res.text()
  let json: any = null
  try {
    json = text === '' ? null : JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, json, headers: res.headers }
}

export async function admin(connector: RunningConnector, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${connector.httpUrl}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return res.json()
}

export interface SseEventRecord {
  event: string
  id: string | null
  data: any
}

/** A small SSE client over fetch: records every event and lets a test wait for one. */
export function openEvents(base: string, headers: Record<string, string> = {}) {
  const controller = new AbortController()
  const events: SseEventRecord[] = []
  const waiters: Array<{ test: (e: SseEventRecord) => boolean; resolve: (e: SseEventRecord) => void }> = []
  const ready = fetch(`${base}/api/events`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...headers },
    signal: controller.signal,
  }).then(async (res) => {
    if (res.body === null) throw new Error(`no event stream: ${res.status}`)
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += value
          let cut = buffer.indexOf('\n\n')
          while (cut >= 0) {
            const block = buffer.slice(0, cut)
            buffer = buffer.slice(cut + 2)
            const record: SseEventRecord = { event: 'message', id: null, data: null }
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) record.event = line.slice(7)
              else if (line.startsWith('id: ')) record.id = line.slice(4)
              else if (line.startsWith('data: ')) record.data = JSON.parse(line.slice(6))
            }
            events.push(record)
            for (const w of [...waiters]) {
              if (w.test(record)) {
                waiters.splice(waiters.indexOf(w), 1)
                w.resolve(record)
              }
            }
            cut = buffer.indexOf('\n\n')
          }
        }
      } catch {
        // aborted
      }
    })()
    return res
  })
  return {
    events,
    ready,
    close: () => controller.abort(),
    waitFor(test: (e: SseEventRecord) => boolean, timeoutMs = 5000): Promise<SseEventRecord> {
      const seen = events.find(test)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('event not seen in time')), timeoutMs)
        waiters.push({
          test,
          resolve: (e) => {
            clearTimeout(timer)
            resolve(e)
          },
        })
      })
    },
  }
}

export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const allStates = (instance: any, state: string) =>
  instance?.platforms?.length > 0 && instance.platforms.every((p: any) => p.state === state)
