/**
 * The only module that talks to the network: every request to the console's API, parsed with
 * the shared schemas, and the one EventSource of the tab. Every request carries the session's tab
 * key (docs/api.md, "Sessions"). Errors become {@link ApiError}s that carry the server's stable
 * code, which the UI translates.
 * @module
 */
// Before the schemas: wherever the bundler puts this module (and the shared schemas with it), Zod
// is told not to generate code before any schema is built (the CSP forbids eval).
import './zod-jitless'
import {
  ApiErrorSchema,
  AuditResponseSchema,
  BulkRelayResponseSchema,
  ClientInstancesResponseSchema,
  ClusterResponseSchema,
  HistoryResponseSchema,
  LoginOptionsSchema,
  SessionInfoSchema,
  SessionListSchema,
  SessionStartedSchema,
  SignedOutSchema,
  TAB_KEY_HEADER,
  TAB_KEY_PARAM,
} from '@relay-console/shared/api'
import type { ApiErrorCode } from '@relay-console/shared/api-error-codes'
import {
  DeliveriesResponseSchema,
  type MaintenanceBody,
  MaintenanceListSchema,
  MaintenanceWindowSchema,
  NotificationsInfoSchema,
  TestNotificationResponseSchema,
} from '@relay-console/shared/fleet-ops'
import { ClientInstanceSchema } from '@relay-console/shared/instance'
import type { z } from 'zod'
import { clearTabKey, readTabKey, storeTabKey } from './tab-key'

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

/** Called whenever the console answers 401: the session is gone, or this origin lost its tab key. */
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
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const key = readTabKey()
  if (key !== null) headers[TAB_KEY_HEADER] = key
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers,
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
  /** Opts many instances out or in with one request; each gets its outcome. */
  bulkRelay: (ids: readonly string[], optedIn: boolean) =>
    request('POST', '/api/relay/bulk', BulkRelayResponseSchema, { ids, optedIn }),
  getHistory: (id: string) => request('GET', `/api/instances/${encodeURIComponent(id)}/history`, HistoryResponseSchema),
  getAudit: (instanceId: string) =>
    request('GET', `/api/audit?instanceId=${encodeURIComponent(instanceId)}&limit=50`, AuditResponseSchema),
  getCluster: () => request('GET', '/api/cluster', ClusterResponseSchema),
  login: async (token: string) => {
    const { key } = await request('POST', '/api/session', SessionStartedSchema, { token }, { quiet401: true })
    storeTabKey(key)
    missed401 = false
    return null
  },
  /** Ends the session; the tab key goes whatever the answer (a console that forgot it answers 401). */
  logout: () => request('DELETE', '/api/session', null).finally(clearTabKey),
  /** What the login page can offer besides the token (single sign-on); needs no session. */
  getLoginOptions: () => request('GET', '/auth/options', LoginOptionsSchema, undefined, { quiet401: true }),
  /** Who is signed in, and their role. */
  getSession: () => request('GET', '/api/session', SessionInfoSchema),
  /** Ends every session of the signed-in operator (this one too); the tab key goes as with logout. */
  signOutEverywhere: () => request('POST', '/api/session/sign-out-everywhere', SignedOutSchema).finally(clearTabKey),
  /** Every operator's open sessions (admins). */
  listSessions: () => request('GET', '/api/sessions', SessionListSchema),
  revokeSession: (id: string) => request('DELETE', `/api/sessions/${encodeURIComponent(id)}`, null),
  /** Maintenance windows: open ones and the latest over. */
  listMaintenance: () => request('GET', '/api/maintenance', MaintenanceListSchema),
  scheduleMaintenance: (body: MaintenanceBody) => request('POST', '/api/maintenance', MaintenanceWindowSchema, body),
  /** Cancels a window before its start, or ends it now. */
  endMaintenance: (id: string) =>
    request('DELETE', `/api/maintenance/${encodeURIComponent(id)}`, MaintenanceWindowSchema),
  /** The webhooks configured (admins). */
  getNotifications: () => request('GET', '/api/notifications', NotificationsInfoSchema),
  listDeliveries: () => request('GET', '/api/notifications/deliveries?limit=200', DeliveriesResponseSchema),
  sendTestNotification: (webhook?: string) =>
    request(
      'POST',
      '/api/notifications/test',
      TestNotificationResponseSchema,
      webhook === undefined ? {} : { webhook },
    ),
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

/** The tab's one event stream. An EventSource cannot set headers: the tab key goes in the query. */
export function openEventStream(): EventSource {
  const key = readTabKey()
  return new EventSource(key === null ? '/api/events' : `/api/events?${TAB_KEY_PARAM}=${encodeURIComponent(key)}`)
}
