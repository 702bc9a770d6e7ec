/**
 * Reads and validates the config file, and resolves what it points at in the environment.
 * Every problem is reported with the field it is about; no secret is ever part of a message.
 * @module
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { NotificationEventType } from '@relay-console/shared/fleet-ops'
import type { Role } from '@relay-console/shared/roles'
import {
  type ClusterOptions,
  type ConfigFile,
  ConfigSchema,
  type EventsOptions,
  type InstanceConfig,
  MIN_OPERATOR_TOKEN_LENGTH,
  type RelayTimings,
} from './schema'

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

export interface ResolvedInstance {
  id: string
  displayName: string
  gatewayId: string
  platforms: Array<{ platform: string; botId: string }>
  /** `{key: value}` from the config; absent means none. */
  labels?: Readonly<Record<string, string>>
  /** From `secret` or `secretEnv`; null means "provision at start". */
  configSecret: string | null
}

/** A named operator, with the token read from its environment variable. */
export interface ResolvedOperator {
  name: string
  role: Role
  token: string
  /** Where the token came from, for messages that must not show it (`operators[1].tokenEnv`). */
  field: string
}

/** Single sign-on, with the client secret read from the environment. */
export interface ResolvedOidc {
  issuer: string
  clientId: string
  clientSecret: string | null
  displayName: string
  roleClaim: string
  roles: Record<string, Role>
  nameClaim: string
  scopes: string[]
  redirectUrl: string | null
}

/** A webhook, with its signing secret read from the environment. */
export interface ResolvedWebhook {
  name: string
  url: string
  secret: string
  events: NotificationEventType[]
  format: 'json' | 'slack'
}

export interface ResolvedNotifications {
  webhooks: ResolvedWebhook[]
  flappingWindowMs: number
  timeoutMs: number
  retryForMs: number
}

/** Everything the service needs, with the environment already read. */
export interface RuntimeConfig {
  listen: { host: string; port: number }
  stateDir: string
  connectorUrl: string
  identityToken: string | null
  identityTokenEnv: string
  instances: ResolvedInstance[]
  relay: RelayTimings
  events: EventsOptions
  allowedHosts: string[]
  /** Proxies whose forwarding headers are believed (docs/configuration.md); none when absent. */
  trustProxy?: readonly string[]
  /** PostgreSQL for a cluster of replicas (docs/deployment.md); null: SQLite in `stateDir`, one process. */
  databaseUrl?: string | null
  cluster?: ClusterOptions
  /** Named operators beside the operator token's `admin` (docs/operators.md). */
  operators?: readonly ResolvedOperator[]
  /** Single sign-on; null or absent: local operators only. */
  oidc?: ResolvedOidc | null
  /** Webhooks (docs/notifications.md); none when absent. */
  notifications?: ResolvedNotifications
}

/** The database URL from the environment wins over the file's. */
export const DATABASE_URL_ENV = 'RELAY_CONSOLE_DATABASE_URL'

/** `instances[0].platforms[1].botId` */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`
    return out === '' ? String(key) : `${out}.${String(key)}`
  }, '')
}

export function parseConfig(json: unknown, source: string, env: NodeJS.ProcessEnv): RuntimeConfig {
  const parsed = ConfigSchema.safeParse(json)
  if (!parsed.success) {
    throw new ConfigError(
      source,
      parsed.error.issues.map((issue) => {
        const where = fieldPath(issue.path)
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown key(s): ${issue.keys.join(', ')}`
            : issue.code === 'invalid_key'
              ? (issue.issues[0]?.message ?? issue.message)
              : issue.message
        return where === '' ? message : `${where}: ${message}`
      }),
    )
  }
  return resolveConfig(parsed.data, source, env)
}

