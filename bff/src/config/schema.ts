/**
 * The console's config file (docs/configuration.md, "The file"): JSON, validated here. Unknown keys are
 * refused, so a typo names itself instead of being silently ignored.
 * @module
 */

import { NotificationEventTypeSchema } from '@relay-console/shared/fleet-ops'
import { LabelsSchema } from '@relay-console/shared/instance'
import { connectorHttpBase } from '@relay-console/shared/relay/urls'
import { OperatorNameSchema, RoleSchema } from '@relay-console/shared/roles'
import { z } from 'zod'
import { parseAddressBlock } from '../lib/addresses'
import { insecureExposures } from './exposure'

const Ms = (min: number) => z.number().int().min(min)

/** Labels per instance, at most. */
const MAX_LABELS = 32

const PlatformSchema = z.strictObject({
  platform: z.string().trim().min(1).max(64),
  botId: z.string().max(200).default(''),
})

const InstanceIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  )

const InstanceConfigSchema = z
  .strictObject({
    id: InstanceIdSchema,
    displayName: z.string().trim().min(1).max(120),
    gatewayId: z.string().trim().min(1).max(200),
    secret: z.string().optional(),
    secretEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    /** `{ "tenant": "acme", "region": "eu-west" }`: shown as chips, searched as `key:value`, grouped by. */
    labels: LabelsSchema.refine((labels) => Object.keys(labels).length <= MAX_LABELS, {
      message: `at most ${MAX_LABELS} labels`,
    }).default({}),
    platforms: z
      .array(PlatformSchema)
      .min(1, 'needs at least one platform')
      .refine((ps) => new Set(ps.map((p) => p.platform)).size === ps.length, 'lists a platform twice'),
  })
  .refine((i) => !(i.secret !== undefined && i.secretEnv !== undefined), {
    message: 'set secret or secretEnv, not both',
    path: ['secretEnv'],
  })
  .refine((i) => i.secret === undefined || i.secret.trim() !== '', { message: 'must not be blank', path: ['secret'] })

export const RelayTimingsSchema = z.strictObject({
  backoffBaseMs: Ms(1).default(1000),
  backoffMaxMs: Ms(1).default(30_000),
  stableAfterMs: Ms(0).default(60_000),
  pingIntervalMs: Ms(10).default(30_000),
  pongTimeoutMs: Ms(10).default(60_000),
  attentionAfterMs: Ms(0).default(7_200_000),
  handshakeTimeoutMs: Ms(10).default(30_000),
  /** Dials per second across the whole fleet, so a connector restart is not met by a stampede. */
  maxDialsPerSecond: z.number().int().min(1).default(400),
})

const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')

/** docs/configuration.md, "Environment": shorter operator tokens are refused at start. */
export const MIN_OPERATOR_TOKEN_LENGTH = 32

/** Names the console itself uses in the audit log, or gives the operator token: no operator may take them. */
export const RESERVED_OPERATOR_NAMES = ['admin', 'operator', 'connector', 'console', 'api'] as const

/** `operators[]` (docs/operators.md): each signs in with the token in its environment variable. */
const OperatorConfigSchema = z.strictObject({
  name: OperatorNameSchema.refine(
    (name) => !(RESERVED_OPERATOR_NAMES as readonly string[]).includes(name.toLowerCase()),
    `is reserved (${RESERVED_OPERATOR_NAMES.join(', ')}): the operator token signs in as "admin"`,
  ),
  role: RoleSchema,
  tokenEnv: EnvNameSchema,
})

