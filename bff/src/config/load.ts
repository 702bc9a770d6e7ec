/**
 * Reads and validates the config file, and resolves what it points at in the environment.
 * Every problem is reported with the field it is about; no secret is ever part of a message.
 * @module
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  type ClusterOptions,
  type ConfigFile,
  ConfigSchema,
  type EventsOptions,
  type InstanceConfig,
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
  /** From `secret` or `secretEnv`; null means "provision at start". */
  configSecret: string | null
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
        const message = issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message
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
      configSecret,
    }
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
  }
}

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
