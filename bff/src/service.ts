/**
 * The composition root of one console: backend (store and ownership), state and its change
 * stream's listeners, relay fleet, intents, HTTP. One process on SQLite, or one replica of a
 * cluster on PostgreSQL: the same composition, only the backend differs (backend.ts).
 * `main.ts` calls it with a config; tests call it with their own.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import { createAdaptorServer } from '@hono/node-server'
import { type Clock, systemClock, type TimerHandle } from '@relay-console/shared/clock'
import { CLOSE_UNAUTHORIZED } from '@relay-console/shared/relay/close-codes'
import type { Logger } from 'pino'
import { openBackend } from './backend'
import { monotonicClock } from './cluster/monotonic-clock'
import type { Ownership } from './cluster/ownership'
import type { RuntimeConfig } from './config/load'
import { fieldsNeedingRestart } from './config/reloadable'
import { ClusterSchema } from './config/schema'
import { createConnectorClient } from './connector-api/client'
import { createApp } from './http/app'
import { ADMIN, createOperatorAuth } from './http/auth'
import { createEventHub } from './http/event-hub'
import { createSingleSignOn } from './http/oidc'
import { createSealer } from './http/sealed'
import { createLogger } from './lib/log'
import { createMetrics } from './lib/metrics'
import { createMaintenance } from './maintenance/windows'
import { createNotifications, createWebhookBook, NO_NOTIFICATIONS } from './notify/notifications'
import type { CheckpointHook } from './ops/checkpoints'
import { createRelayIntents } from './ops/intents'
import { createInventoryReload, definitionOf } from './ops/reload-inventory'
import { createDialPacer } from './relay/dial-pacer'
import type { Dialer } from './relay/dialer'
import { createFleet } from './relay/fleet'
import { createWsDialer } from './relay/ws-dialer'
import { createChangeFeed } from './state/change-feed'
import { ConsoleState } from './state/console-state'
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
  /** The first pause before a webhook delivery is tried again (10 s). */
  webhookFirstRetryMs?: number
}

export interface RunningConsole {
  url: string
  port: number
  app: ReturnType<typeof createApp>
  /** A fresh single-use login link. */
  loginLink(): Promise<string>
  /**
   * Applies a reloaded config's instances without a restart, one reload at a time; other fields
   * keep their running values until a restart (docs/configuration.md, "Changing the fleet without a restart").
   */
  reload(config: RuntimeConfig): Promise<ReloadSummary>
  stop(): Promise<void>
}

/** What a reload did: instance ids, and the fields that only a restart applies. */
export interface ReloadSummary {
  added: string[]
  removed: string[]
  /** Every instance that changed; those in `rebuilt` also had their socket built anew. */
  changed: string[]
  rebuilt: string[]
  restartNeeded: string[]
}

/** The store's secret that seals single sign-on's pending state (the same on every replica). */
const SSO_SEALING_KEY = 'oidc_state_key'

