/**
 * Bodies of the console's HTTP API (docs/api.md, "Routes").
 * @module
 */
import { z } from 'zod'
import { ClientInstanceSchema, InstanceSchema } from './instance'
import { PlatformStateSchema } from './platform-state'
import { OperatorSchema } from './roles'

const Timestamp = z.iso.datetime({ offset: true })

/** `PUT /api/instances/:id/relay`. Unknown fields are refused, not ignored. */
export const SetRelayBodySchema = z.strictObject({ optedIn: z.boolean() })
export type SetRelayBody = z.infer<typeof SetRelayBodySchema>

/** The most instances one bulk request may name. */
export const BULK_MAX_IDS = 10_000

/** `POST /api/relay/bulk`: opt these instances out or in, in one request. */
export const BulkRelayBodySchema = z.strictObject({
  ids: z.array(z.string().min(1).max(200)).min(1).max(BULK_MAX_IDS),
  optedIn: z.boolean(),
})
export type BulkRelayBody = z.infer<typeof BulkRelayBodySchema>

/**
 * One instance's outcome in a bulk request: `ok` done, `pending` kept and carried out later (the
 * connector failed, or the replica holding it did not answer in time; `error` says which),
 * `failed` not done (`superseded`: a later request asked for the opposite).
 */
export const BulkRelayResultSchema = z.object({
  id: z.string(),
  result: z.enum(['ok', 'pending', 'failed']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
})
export type BulkRelayResult = z.infer<typeof BulkRelayResultSchema>
export const BulkRelayResponseSchema = z.object({ batchId: z.string(), results: z.array(BulkRelayResultSchema) })
export type BulkRelayResponse = z.infer<typeof BulkRelayResponseSchema>

/** `POST /api/session`. */
export const SessionBodySchema = z.strictObject({ token: z.string().min(1).max(1024) })
export type SessionBody = z.infer<typeof SessionBodySchema>

/** `GET /api/instances`, and the body of the SSE `snapshot` event. */
export const InstancesResponseSchema = z.object({
  rev: z.number().int().nonnegative(),
  instances: z.array(InstanceSchema),
})
export type InstancesResponse = z.infer<typeof InstancesResponseSchema>

/** `GET /api/instances` as a client reads it (unknown platform states tolerated). */
export const ClientInstancesResponseSchema = z.object({
  rev: z.number().int().nonnegative(),
  instances: z.array(ClientInstanceSchema),
})
export type ClientInstancesResponse = z.infer<typeof ClientInstancesResponseSchema>

/**
 * `POST /api/session`: the session's tab key, which the page keeps in its origin's storage and
 * sends with every request (docs/api.md, "Sessions"). The login link hands it over in the URL
 * fragment instead: `/#k=<key>`.
 */
export const SessionStartedSchema = z.object({ key: z.string().min(1) })
export type SessionStarted = z.infer<typeof SessionStartedSchema>

/** The request header that carries the tab key. */
export const TAB_KEY_HEADER = 'X-Relay-Console-Key'
/** The query parameter that carries it on `GET /api/events` (an EventSource cannot set headers), and the fragment's name. */
export const TAB_KEY_PARAM = 'k'

/**
 * `GET /api/session`: who is signed in, and how this request proved it: `bearer`, or the session's
 * sign-in (`token`, the one-time `link`, or single sign-on, `oidc`).
 */
export const SessionInfoSchema = z.object({
  authenticated: z.literal(true),
  operator: OperatorSchema,
  via: z.enum(['bearer', 'token', 'link', 'oidc']),
})
export type SessionInfo = z.infer<typeof SessionInfoSchema>

/**
 * `GET /auth/options` (no sign-in needed): what the login page can offer besides the token. `sso`
 * is null without single sign-on; `available` is false while its provider cannot be reached.
 */
export const LoginOptionsSchema = z.object({
  sso: z.object({ name: z.string(), available: z.boolean() }).nullable(),
})
export type LoginOptions = z.infer<typeof LoginOptionsSchema>

/** Why a single sign-on did not complete: `/login?sso=<reason>`. */
export const SSO_FAILURES = ['unavailable', 'no_role', 'failed'] as const
export type SsoFailure = (typeof SSO_FAILURES)[number]

/** One open session, as `GET /api/sessions` lists it (admins). `id` names it for `DELETE /api/sessions/:id`. */
export const SessionListEntrySchema = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  operator: OperatorSchema,
  via: z.enum(['token', 'link', 'oidc']),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  clientAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  /** The session this request came with. */
  current: z.boolean(),
})
export type SessionListEntry = z.infer<typeof SessionListEntrySchema>
export const SessionListSchema = z.object({ sessions: z.array(SessionListEntrySchema) })
export type SessionList = z.infer<typeof SessionListSchema>

/** `POST /api/session/sign-out-everywhere`: how many sessions were ended (this one among them). */
export const SignedOutSchema = z.object({ ended: z.number().int().nonnegative() })

/** One observed change of one platform's state. */
export const TransitionSchema = z.object({
  rev: z.number().int().nonnegative(),
  at: Timestamp,
  platform: z.string(),
  from: PlatformStateSchema.nullable(),
  to: PlatformStateSchema,
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
})
export type Transition = z.infer<typeof TransitionSchema>

export const HistoryResponseSchema = z.object({ transitions: z.array(TransitionSchema) })
export type HistoryResponse = z.infer<typeof HistoryResponseSchema>

export const AUDIT_ACTIONS = [
  'opt_out',
  'opt_in',
  'revoked_by_connector',
  'deprovision_retry',
  'provision_retry',
] as const
export const AuditActionSchema = z.enum(AUDIT_ACTIONS)
export type AuditAction = z.infer<typeof AuditActionSchema>

export const AUDIT_RESULTS = ['ok', 'pending', 'failed'] as const
export const AuditResultSchema = z.enum(AUDIT_RESULTS)
export type AuditResult = z.infer<typeof AuditResultSchema>

export const AuditEntrySchema = z.object({
  at: Timestamp,
  actor: z.string(),
  action: AuditActionSchema,
  instanceId: z.string(),
  result: AuditResultSchema,
  detail: z.string().nullable(),
  /** The bulk request it was part of (`POST /api/relay/bulk`), or null. */
  batchId: z.string().nullable().optional(),
})
export type AuditEntry = z.infer<typeof AuditEntrySchema>

export const AuditResponseSchema = z.object({ entries: z.array(AuditEntrySchema) })
export type AuditResponse = z.infer<typeof AuditResponseSchema>

/** One console process of the cluster. */
export const ReplicaSchema = z.object({
  id: z.string().min(1),
  /** Where the replica serves the console's API (`http://host:port`). */
  listen: z.string(),
  startedAt: Timestamp,
  /** Its last heartbeat. */
  lastSeenAt: Timestamp,
  /** How many instances it holds (whose relay sockets it dials). */
  owned: z.number().int().nonnegative(),
})
export type Replica = z.infer<typeof ReplicaSchema>

/**
 * `GET /api/cluster`: the replica that answered (`self`) and every replica. One process without a
 * database answers with itself alone.
 */
export const ClusterResponseSchema = z.object({ self: z.string().min(1), replicas: z.array(ReplicaSchema) })
export type ClusterResponse = z.infer<typeof ClusterResponseSchema>

/** Every API error: `{"error":{"code":"…","message":"…"}}`. */
export const ApiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
})
export type ApiError = z.infer<typeof ApiErrorSchema>
