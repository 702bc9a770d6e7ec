/**
 * Webhook notifications, composed (docs/notifications.md): the book of webhooks the store's
 * outbox is written by, the dispatcher that sends it, and the judge of the connector as a whole.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { NotificationsInfo, TestNotificationResponse } from '@relay-console/shared/fleet-ops'
import type { ResolvedNotifications, ResolvedWebhook } from '../config/load'
import type { Log } from '../lib/log'
import type { ConsoleState } from '../state/console-state'
import type { OutboxPolicy, StateStore } from '../state/store'
import { createDispatcher } from './dispatcher'
import { isRecovered, isUnreachable, judgeConnector, type NotificationDraft } from './events'

export const NO_NOTIFICATIONS: ResolvedNotifications = {
  webhooks: [],
  flappingWindowMs: 60_000,
  timeoutMs: 10_000,
  retryForMs: 86_400_000,
}

/** The webhooks as the config has them now: what the outbox is written by; a reload swaps them. */
export interface WebhookBook {
  policy: OutboxPolicy
  byName(): ReadonlyMap<string, ResolvedWebhook>
  current(): ResolvedNotifications
  update(next: ResolvedNotifications): void
}

export function createWebhookBook(initial: ResolvedNotifications): WebhookBook {
  let config = initial
  let byName = new Map(initial.webhooks.map((w) => [w.name, w]))
  return {
    policy: {
      webhooksFor: (type) =>
        config.webhooks.filter((w) => type === 'test' || w.events.some((e) => e === type)).map((w) => w.name),
      flappingWindowMs: () => config.flappingWindowMs,
    },
    byName: () => byName,
    current: () => config,
    update(next) {
      config = next
      byName = new Map(next.webhooks.map((w) => [w.name, w]))
    },
  }
}

export interface NotificationsOptions {
  book: WebhookBook
  store: StateStore
  state: ConsoleState
  owner: string
  clock: Clock
  random: () => number
  log: Log
  /** How often the connector is judged while changes arrive. */
  judgeEveryMs?: number
  /** The first retry's pause (10 s). */
  firstRetryMs?: number
  /** Each try's outcome: `delivered`, `pending` (to be tried again) or `failed`. */
  onTry?: (outcome: 'delivered' | 'pending' | 'failed') => void
  pollMs?: number
}

export interface Notifications {
  start(): void
  /** A change of the fleet: the connector is judged again soon. */
  onChange(): void
  /** Writes a test event for every webhook, or the one named; null when there is no such webhook. */
  sendTest(webhook: string | undefined, actor: string): Promise<TestNotificationResponse | null>
  info(): NotificationsInfo
  stop(): Promise<void>
}

export function createNotifications(options: NotificationsOptions): Notifications {
  const { book, store, state, clock, log } = options
  const judgeEveryMs = options.judgeEveryMs ?? 1000
  const dispatcher = createDispatcher({
    store,
    webhooks: () => book.byName(),
    retryForMs: () => book.current().retryForMs,
    owner: options.owner,
    clock,
    random: options.random,
    log,
    timeoutMs: () => book.current().timeoutMs,
    firstRetryMs: options.firstRetryMs,
    onTry: options.onTry,
    pollMs: options.pollMs,
  })
  /** What this process last wrote or found: null until it judged once. */
  let unreachable: boolean | null = null
  let judging: TimerHandle | null = null
  let stopped = false

  async function judge(): Promise<void> {
    judging = null
    if (stopped) return
    const verdict = judgeConnector(state.snapshot().instances)
    const next = isUnreachable(verdict) ? true : isRecovered(verdict) ? false : unreachable
    if (next === null || next === unreachable) return
    const draft: NotificationDraft = {
      type: next ? 'connector.unreachable' : 'connector.recovered',
      instanceId: null,
      platform: null,
      subject: 'connector',
      occurredAt: new Date(clock.now()).toISOString(),
      detail: { instance: null, platform: null, actor: null, connector: verdict },
    }
    try {
      // Every replica judges the same stream; the store writes the event once between them.
      if (await store.setConnectorUnreachable(next, draft)) {
        log.warn({ ...verdict, unreachable: next }, next ? 'the connector looks unreachable' : 'the connector is back')
        dispatcher.kick()
      }
      unreachable = next
    } catch (error) {
      log.warn({ err: String(error) }, 'recording the connector’s reachability failed')
    }
  }

  return {
    start() {
      dispatcher.start()
      judging = clock.setTimeout(() => void judge(), judgeEveryMs)
    },
    onChange() {
      if (judging === null && !stopped) judging = clock.setTimeout(() => void judge(), judgeEveryMs)
    },
    async sendTest(webhook, actor) {
      const names = [...book.byName().keys()].filter((name) => webhook === undefined || name === webhook)
      if (names.length === 0) return null
      const draft: NotificationDraft = {
        type: 'test',
        instanceId: null,
        platform: null,
        subject: 'test',
        occurredAt: new Date(clock.now()).toISOString(),
        detail: { instance: null, platform: null, actor, connector: null },
      }
      const [eventId] = await store.enqueue([draft], names)
      dispatcher.kick()
      return { eventId: eventId ?? '', webhooks: names }
    },
    info() {
      return {
        webhooks: book.current().webhooks.map(({ name, format, events }) => ({ name, format, events })),
      }
    },
    async stop() {
      stopped = true
      if (judging !== null) clock.clearTimeout(judging)
      await dispatcher.stop()
    },
  }
}
