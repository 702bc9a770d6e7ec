/**
 * From events to outbox rows, the same for every backend: one row per webhook that takes the
 * event, all rows of one event sharing its id (so a receiver with two webhooks sees one event),
 * failures due only once the flapping window has passed.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { OutboxPolicy } from '../state/store'
import { FAILURE_EVENTS, type NotificationDraft } from './events'

export interface PlannedDelivery {
  eventId: string
  type: string
  webhook: string
  instanceId: string | null
  platform: string | null
  subject: string
  draft: NotificationDraft
  dueAt: number
}

/** Single instances' failures and recoveries: folded into `connector.unreachable` while it stands. */
export const FOLDED_EVENTS: readonly string[] = [...FAILURE_EVENTS, 'instance.recovered']

/** The outbox rows for `drafts` at `now`; `only` narrows the webhooks (a test event to one). */
export function planDeliveries(
  drafts: readonly NotificationDraft[],
  policy: OutboxPolicy,
  now: number,
  only?: readonly string[],
): PlannedDelivery[] {
  const planned: PlannedDelivery[] = []
  for (const draft of drafts) {
    const webhooks = policy.webhooksFor(draft.type).filter((w) => only === undefined || only.includes(w))
    if (webhooks.length === 0) continue
    const eventId = randomUUID()
    const dueAt = FAILURE_EVENTS.includes(draft.type) ? now + policy.flappingWindowMs() : now
    for (const webhook of webhooks) {
      planned.push({
        eventId,
        type: draft.type,
        webhook,
        instanceId: draft.instanceId,
        platform: draft.platform,
        subject: draft.subject,
        draft,
        dueAt,
      })
    }
  }
  return planned
}

/** No webhooks: nothing is ever written to the outbox. */
export const NO_WEBHOOKS: OutboxPolicy = { webhooksFor: () => [], flappingWindowMs: () => 0 }