/** Changes from the log a starting process can replay to a client that reconnects to it. */
const REPLAY_PRELOAD = 1024

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { config } = options
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const log = options.logger ?? createLogger()
  const now = () => clock.now()
  const metrics = createMetrics({ defaults: options.processMetrics ?? true })

  // The webhooks the outbox is written for, in the same transaction as the change (docs/notifications.md).
  const webhooks = createWebhookBook(config.notifications ?? NO_NOTIFICATIONS)
  const backend = await openBackend({
    outbox: webhooks.policy,
    stateDir: config.stateDir,
    databaseUrl: config.databaseUrl ?? null,
    cluster: config.cluster ?? ClusterSchema.parse({}),
    now,
    log,
  })
  const { store } = backend
  /** Known once the server listens: until then this process holds nothing. */
  let ownership: Ownership | null = null
  const owns = (id: string) => ownership?.owns(id) ?? false
  // A reload replaces them (ops/reload-inventory.ts).
  let definitions = config.instances.map(definitionOf)
  const defined = await store.define(definitions)
  const state = new ConsoleState({ stored: defined.instances, rev: defined.rev, log })
  // The change stream's listeners: the event stream and the metrics.
  const hub = createEventHub({ onFanout: (ms) => metrics.fanoutSeconds.observe(ms / 1000) })
  // Replays reach back before this process started (any replica, after any restart).
  const before = (await store.changesAfter(Math.max(0, defined.rev - REPLAY_PRELOAD), REPLAY_PRELOAD)) ?? []
  hub.preload(before.filter((change) => change.rev <= defined.rev))
  state.subscribe(hub.publish)
  state.subscribe(metrics.recordChange)
  const feed = createChangeFeed({
    store,
    state,
    log,
    clock,
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
    // Never dial without holding the instance: checked at every dial, so a replica that was paused
    // past its lease does not dial before it learns it lost it.
    mayDial: owns,
    timings: config.relay,
    attentionAfterMs: config.relay.attentionAfterMs,
    // Only the holder of an instance writes its statuses, fenced by its lease.
    onChange: (change) => {
      if (owns(change.instanceId))
        statuses.write(change.instanceId, change.platforms, ownership?.fence(change.instanceId))
    },
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

  const configSecrets = new Map(config.instances.map((i) => [i.id, i.configSecret]))
  const intents = createRelayIntents({
    state,
    store,
    feed,
    owns,
    fleet,
    connector: createConnectorClient({ connectorUrl: config.connectorUrl, clock }),
    identityToken: config.identityToken,
    identityTokenEnv: config.identityTokenEnv,
    configSecrets,
    clock,
    random,
    log,
    retry: options.retry,
    revocationGraceMs: options.revocationGraceMs,
    checkpoint: options.checkpoint,
  })
  onRevoked = (id, reason) => intents.onRevoked(id, reason)
  const maintenance = createMaintenance({ store, state, feed, clock, log })
  const notifications = createNotifications({
    book: webhooks,
    store,
    state,
    owner: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    clock,
    random,
    log,
    firstRetryMs: options.webhookFirstRetryMs,
    onTry: (outcome) => metrics.webhookTries.inc({ outcome: outcome === 'pending' ? 'retry' : outcome }),
  })

  const auth = await createOperatorAuth({
    token: options.operatorToken,
    operators: (config.operators ?? []).map(({ name, role, token }) => ({ name, role, token })),
    store,
    now,
  })
  const sso =
    config.oidc === null || config.oidc === undefined
      ? null
      : {
          flow: createSingleSignOn({
            config: config.oidc,
            localNames: [ADMIN, ...(config.operators ?? []).map((o) => o.name)],
            sealer: createSealer(await store.getOrCreateSecret(SSO_SEALING_KEY, () => randomBytes(32))),
            clock,
            log,
          }),
          redirectUrl: config.oidc.redirectUrl,
        }
  let port = 0
  const app = createApp({
    state,
    store,
    feed,
    hub,
    intents,
    auth,
    sso,
    metrics,
    clock,
    log,
    port: () => port,
    allowedHosts: config.allowedHosts,
    trustProxy: config.trustProxy ?? [],
    webRoot: options.webRoot ?? null,
    events: config.events,
    maintenance,
    notifications,
    cluster: {
      self: () => ownership?.self ?? null,
      view: async () => {
        if (ownership === null) throw new Error('the console is still starting')
        return ownership.view()
      },
    },
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

  const replicaId = `${hostname()}-${port}-${randomBytes(3).toString('hex')}`
  const held = backend.ownership({
    replicaId,
    listen: url,
    instanceIds: () => state.ids(),
    clock: options.clock ?? monotonicClock,
  })
  ownership = held
  // One process settles what its last stop left pending; a replica does so per instance it takes over.
  if (backend.kind === 'sqlite') await intents.settleInterrupted()
  state.subscribe(intents.onChange)
  await held.start({ acquired: (id) => intents.adopt(id), released: (id) => intents.release(id) })
  log.info({ replica: replicaId, backend: backend.kind }, 'holding instances')
  state.subscribe(notifications.onChange)
  notifications.start()
  maintenance.start()
  const pruning = keepPruning(store, clock, log, config.events.replayChanges)
  const inventory = createInventoryReload({
    instances: config.instances,
    store,
    state,
    configSecrets,
    intents,
    refreshOwnership: () => held.refresh(),
    resetStreams: () => hub.reset(),
    onDefined: (next) => {
      definitions = next
    },
    log,
  })

  let stopping: Promise<void> | null = null
  return {
    url,
    port,
    app,
    loginLink: async () => `${url}/auth/link/${await auth.createLoginCode()}`,
    async reload(next) {
      if (stopping !== null) throw new Error('the console is stopping')
      const restartNeeded = fieldsNeedingRestart(config, next)
      if (restartNeeded.length > 0) {
        log.warn(
          { fields: restartNeeded },
          `config reload: ${restartNeeded.join(', ')} changed, which needs a restart; running on with the values it started with`,
        )
      }
      webhooks.update(next.notifications ?? NO_NOTIFICATIONS)
      const diff = await inventory.apply(next.instances)
      const summary: ReloadSummary = {
        added: diff.added.map((i) => i.id),
        removed: diff.removed,
        changed: diff.changed.map((c) => c.id),
        rebuilt: diff.changed.filter((c) => c.socket).map((c) => c.id),
        restartNeeded,
      }
      log.info(
        { ...summary, instances: state.ids().length },
        `config reloaded: ${summary.added.length} added, ${summary.removed.length} removed, ${summary.changed.length} changed (${summary.rebuilt.length} sockets rebuilt)`,
      )
      return summary
    },
    stop() {
      stopping ??= (async () => {
        pruning.stop()
        sso?.flow.stop()
        await maintenance.stop()
        await notifications.stop()
        // Hands every instance over at once: sockets closed first, then the leases let go.
        await held.drain()
        await intents.stop()
        await fleet.stopAll()
        await statuses.stop()
        feed.stop()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
        })
        await backend.close()
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