/** `oidc` (docs/operators.md, "Single sign-on"): authorization code flow with PKCE. */
export const OidcSchema = z.strictObject({
  issuer: z.url({ protocol: /^https?$/, error: 'must be the issuer URL (https://…)' }),
  clientId: z.string().trim().min(1),
  clientSecretEnv: EnvNameSchema.optional(),
  /** What the login page's button names ("Sign in with …"); the issuer's host by default. */
  displayName: z.string().trim().min(1).max(60).optional(),
  /** The claim whose value (or values) pick the role. */
  roleClaim: z.string().trim().min(1).default('groups'),
  roles: z
    .record(z.string().min(1), RoleSchema)
    .refine((r) => Object.keys(r).length > 0, 'must map at least one claim value to a role'),
  /** The claim that names the operator in the audit log. */
  nameClaim: z.string().trim().min(1).default('preferred_username'),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope name'))
    .default(['openid', 'profile', 'email']),
  /** Where the provider sends the browser back, when the console cannot tell its own public URL (`…/auth/oidc/callback`). */
  redirectUrl: z.url({ protocol: /^https?$/ }).optional(),
})

export const EventsSchema = z.strictObject({
  /** A `ping` event this often keeps idle proxies from closing streams and lets clients see liveness. */
  pingIntervalMs: Ms(100).default(15_000),
  /** A client with more than this many bytes unsent is dropped; it reconnects and catches up. */
  maxClientBacklogBytes: z
    .number()
    .int()
    .min(16 * 1024)
    .default(1024 * 1024),
  /** How many of the latest changes the change log keeps, so a reconnecting client can be replayed. */
  replayChanges: z.number().int().min(1000).default(10_000),
})

/** Several replicas on PostgreSQL (docs/deployment.md): how long a lease lasts, how often it is renewed. */
export const ClusterSchema = z
  .strictObject({
    leaseTtlMs: z.number().int().min(1000).max(600_000).default(10_000),
    renewIntervalMs: z.number().int().min(100).max(60_000).default(2000),
  })
  // A replica trusts its lease for four fifths of the TTL (the rest is its self-fence margin), and
  // must renew twice within that: a lease survives one missed renewal.
  .refine((c) => c.renewIntervalMs * 2 <= c.leaseTtlMs * 0.8, {
    message: 'must be at most 40 % of cluster.leaseTtlMs, so a lease survives one missed renewal',
    path: ['renewIntervalMs'],
  })

const ENV_NAME = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')

/** One receiver of notifications (docs/notifications.md). */
export const WebhookSchema = z.strictObject({
  /** How the delivery log names it (the URL may itself be a secret, as Slack's are); its host when absent. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9._ -]{1,63}$/, 'must be 1–63 letters, digits, spaces, ".", "_" or "-"')
    .optional(),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }),
  /** The environment variable holding the HMAC secret the body is signed with. */
  secretEnv: ENV_NAME,
  events: z.array(NotificationEventTypeSchema).min(1, 'names no event'),
  format: z.enum(['json', 'slack']).default('json'),
})

export const NotificationsSchema = z.strictObject({
  webhooks: z.array(WebhookSchema).default([]),
  /** A failure that recovers within this long sends nothing (nor does its recovery). */
  flappingWindowMs: z.number().int().min(0).max(3_600_000).default(60_000),
  /** How long a receiver has to answer one try. */
  timeoutMs: z.number().int().min(1000).max(60_000).default(10_000),
  /** How long a delivery is retried before it is given up. */
  retryForMs: z
    .number()
    .int()
    .min(60_000)
    .max(7 * 24 * 3_600_000)
    .default(24 * 3_600_000),
})

