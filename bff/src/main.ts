/**
 * `npm start`: the console. With `--config FILE` (or RELAY_CONSOLE_CONFIG) it manages the instances
 * FILE names against the connector FILE names; without, it runs the embedded demo.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { insecureExposures } from './config/exposure'
import { ConfigError, databaseUrlFrom, loadConfigFile, type RuntimeConfig } from './config/load'
import { MIN_OPERATOR_TOKEN_LENGTH } from './config/schema'
import { watchConfigFile } from './config/watch'
import { createLogger } from './lib/log'
import { startConsole } from './service'

const USAGE = `Usage: npm start [-- --config FILE] [--port N]
  --config FILE   manage the instances FILE names (also: RELAY_CONSOLE_CONFIG=FILE)
                  without it, the console runs its embedded demo connector and instances
  --port N        listen on port N (also: PORT=N; overrides listen.port: one more replica of a cluster)
Environment: RELAY_CONSOLE_TOKEN (operator token, at least 32 characters; generated when unset), LOG_LEVEL (info),
             RELAY_CONSOLE_ALLOWED_HOSTS (extra Host values, comma-separated),
             RELAY_CONSOLE_DATABASE_URL (PostgreSQL: run as one replica of a cluster; wins over database.url)`

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url))

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const envToken = process.env.RELAY_CONSOLE_TOKEN
  if (envToken !== undefined && envToken !== '' && envToken.length < MIN_OPERATOR_TOKEN_LENGTH) {
    // docs/configuration.md, "Environment": a short token could be guessed; refuse it before anything starts.
    console.error(
      `relay-console: RELAY_CONSOLE_TOKEN is too short (${envToken.length} characters): the operator token needs at least ${MIN_OPERATOR_TOKEN_LENGTH} characters. Unset it to have one generated at start, or make one with \`openssl rand -base64 32\`.`,
    )
    process.exit(2)
  }
  // npm runs workspace scripts in the workspace; paths are meant from where the operator typed.
  const base = process.env.INIT_CWD ?? process.cwd()
  const configFile = values.config ?? process.env.RELAY_CONSOLE_CONFIG
  const demoMode = configFile === undefined || configFile === ''
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? (demoMode ? 'warn' : 'info') })
  let config: RuntimeConfig
  let stopDemo: () => Promise<void> = async () => {}
  if (!demoMode) {
    config = loadConfigFile(resolve(base, configFile))
  } else {
    const { startEmbeddedDemo } = await import('./demo/embedded')
    const demo = await startEmbeddedDemo({
      stateDir: resolve(base, '.relay-console'),
      listen: { host: '127.0.0.1', port: 8787 },
      logger,
    })
    config = demo.config
    stopDemo = demo.stop
  }
  const portText = values.port ?? (process.env.PORT === '' ? undefined : process.env.PORT)
  const port = portText === undefined ? undefined : Number(portText)
  if (portText !== undefined && (!/^\d+$/.test(portText) || Number(portText) > 65_535)) {
    const field = values.port !== undefined ? '--port' : 'PORT'
    console.error(`relay-console: ${field}: must be a port number (0 to 65535), not ${JSON.stringify(portText)}`)
    process.exit(2)
  }
  const extraHosts = (process.env.RELAY_CONSOLE_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
  /** The file's config with the command line and the environment applied: at start, and at every reload. */
  const applyOverrides = (loaded: RuntimeConfig): RuntimeConfig => ({
    ...loaded,
    stateDir: resolve(base, loaded.stateDir),
    listen: port === undefined ? loaded.listen : { ...loaded.listen, port },
    databaseUrl: databaseUrlFrom(process.env) ?? loaded.databaseUrl ?? null,
    allowedHosts: [...loaded.allowedHosts, ...extraHosts],
  })
  config = applyOverrides(config)
  // Only a file with allowInsecure gets here with an exposure (docs/configuration.md, "Exposure"): say so each start.
  for (const exposure of insecureExposures({ listenHost: config.listen.host, connectorUrl: config.connectorUrl })) {
    logger.warn({ field: exposure.field }, `allowInsecure: ${exposure.field}: ${exposure.why}`)
  }
  // 256 random bits: 43 characters, well over the minimum.
  const operatorToken = envToken !== undefined && envToken !== '' ? envToken : randomBytes(32).toString('base64url')
  let running: Awaited<ReturnType<typeof startConsole>>
  try {
    running = await startConsole({ config, operatorToken, logger, webRoot: WEB_ROOT })
  } catch (error) {
    await stopDemo()
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    const { host, port } = config.listen
    console.error(
      `relay-console: ${host}:${port} is already in use (another console, or another program). Stop it, or choose another port: npm start -- --port ${port + 1} (or PORT=${port + 1} npm start).`,
    )
    process.exit(2)
  }

  const lines = [
    '',
    `  Relay Console is running at ${running.url}`,
    `  Open this one-time login link: ${await running.loginLink()}`,
    envToken ? '  Operator token: from RELAY_CONSOLE_TOKEN' : `  Operator token (for the login form): ${operatorToken}`,
    demoMode ? '  Embedded demo: reference connector and 4 demo instances' : `  Config: ${configFile}`,
    '',
  ]
  console.log(lines.join('\n'))

  const reloads = demoMode
    ? null
    : watchConfigFile({
        file: resolve(base, configFile),
        load: (file) => applyOverrides(loadConfigFile(file)),
        apply: (next) => running.reload(next),
        log: logger,
      })
  // docs/configuration.md, "Changing the fleet without a restart".
  process.on('SIGHUP', () => {
    if (reloads === null) logger.info('SIGHUP: the embedded demo has no config file to reload')
    else reloads.reload('SIGHUP')
  })

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    reloads?.close()
    logger.info({ signal }, 'shutting down')
    Promise.all([running.stop(), stopDemo()]).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(2)
  }
  console.error(`relay-console: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
