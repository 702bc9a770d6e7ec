/**
 * The composition root of one console: store, state and its change stream's listeners, relay
 * fleet, intents, HTTP.
 * `main.ts` calls it with a config; tests call it with their own.
 * @module
 */
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { type Clock, systemClock, type TimerHandle } from '@relay-console/shared/clock'
import { CLOSE_UNAUTHORIZED } from '@relay-console/shared/relay/close-codes'
import type { Logger } from 'pino'
import type { RuntimeConfig } from './config/load'
import { createConnectorClient } from './connector-api/client'
import { createApp } from './http/app'
import { createOperatorAuth } from './http/auth'
import { createEventHub } from './http/event-hub'
import { createLogger } from './lib/log'
import { createMetrics } from './lib/metrics'
import type { CheckpointHook } from './ops/checkpoints'
import { createRelayIntents } from './ops/intents'
import { createDialPacer } from './relay/dial-pacer'
import type { Dialer } from './relay/dialer'
import { createFleet } from './relay/fleet'
import { createWsDialer } from './relay/ws-dialer'
import { createChangeFeed } from './state/change-feed'
import { ConsoleState } from './state/console-state'
import { openSqliteStore } from './state/sqlite-store'
import { createStatusWriter } from './state/status-writer'
import type { StateStore } from './state/store'

export interface ConsoleOptions {
  config: RuntimeConfig
  operatorToken: string
  clock?: Clock
  random?: () => number
  logger?: Logger
  dialer?: Dialer
  webRoot?: string | null
  /** Reconciler backoff for failed connector calls. */
  retry?: { baseMs: number; maxMs: number }
  revocationGraceMs?: number
  /** Collect Node's default process metrics (off in tests that start many consoles). */
  processMetrics?: boolean
  /** Observes opt-outs and opt-ins passing their checkpoints (crash tests). */
  checkpoint?: CheckpointHook
}

export interface RunningConsole {
  url: string
  port: number
  app: ReturnType<typeof createApp>
  /** A fresh single-use login link. */
  loginLink(): Promise<string>
  stop(): Promise<void>
}

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { config } = options
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const log = options.logger ?? createLogger()
  const now = () => clock.now()
  const metrics = createMetrics({ defaults: options.processMetrics ?? true })

  const store = openSqliteStore({ stateDir: config.stateDir, now })
  const definitions = config.instances.map(({ id, displayName, gatewayId, platforms }) => ({
    id,
    displayName,
    gatewayId,
    platforms,
  }))
  const defined = await store.define(definitions)
  const state = new ConsoleState({ stored: defined.instances, rev: defined.rev, log })
  // The change stream's listeners: the event stream and the metrics.
  const hub = createEventHub({ onFanout: (ms) => metrics.fanoutSeconds.observe(ms / 1000) })
  state.subscribe(hub.publish)
  state.subscribe(metrics.recordChange)
  const feed = createChangeFeed({
    store,
    state,
    log,
    onGap: async () => {
      state.replace(await store.define(definitions))
      hub.reset()
    },
  })
  const statuses = createStatusWriter({ store, feed, clock, log })

  let onRevoked: (id: string, reason: string) => void = () => {}
  const fleet = createFleet({
    connectorUrl: config.connectorUrl,
    clock,
    random,
    dialer: options.dialer ?? createWsDialer(),
    pacer: createDialPacer({
      perSecond: config.relay.maxDialsPerSecond,
      burst: Math.max(1, Math.round(config.relay.maxDialsPerSecond / 2)),
      clock,
    }),
    log,
    timings: config.relay,
    attentionAfterMs: config.relay.attentionAfterMs,
    onChange: (change) => statuses.write(change.instanceId, change.platforms),
    onRevoked: (id, reason) => onRevoked(id, reason),
    onTransportEvent: (_id, event) => {
      if (event.type === 'dialing') metrics.dials.inc({ kind: event.fresh ? 'fresh_token' : 'regular' })
      if (event.type === 'ended' && event.end.kind === 'close' && event.end.code === CLOSE_UNAUTHORIZED) {
        metrics.recordUnauthorizedClose(event.end.reason)
      }
    },
    onInbound: () => metrics.inbound.inc(),
  })
  metrics.observeTransports(() => fleet.phases())

  const intents = createRelayIntents({
    state,
    store,
    feed,
    fleet,
    connector: createConnectorClient({ connectorUrl: config.connectorUrl, clock }),
    identityToken: config.identityToken,
    identityTokenEnv: config.identityTokenEnv,
    configSecrets: new Map(config.instances.map((i) => [i.id, i.configSecret])),
    storedSecrets: new Map(
      defined.instances.map((s) => [s.id, { secret: s.secret, configSecretDigest: s.configSecretDigest }]),
    ),
    clock,
    random,
    log,
    retry: options.retry,
    revocationGraceMs: options.revocationGraceMs,
    checkpoint: options.checkpoint,
  })
  onRevoked = (id, reason) => intents.onRevoked(id, reason)

  const auth = await createOperatorAuth({ token: options.operatorToken, store, now })
  let port = 0
  const app = createApp({
    state,
    store,
    hub,
    intents,
    auth,
    metrics,
    clock,
    log,
    port: () => port,
    allowedHosts: config.allowedHosts,
    trustProxy: config.trustProxy ?? [],
    webRoot: options.webRoot ?? null,
    events: config.events,
  })

  const server = createAdaptorServer({ fetch: app.fetch })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  const host = config.listen.host === '0.0.0.0' || config.listen.host === '::' ? '127.0.0.1' : config.listen.host
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  log.info({ url, instances: config.instances.length }, 'relay console listening')

  await intents.start()
  const pruning = keepPruning(store, clock, log, config.events.replayChanges)

  let stopping: Promise<void> | null = null
  return {
    url,
    port,
    app,
    loginLink: async () => `${url}/auth/link/${await auth.createLoginCode()}`,
    stop() {
      stopping ??= (async () => {
        pruning.stop()
        await intents.stop()
        await fleet.stopAll()
        await statuses.stop()
        feed.stop()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
        })
        await store.close()
      })()
      return stopping
    },
  }
}

/** The change log keeps the latest `keep` changes, for replays: pruned once a minute. */
function keepPruning(store: StateStore, clock: Clock, log: Logger, keep: number): { stop(): void } {
  let timer: TimerHandle | null = null
  let stopped = false
  const schedule = () => {
    if (!stopped) timer = clock.setTimeout(prune, 60_000)
  }
  const prune = () => {
    store.pruneChanges(keep).then(schedule, (error: unknown) => {
      log.warn({ err: String(error) }, 'pruning the change log failed')
      schedule()
    })
  }
  schedule()
  return {
    stop() {
      stopped = true
      if (timer !== null) clock.clearTimeout(timer)
    },
  }
}