export const ConfigSchema = z
  .strictObject({
    listen: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8787),
      })
      .default({ host: '127.0.0.1', port: 8787 }),
    stateDir: z.string().min(1).default('.relay-console'),
    connector: z.strictObject({
      url: z.string().refine((url) => {
        try {
          connectorHttpBase(url)
          return true
        } catch {
          return false
        }
      }, 'must be an http(s):// or ws(s):// URL without query or fragment'),
      identityTokenEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
        .default('RELAY_IDENTITY_TOKEN'),
    }),
    instances: z.array(InstanceConfigSchema).default([]),
    relay: RelayTimingsSchema.default(RelayTimingsSchema.parse({})),
    events: EventsSchema.default(EventsSchema.parse({})),
    /** Extra Host header values to accept (behind a reverse proxy); loopback names are always accepted. */
    allowedHosts: z.array(z.string().min(1)).default([]),
    /**
     * Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or CIDR
     * blocks). From any other peer both headers are ignored.
     */
    trustProxy: z
      .array(
        z
          .string()
          .refine(
            (entry) => parseAddressBlock(entry) !== null,
            'must be an IP address or a CIDR block (10.0.0.1, 10.0.0.0/8, fd00::/8)',
          ),
      )
      .default([]),
    /** Accept listening beyond loopback and a plaintext connector across a network (warned at start). */
    allowInsecure: z.boolean().default(false),
    /**
     * Keep all durable state in this PostgreSQL database and run as one replica of a cluster
     * (`RELAY_CONSOLE_DATABASE_URL` wins); without it, SQLite in `stateDir`, one process.
     */
    database: z
      .strictObject({
        url: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL'),
      })
      .optional(),
    cluster: ClusterSchema.default(ClusterSchema.parse({})),
    operators: z.array(OperatorConfigSchema).default([]),
    oidc: OidcSchema.optional(),
    notifications: NotificationsSchema.default(NotificationsSchema.parse({})),
  })
  .superRefine((config, ctx) => {
    if (!config.allowInsecure) {
      for (const exposure of insecureExposures({
        listenHost: config.listen.host,
        connectorUrl: config.connector.url,
      })) {
        ctx.addIssue({ code: 'custom', path: exposure.field.split('.'), message: exposure.why })
      }
    }
    const seen = new Map<string, number>()
    config.instances.forEach((instance, index) => {
      const first = seen.get(instance.id)
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['instances', index, 'id'], message: `duplicates instances[${first}].id` })
      }
      seen.set(instance.id, index)
    })
    const gateways = new Map<string, number>()
    config.instances.forEach((instance, index) => {
      const first = gateways.get(instance.gatewayId)
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances', index, 'gatewayId'],
          message: `duplicates instances[${first}].gatewayId`,
        })
      }
      gateways.set(instance.gatewayId, index)
    })
    // (An issuer that is not a URL has its own issue already.)
    const issuer = config.oidc === undefined ? null : URL.parse(config.oidc.issuer)
    if (issuer !== null && !config.allowInsecure) {
      if (issuer.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)) {
        ctx.addIssue({
          code: 'custom',
          path: ['oidc', 'issuer'],
          message: 'must be https:// (plain http only on loopback, or with allowInsecure)',
        })
      }
    }
    const operators = new Map<string, number>()
    config.operators.forEach((operator, index) => {
      const first = operators.get(operator.name.toLowerCase())
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['operators', index, 'name'],
          message: `duplicates operators[${first}].name`,
        })
      }
      operators.set(operator.name.toLowerCase(), index)
    })
    const webhooks = new Map<string, number>()
    config.notifications.webhooks.forEach((webhook, index) => {
      const url = new URL(webhook.url)
      if (
        url.protocol === 'http:' &&
        !config.allowInsecure &&
        !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['notifications', 'webhooks', index, 'url'],
          message: 'must be https:// (plain http only on loopback, or with allowInsecure)',
        })
      }
      const name = webhook.name ?? url.host
      const first = webhooks.get(name)
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['notifications', 'webhooks', index, 'name'],
          message: `the same name as notifications.webhooks[${first}] (${name}); give each its own name`,
        })
      }
      webhooks.set(name, index)
    })
    if (config.relay.backoffMaxMs < config.relay.backoffBaseMs) {
      ctx.addIssue({ code: 'custom', path: ['relay', 'backoffMaxMs'], message: 'must be at least backoffBaseMs' })
    }
  })

export type ConfigFile = z.infer<typeof ConfigSchema>
export type InstanceConfig = ConfigFile['instances'][number]
export type RelayTimings = z.infer<typeof RelayTimingsSchema>
export type ClusterOptions = z.infer<typeof ClusterSchema>
export type EventsOptions = z.infer<typeof EventsSchema>
export type OperatorConfig = ConfigFile['operators'][number]
export type OidcConfig = z.infer<typeof OidcSchema>
export type NotificationsConfig = z.infer<typeof NotificationsSchema>
