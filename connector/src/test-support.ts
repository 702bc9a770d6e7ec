/**
 * Helpers for tests that drive a real connector over real sockets on 127.0.0.1.
 * @module
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mintUpgradeToken } from '@relay-console/shared/relay/token'
import { pino } from 'pino'
import WebSocket from 'ws'
import { type ConnectorOptions, type RunningConnector, startConnector } from './connector'

export const IDENTITY = 'idt_test_identity_token'

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'relay-connector-test-'))
}

export function startTestConnector(options: Partial<ConnectorOptions> = {}): Promise<RunningConnector> {
  return startConnector({
    dataDir: null,
    adminToken: 'adm_test',
    identityTokens: { [IDENTITY]: 'default', idt_other: 'other-tenant' },
    logger: pino({ level: 'silent' }),
    ...options,
  })
}

export async function api(
  connector: RunningConnector,
  method: string,
  path: string,
  body?: unknown,
  bearer: string | null = connector.adminToken,
): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`
  const res = await fetch(`${connector.httpUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: text === '' ? null : JSON.parse(text) }
}

export async function provision(connector: RunningConnector, gatewayId: string, platform = 'discord'): Promise<string> {
  const { status, json } = await api(
    connector,
    'POST',
    '/relay/provision',
    { gatewayId, platform, botId: 'bot-1', gatewayEndpoint: '', routeKeys: [] },
    IDENTITY,
  )
  if (status !== 200) throw new Error(`provision failed: ${status} ${JSON.stringify(json)}`)
  return json.secret as string
}

export const tokenFor = (gatewayId: string, secret: string, nowMs = Date.now()) =>
  mintUpgradeToken({ gatewayId, secret, nowMs })

export interface Peer {
  ws: WebSocket
  frames: any[]
  /** Resolves with the close code and reason the connector sent. */
  closed: Promise<{ code: number; reason: string }>
  /** Resolves with the HTTP status when the upgrade itself was refused. */
  refused: Promise<number>
  opened: Promise<void>
  send(frame: object | string): void
  next(type: string, timeoutMs?: number): Promise<any>
}

/** A hand-written gateway: dials, records every frame, and lets a test wait for one. */
export function dial(
  url: string,
  token: string | null,
  options: { path?: string; autoPong?: boolean; headers?: Record<string, string> } = {},
): Peer {
  const headers: Record<string, string> = { ...options.headers }
  if (token !== null) headers.authorization = `Bearer ${token}`
  const ws = new WebSocket(`${url}${options.path ?? '/relay'}`, { headers, autoPong: options.autoPong ?? true })
  const frames: any[] = []
  const waiters: Array<{ type: string; resolve: (f: any) => void }> = []
  let buffer = ''
  ws.on('message', (data) => {
    buffer += data.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      const frame = JSON.parse(line)
      frames.push(frame)
      const index = waiters.findIndex((w) => w.type === frame.type)
      if (index >= 0) waiters.splice(index, 1)[0]?.resolve(frame)
    }
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const refused = new Promise<number>((resolve) =>
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    }),
  )
  const opened = new Promise<void>((resolve) => ws.on('open', () => resolve()))
  ws.on('error', () => {})
  return {
    ws,
    frames,
    closed,
    refused,
    opened,
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : `${JSON.stringify(frame)}\n`)
    },
    next(type, timeoutMs = 5000) {
      const seen = frames.find((f) => f.type === type && !f.__taken)
      if (seen) {
        seen.__taken = true
        return Promise.resolve(seen)
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms`)), timeoutMs)
        waiters.push({
          type,
          resolve: (f) => {
            clearTimeout(timer)
            f.__taken = true
            resolve(f)
          },
        })
      })
    },
  }
}

export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
