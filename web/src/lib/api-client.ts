/**
 * The only module that talks to the network: every request to the console's API, parsed with
 * the shared schemas, and the one EventSource of the tab. Errors become {@link ApiError}s that
 * carry the server's stable code, which the UI translates.
 * @module
 */
import {
  ApiErrorSchema,
  AuditResponseSchema,
  ClientInstancesResponseSchema,
  HistoryResponseSchema,
  SessionInfoSchema,
} from '@relay-console/shared/api'
import type { ApiErrorCode } from '@relay-console/shared/api-error-codes'
import { ClientInstanceSchema } from '@relay-console/shared/instance'
import type { z } from 'zod'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** An {@link ApiErrorCode} from a console of this version; any string from another peer. */
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

type Listener = () => void
const unauthenticatedListeners = new Set<Listener>()
/** A 401 arrived before anyone listened (a request made while the app was still starting). */
let missed401 = false

/** Called whenever the console answers 401: the session is gone. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener)
  if (missed401) {
    missed401 = false
    queueMicrotask(listener)
  }
  return () => unauthenticatedListeners.delete(listener)
}

function announce401(): void {
  if (unauthenticatedListeners.size === 0) missed401 = true
  for (const listener of unauthenticatedListeners) listener()
}

async function request<S extends z.ZodType | null>(
  method: string,
  path: string,
  schema: S,
  body?: unknown,
  options: { quiet401?: boolean } = {},
): Promise<S extends z.ZodType ? z.infer<S> : null> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    throw new ApiError(0, 'network' satisfies ApiErrorCode, error instanceof Error ? error.message : String(error))
  }
  if (response.status === 401 && !options.quiet401) announce401()
  if (!response.ok) {
    const parsed = ApiErrorSchema.safeParse(await response.json().catch(() => null))
    if (parsed.success) throw new ApiError(response.status, parsed.data.error.code, parsed.data.error.message)
    throw new ApiError(response.status, `http_${response.status}` satisfies ApiErrorCode, response.statusText)
  }
  if (schema === null) return null as never
  const parsed = schema.safeParse(await response.json().catch(() => null))
  if (!parsed.success) {
    throw new ApiError(response.status, 'invalid_response' satisfies ApiErrorCode, `unexpected answer from ${path}`)
  }
  return parsed.data as never
}

export const api = {
  getInstances: () => request('GET', '/api/instances', ClientInstancesResponseSchema),
  setRelay: (id: string, optedIn: boolean) =>
    request('PUT', `/api/instances/${encodeURIComponent(id)}/relay`, ClientInstanceSchema, { optedIn }),
  getHistory: (id: string) => request('GET', `/api/instances/${encodeURIComponent(id)}/history`, HistoryResponseSchema),
  getAudit: (instanceId: string) =>
    request('GET', `/api/audit?instanceId=${encodeURIComponent(instanceId)}&limit=50`, AuditResponseSchema),
  login: async (token: string) => {
    await request('POST', '/api/session', null, { token }, { quiet401: true })
    missed401 = false
    return null
  },
  logout: () => request('DELETE', '/api/session', null),
  /** Whether the session still stands, without raising the 401 alarm. */
  async checkSession(): Promise<'ok' | 'unauthenticated' | 'unreachable'> {
    try {
      await request('GET', '/api/session', SessionInfoSchema, undefined, { quiet401: true })
      return 'ok'
    } catch (error) {
      return error instanceof ApiError && error.status === 401 ? 'unauthenticated' : 'unreachable'
    }
  },
}

/** The tab's one event stream. */
export function openEventStream(): EventSource {
  return new EventSource('/api/events')
}
