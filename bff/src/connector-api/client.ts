/**
 * The connector's HTTP routes as the console calls them (docs/relay-contract.md §6): provision (identity
 * bearer) and deprovision (the instance's own upgrade token). JSON, a 15 s timeout, replies parsed
 * with zod, errors carrying the status and the connector's own `error` text. Redirects are followed
 * only on the same origin: a bearer never travels to another host. At most 64 KB of any reply is
 * read, and the connector's error text is cut to about 500 characters (see `read-capped.ts`).
 * @module
 */
import type { Clock } from '@relay-console/shared/clock'
import {
  ConnectorErrorSchema,
  type ProvisionRequest,
  type ProvisionResponse,
  ProvisionResponseSchema,
} from '@relay-console/shared/relay/http-schemas'
import { mintUpgradeToken } from '@relay-console/shared/relay/token'
import { type ConnectorRoute, connectorHttpUrl } from '@relay-console/shared/relay/urls'
import { z } from 'zod'
import { clipText, MAX_REPLY_BYTES, readCapped } from './read-capped'

export type CallFailure = {
  ok: false
  /** `network`: no answer (refused, timeout, DNS); `http`: an answer with a non-2xx status. */
  kind: 'network' | 'http' | 'invalid_reply'
  status: number | null
  message: string
  /** 5xx, 429 and network errors heal; other 4xx do not (docs/relay-contract.md §6). */
  retryable: boolean
}
export type CallResult<T> = { ok: true; value: T } | CallFailure

export interface ConnectorClientOptions {
  /** The configured connector URL, any scheme. */
  connectorUrl: string
  clock: Clock
  fetch?: typeof globalThis.fetch
  timeoutMs?: number
}

export interface ConnectorClient {
  provision(identityToken: string, body: ProvisionRequest): Promise<CallResult<ProvisionResponse>>
  deprovision(gatewayId: string, secret: string): Promise<CallResult<{ alreadyRevoked: boolean }>>
}

const DeprovisionReply = z.looseObject({ alreadyRevoked: z.boolean().optional() })
const MAX_REDIRECTS = 3

export function createConnectorClient(options: ConnectorClientOptions): ConnectorClient {
  const doFetch = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? 15_000

  async function call<S extends z.ZodType>(
    route: ConnectorRoute,
    bearer: string,
    body: unknown,
    schema: S,
  ): Promise<CallResult<z.infer<S>>> {
    let url = connectorHttpUrl(options.connectorUrl, route)
    const origin = new URL(url).origin
    let response: Response
    try {
      for (let hop = 0; ; hop++) {
        response = await doFetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${bearer}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        })
        if (response.status < 300 || response.status >= 400) break
        response.body?.cancel().catch(() => {})
        const location = response.headers.get('location')
        const next = location === null ? null : new URL(location, url)
        if (next === null || next.origin !== origin || hop >= MAX_REDIRECTS) {
          return {
            ok: false,
            kind: 'http',
            status: response.status,
            message: `connector redirected ${route} ${next && next.origin !== origin ? 'to another host' : 'too often'}; not following with credentials`,
            retryable: false,
          }
        }
        url = next.toString()
      }
    } catch (error) {
      return networkFailure(route, error, timeoutMs, 'could not reach the connector for')
    }
    // A hostile connector's body is read up to the cap only: it must not grow our memory, nor reach
    // API responses, the audit or the logs whole.
    const reply = await readCapped(response)
    if (reply.kind === 'broken') return networkFailure(route, reply.error, timeoutMs, 'lost the connector’s reply to')
    const overCap = reply.kind === 'too_long' ? ` (its reply was over ${MAX_REPLY_BYTES / 1024} KB; not read)` : ''
    const text = reply.kind === 'text' ? reply.text : ''
    let json: unknown = null
    try {
      json = text === '' ? null : JSON.parse(text)
    } catch {
      json = null
    }
    if (!response.ok) {
      const said = ConnectorErrorSchema.safeParse(json)
      const detail = said.success ? `: ${clipText(said.data.error)}` : ''
      return {
        ok: false,
        kind: 'http',
        status: response.status,
        message: `connector answered ${route} with HTTP ${response.status}${detail}${overCap}`,
        // A 429 is the connector throttling us: waiting (the reconciler's backoff) heals it.
        retryable: response.status >= 500 || response.status === 429,
      }
    }
    if (overCap !== '') {
      return {
        ok: false,
        kind: 'invalid_reply',
        status: response.status,
        message: `connector's reply to ${route} is invalid${overCap}`,
        retryable: false,
      }
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      return {
        ok: false,
        kind: 'invalid_reply',
        status: response.status,
        message: `connector's reply to ${route} is invalid: ${clipText(parsed.error.issues.map((i) => i.message).join('; '))}`,
        retryable: false,
      }
    }
    return { ok: true, value: parsed.data }
  }

  return {
    provision: (identityToken, body) => call('/relay/provision', identityToken, body, ProvisionResponseSchema),
    async deprovision(gatewayId, secret) {
      const token = mintUpgradeToken({ gatewayId, secret, nowMs: options.clock.now() })
      const result = await call('/manage/deprovision', token, {}, DeprovisionReply)
      return result.ok ? { ok: true, value: { alreadyRevoked: result.value.alreadyRevoked ?? false } } : result
    },
  }
}

function networkFailure(route: ConnectorRoute, error: unknown, timeoutMs: number, what: string): CallFailure {
  const message =
    error instanceof Error && error.name === 'TimeoutError'
      ? `connector did not answer ${route} within ${timeoutMs / 1000} s`
      : `${what} ${route}: ${clipText(causeText(error))}`
  return { ok: false, kind: 'network', status: null, message, retryable: true }
}

function causeText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause
    if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message
    return error.message
  }
  return String(error)
}
