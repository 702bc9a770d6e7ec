/**
 * The console's Prometheus metrics (prom-client), one registry per service so tests and several
 * services in one process never share counters.
 * @module
 */
import type { Transition } from '@relay-console/shared/api'
import { UNAUTHORIZED_REASONS, type UnauthorizedReason } from '@relay-console/shared/relay/close-codes'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export interface Metrics {
  registry: Registry
  socketsByState: Gauge<'state'>
  dials: Counter<'kind'>
  /** Counts a 4401 close under {@link unauthorizedReasonLabel} of the connector's reason. */
  recordUnauthorizedClose(reason: string): void
  inbound: Counter
  platformTransitions: Counter<'from' | 'to'>
  sseClients: Gauge
  sseDropped: Counter
  /** Webhook tries by how they ended: delivered, retry (kept for another try), failed (given up). */
  webhookTries: Counter<'outcome'>
  fanoutSeconds: Histogram
  httpSeconds: Histogram<'method' | 'route' | 'status'>
  /** Where the transports-by-phase gauge reads from at scrape time. */
  observeTransports(source: () => Record<string, number>): void
  /** A listener of the console state's change stream: counts its platform transitions. */
  recordChange(change: { transitions: readonly Transition[] }): void
}

/** The only label values of `relay_console_4401_total`. */
export type UnauthorizedReasonLabel = UnauthorizedReason | 'other' | 'none'

/**
 * The connector writes the close reason, so it is untrusted text: used as a label as is, every
 * new reason would be a new series and /metrics would grow without bound. docs/relay-contract.md
 * §4 names three reasons; anything else is `other`, an empty reason `none`.
 */
export function unauthorizedReasonLabel(reason: string): UnauthorizedReasonLabel {
  if (reason === '') return 'none'
  return (UNAUTHORIZED_REASONS as readonly string[]).includes(reason) ? (reason as UnauthorizedReason) : 'other'
}

export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: 'relay_console_' })
  let transports: () => Record<string, number> = () => ({})
  const unauthorizedCloses = new Counter({
    name: 'relay_console_4401_total',
    help: 'Relay sockets closed 4401, by reason (unauthorized, expired, revoked, other, none)',
    labelNames: ['reason'],
    registers: [registry],
  })
  const platformTransitions = new Counter({
    name: 'relay_console_platform_transitions_total',
    help: 'Platform state changes, by the state left (none: a new platform) and the state entered',
    labelNames: ['from', 'to'],
    registers: [registry],
  })
  return {
    registry,
    socketsByState: new Gauge({
      name: 'relay_console_transports',
      help: 'Relay transports by phase (socket, backoff, held, revoked, closed, none)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.reset()
        for (const [state, count] of Object.entries(transports())) this.set({ state }, count)
      },
    }),
    observeTransports(source) {
      transports = source
    },
    platformTransitions,
    recordChange(change) {
      for (const t of change.transitions) platformTransitions.inc({ from: t.from ?? 'none', to: t.to })
    },
    dials: new Counter({
      name: 'relay_console_dials_total',
      help: 'Relay dials, by kind (backoff/initial or the fresh-token re-dial)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    recordUnauthorizedClose(reason) {
      unauthorizedCloses.inc({ reason: unauthorizedReasonLabel(reason) })
    },
    inbound: new Counter({
      name: 'relay_console_inbound_total',
      help: 'Inbound relay events received',
      registers: [registry],
    }),
    sseClients: new Gauge({ name: 'relay_console_sse_clients', help: 'Open event streams', registers: [registry] }),
    webhookTries: new Counter({
      name: 'relay_console_webhook_tries_total',
      help: 'Webhook delivery tries, by outcome (delivered, retry, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    sseDropped: new Counter({
      name: 'relay_console_sse_dropped_total',
      help: 'Event streams closed because the client fell too far behind',
      registers: [registry],
    }),
    fanoutSeconds: new Histogram({
      name: 'relay_console_event_fanout_seconds',
      help: 'Time to hand one state change to every event stream',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
    httpSeconds: new Histogram({
      name: 'relay_console_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
  }
}
