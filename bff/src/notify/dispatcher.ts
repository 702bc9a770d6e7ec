/**
 * Sends what the outbox holds (docs/notifications.md, "Delivery"). Every replica runs one; each
 * delivery is claimed by one of them for longer than a try can take, so it is sent once however
 * many there are, and one that dies mid-try leaves it to be claimed again when the claim runs out.
 * A few tries run at once, each on its own: a slow receiver holds its slot, not the others.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { ResolvedWebhook } from '../config/load'
import type { Log } from '../lib/log'
import type { DeliveryOutcome, OutboxRecord, StateStore } from '../state/store'
import { SEND_TIMEOUT_MS, type TryResult, tryDelivery } from './send'

export interface DispatcherOptions {
  store: Pick<StateStore, 'claimDeliveries' | 'finishDelivery' | 'pruneDeliveries'>
  /** The webhooks by name, as the config has them now. */
  webhooks: () => ReadonlyMap<string, ResolvedWebhook>
  /** How long a delivery is retried before it is given up (from its event). */
  retryForMs: () => number
  owner: string
  clock: Clock
  random: () => number
  log: Log
  /** Tries at once. */
  concurrency?: number
  /** How often the outbox is looked at when nothing woke the dispatcher. */
  pollMs?: number
  /** How long a receiver has to answer. */
  timeoutMs?: () => number
  /** The first retry's pause; each further one doubles, up to an hour. */
  firstRetryMs?: number
  /** Each try's outcome, as it is recorded (metrics). */
  onTry?: (outcome: DeliveryOutcome['state']) => void
}

export interface Dispatcher {
  start(): void
  /** Something was written to the outbox: look now. */
  kick(): void
  stop(): Promise<void>
}

const FIRST_RETRY_MS = 10_000
const MAX_RETRY_MS = 60 * 60_000
/** Settled deliveries are kept in the log this long. */
const KEEP_LOG_MS = 7 * 24 * 60 * 60_000

/** When try `attempt` (1 for the first) is followed by the next: doubling from 10 s to an hour, ±20 %. */
export function retryDelay(attempt: number, random: () => number, firstMs = FIRST_RETRY_MS): number {
  const base = Math.min(firstMs * 2 ** Math.max(0, attempt - 1), MAX_RETRY_MS)
  return Math.round(base * (0.8 + 0.4 * random()))
}

/** The outcome a try's result records, given when the event was written. */
export function outcomeOf(
  result: TryResult,
  record: OutboxRecord,
  now: number,
  retry: { forMs: number; firstMs?: number | undefined },
  random: () => number,
): DeliveryOutcome {
  switch (result.kind) {
    case 'delivered':
      return { state: 'delivered', at: now, status: result.status }
    case 'refused':
      return { state: 'failed', status: result.status, error: result.error }
    case 'retry': {
      const retryAt = now + retryDelay(record.attempts, random, retry.firstMs)
      if (retryAt > record.createdAt + retry.forMs) {
        return {
          state: 'failed',
          status: result.status,
          error: `${result.error}; gave up after ${record.attempts} tries`,
        }
      }
      return { state: 'pending', retryAt, status: result.status, error: result.error }
    }
  }
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, clock, log, owner } = options
  const concurrency = options.concurrency ?? 8
  const pollMs = options.pollMs ?? 1000
  const timeoutMs = () => options.timeoutMs?.() ?? SEND_TIMEOUT_MS
  const inFlight = new Set<Promise<void>>()
  let timer: TimerHandle | null = null
  let running = false
  let stopped = true
  let again = false
  let lastPrune = 0
  /** Aborts the tries in flight when the console stops: their claims run out, and they are tried again. */
  let stopping = new AbortController()

  async function deliver(record: OutboxRecord): Promise<void> {
    const webhook = options.webhooks().get(record.webhook)
    const now = () => clock.now()
    let outcome: DeliveryOutcome
    if (webhook === undefined) {
      outcome = { state: 'failed', status: null, error: 'the webhook is no longer in the config' }
    } else {
      const result = await tryDelivery(webhook, record, new Date(now()).toISOString(), {
        timeoutMs: timeoutMs(),
        signal: stopping.signal,
      })
      if (stopping.signal.aborted) return
      const retry = { forMs: options.retryForMs(), firstMs: options.firstRetryMs }
      outcome = outcomeOf(result, record, now(), retry, options.random)
    }
    if (outcome.state !== 'delivered') {
      log.warn(
        {
          webhook: record.webhook,
          event: record.type,
          eventId: record.eventId,
          state: outcome.state,
          error: outcome.error,
        },
        'a webhook delivery failed',
      )
    }
    await store.finishDelivery(record.id, owner, outcome)
    options.onTry?.(outcome.state)
  }

  async function round(): Promise<void> {
    if (running || stopped) {
      again = true
      return
    }
    running = true
    try {
      do {
        again = false
        const free = concurrency - inFlight.size
        if (free <= 0) break
        const now = clock.now()
        // Longer than any try: a claim outlives the try it covers.
        const leaseUntil = now + timeoutMs() * 3
        const claimed = await store.claimDeliveries({ owner, now, leaseUntil, limit: free })
        for (const record of claimed) {
          const task: Promise<void> = deliver(record)
            .catch((error: unknown) => log.error({ err: String(error), webhook: record.webhook }, 'a delivery failed'))
            .finally(() => {
              inFlight.delete(task)
              if (!stopped) void round()
            })
          inFlight.add(task)
        }
        if (claimed.length === free) again = true
        if (now - lastPrune > 60 * 60_000) {
          lastPrune = now
          await store.pruneDeliveries(now - KEEP_LOG_MS)
        }
      } while (again && !stopped)
    } catch (error) {
      log.warn({ err: String(error) }, 'reading the notification outbox failed')
    } finally {
      running = false
      schedule()
    }
  }

  function schedule() {
    if (stopped) return
    if (timer !== null) clock.clearTimeout(timer)
    timer = clock.setTimeout(() => {
      timer = null
      void round()
    }, pollMs)
  }

  return {
    start() {
      if (!stopped) return
      stopped = false
      stopping = new AbortController()
      void round()
    },
    kick() {
      if (!stopped) void round()
    },
    async stop() {
      stopped = true
      if (timer !== null) clock.clearTimeout(timer)
      timer = null
      stopping.abort()
      await Promise.allSettled([...inFlight])
    },
  }
}