function resolveConfig(config: ConfigFile, source: string, env: NodeJS.ProcessEnv): RuntimeConfig {
  const problems: string[] = []
  const instances = config.instances.map((instance: InstanceConfig, index): ResolvedInstance => {
    let configSecret: string | null = instance.secret ?? null
    if (instance.secretEnv !== undefined) {
      const value = env[instance.secretEnv]
      if (value === undefined || value.trim() === '') {
        problems.push(`instances[${index}].secretEnv: environment variable ${instance.secretEnv} is not set`)
      } else configSecret = value
    }
    return {
      id: instance.id,
      displayName: instance.displayName,
      gatewayId: instance.gatewayId,
      platforms: instance.platforms,
      labels: instance.labels,
      configSecret,
    }
  })
  const operators = config.operators.flatMap((operator, index): ResolvedOperator[] => {
    const field = `operators[${index}].tokenEnv`
    const token = env[operator.tokenEnv]
    if (token === undefined || token.trim() === '') {
      problems.push(`${field}: environment variable ${operator.tokenEnv} is not set`)
      return []
    }
    if (token.length < MIN_OPERATOR_TOKEN_LENGTH) {
      problems.push(
        `${field}: the token in ${operator.tokenEnv} is too short (${token.length} characters; at least ${MIN_OPERATOR_TOKEN_LENGTH})`,
      )
      return []
    }
    return [{ name: operator.name, role: operator.role, token, field }]
  })
  operators.forEach((operator, index) => {
    const first = operators.findIndex((other) => other.token === operator.token)
    if (first < index)
      problems.push(`${operator.field}: the same token as ${operators[first]?.field}; each operator needs their own`)
  })
  let oidc: ResolvedOidc | null = null
  if (config.oidc !== undefined) {
    const { clientSecretEnv } = config.oidc
    const clientSecret = clientSecretEnv === undefined ? null : (env[clientSecretEnv] ?? '')
    if (clientSecret !== null && clientSecret.trim() === '') {
      problems.push(`oidc.clientSecretEnv: environment variable ${clientSecretEnv} is not set`)
    }
    oidc = {
      issuer: config.oidc.issuer,
      clientId: config.oidc.clientId,
      clientSecret,
      displayName: config.oidc.displayName ?? new URL(config.oidc.issuer).host,
      roleClaim: config.oidc.roleClaim,
      roles: config.oidc.roles,
      nameClaim: config.oidc.nameClaim,
      scopes: config.oidc.scopes,
      redirectUrl: config.oidc.redirectUrl ?? null,
    }
  }
  const webhooks = config.notifications.webhooks.flatMap((webhook, index): ResolvedWebhook[] => {
    const secret = env[webhook.secretEnv]
    if (secret === undefined || secret.trim() === '') {
      problems.push(`notifications.webhooks[${index}].secretEnv: environment variable ${webhook.secretEnv} is not set`)
      return []
    }
    if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
      problems.push(
        `notifications.webhooks[${index}].secretEnv: the secret in ${webhook.secretEnv} is too short (${secret.length} characters; at least ${MIN_WEBHOOK_SECRET_LENGTH})`,
      )
      return []
    }
    const { url, events, format } = webhook
    return [{ name: webhook.name ?? new URL(url).host, url, secret, events, format }]
  })
  if (problems.length > 0) throw new ConfigError(source, problems)
  const identity = env[config.connector.identityTokenEnv]
  return {
    listen: config.listen,
    stateDir: config.stateDir,
    connectorUrl: config.connector.url,
    identityToken: identity !== undefined && identity.trim() !== '' ? identity : null,
    identityTokenEnv: config.connector.identityTokenEnv,
    instances,
    relay: config.relay,
    events: config.events,
    allowedHosts: config.allowedHosts,
    trustProxy: config.trustProxy,
    databaseUrl: databaseUrlFrom(env) ?? config.database?.url ?? null,
    cluster: config.cluster,
    operators,
    oidc,
    notifications: {
      webhooks,
      flappingWindowMs: config.notifications.flappingWindowMs,
      timeoutMs: config.notifications.timeoutMs,
      retryForMs: config.notifications.retryForMs,
    },
  }
}

/** A webhook's signing secret: long enough not to be guessed from a signature. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16

/** `RELAY_CONSOLE_DATABASE_URL`, when set (and not blank). */
export function databaseUrlFrom(env: NodeJS.ProcessEnv): string | null {
  const url = env[DATABASE_URL_ENV]?.trim()
  if (url === undefined || url === '') return null
  if (!/^postgres(ql)?:\/\/\S+$/.test(url)) {
    throw new ConfigError(DATABASE_URL_ENV, [`${DATABASE_URL_ENV}: must be a postgres:// or postgresql:// URL`])
  }
  return url
}

/** Reads and validates FILE. A relative `stateDir` is relative to the working directory, as with any CLI. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const path = resolve(file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(file, [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`])
  }
  return parseConfig(json, file, env)
}
