/**
 * One try of one delivery: a signed POST that follows no redirect, reads at most a few
 * kilobytes of the answer, and gives up after a deadline, so a receiver that is slow, huge or
 * hostile costs one slot for a bounded time and nothing else.
 * @module
 */
import type { ResolvedWebhook } from '../config/load'
import { clipText, readCapped } from '../connector-api/read-capped'
import type { OutboxRecord } from '../state/store'
import { jsonBody, SIGNATURE_HEADER, signature, slackBody } from './webhook-body'

/** The most of a receiver's answer that is read (it is only ever shown, clipped, in the delivery log). */
export const MAX_ANSWER_BYTES = 4 * 1024
export const SEND_TIMEOUT_MS = 10_000

export type TryResult =
  | { kind: 'delivered'; status: number }
  /** Worth another try later: no answer, 5xx, 408, 425, 429. */
  | { kind: 'retry'; status: number | null; error: string }
  /** Another try would get the same: any other 3xx/4xx. */
  | { kind: 'refused'; status: number; error: string }

const RETRIED_4XX = new Set([408, 425, 429])

export async function tryDelivery(
  webhook: ResolvedWebhook,
  record: OutboxRecord,
  sentAt: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<TryResult> {
  const body = webhook.format === 'slack' ? slackBody(record, sentAt) : jsonBody(record, sentAt)
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal])
  let response: Response
  try {
    response = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'relay-console-webhook/1',
        [SIGNATURE_HEADER]: signature(body, webhook.secret),
      },
      body,
      redirect: 'manual',
      signal,
    })
  } catch (error) {
    return { kind: 'retry', status: null, error: failureText(error, timeout, timeoutMs) }
  }
  const answer = await readCapped(response, MAX_ANSWER_BYTES)
  const { status } = response
  if (status >= 200 && status < 300) return { kind: 'delivered', status }
  const said = answer.kind === 'text' && answer.text.trim() !== '' ? `: ${clipText(answer.text.trim(), 200)}` : ''
  if (status >= 300 && status < 400) {
    return { kind: 'refused', status, error: `HTTP ${status}: redirects are not followed; configure the final URL` }
  }
  if (status >= 500 || RETRIED_4XX.has(status)) return { kind: 'retry', status, error: `HTTP ${status}${said}` }
  return { kind: 'refused', status, error: `HTTP ${status}${said}` }
}

function failureText(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `no answer within ${timeoutMs / 1000} s`
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return `could not reach the webhook (${cause?.code ?? cause?.message ?? String(error)})`
}
