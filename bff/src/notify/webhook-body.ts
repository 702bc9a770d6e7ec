/**
 * What a webhook receives (docs/notifications.md, "The body"): the JSON envelope, or a
 * Slack-compatible message, and the signature over the exact bytes sent.
 * @module
 */
import { createHmac } from 'node:crypto'
import { NOTIFICATION_BODY_VERSION } from '@relay-console/shared/fleet-ops'
import type { OutboxRecord } from '../state/store'

/** The header a receiver checks: `sha256=<hex HMAC-SHA256 of the raw body, keyed with the webhook's secret>`. */
export const SIGNATURE_HEADER = 'X-Relay-Console-Signature'

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** The JSON envelope: versioned, carrying its event id and the time of this try, so both are signed. */
export function jsonBody(record: OutboxRecord, sentAt: string): string {
  const { detail, occurredAt } = record.draft
  return JSON.stringify({
    version: NOTIFICATION_BODY_VERSION,
    id: record.eventId,
    type: record.type,
    occurredAt,
    sentAt,
    // Counted when the try was claimed: 1 for the first, a try a crash cut short included.
    attempt: record.attempts,
    ...detail,
  })
}

const TITLES: Record<string, string> = {
  'instance.disabled': 'opted out of the relay',
  'instance.revoked_by_connector': 'revoked by the connector',
  'instance.failed': 'failed',
  'instance.needs_attention': 'needs attention',
  'instance.recovered': 'recovered',
  'connector.unreachable': 'The connector is unreachable',
  'connector.recovered': 'The connector is reachable again',
  test: 'Test event from Relay Console',
}

/** One line a person reads in a Slack channel (the same facts as the JSON body). */
export function summary(record: OutboxRecord): string {
  const { detail } = record.draft
  const what = TITLES[record.type] ?? record.type
  if (detail.instance === null) {
    const c = detail.connector
    return c === null
      ? what
      : `${what}: ${c.failing} of ${c.of} instances failing${c.errorCode ? ` (${c.errorCode})` : ''}`
  }
  const platform = detail.platform === null ? '' : ` on ${detail.platform.platform}`
  const why = detail.platform?.errorCode ? ` (${detail.platform.errorCode})` : detail.actor ? ` by ${detail.actor}` : ''
  return `${detail.instance.displayName} (${detail.instance.id})${platform} ${what}${why}`
}

/**
 * Slack's incoming-webhook shape: `text` for the notification, plus the event's id and time in
 * a context block, so the body a Slack-compatible receiver verifies still names both.
 */
export function slackBody(record: OutboxRecord, sentAt: string): string {
  const text = summary(record)
  return JSON.stringify({
    text,
    blocks: [
      { type: 'section', text: { type: 'plain_text', text } },
      { type: 'context', elements: [{ type: 'plain_text', text: `${record.type} · ${record.eventId} · ${sentAt}` }] },
    ],
  })
}
