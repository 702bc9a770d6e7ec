/**
 * Text for a platform's status: the message by error code (the only place a code becomes words is
 * the locale files), and the retry line. Pure over a `t` function. A failed request's words are
 * `lib/api-errors.ts`'s.
 * @module
 */
import type { ClientPlatformStatus } from '@relay-console/shared/instance'
import type { TFunction } from 'i18next'
import { shortDuration } from '../../../lib/format'

export function statusMessage(status: ClientPlatformStatus, t: TFunction): string | null {
  return status.errorCode === null ? null : errorText(status.errorCode, t)
}

/** An error code's words; a code this version does not know reads as `errors.unknown`, with the code. */
export function errorText(code: string, t: TFunction): string {
  const key = `errors.${code}` as const
  return t(key as 'errors.unknown', { defaultValue: '', code }) || t('errors.unknown', { code })
}

export function retryLine(status: ClientPlatformStatus, nowMs: number, t: TFunction, language: string): string | null {
  if (status.state !== 'retrying') return null
  const attempt = Math.max(status.attempt, 1)
  if (status.nextRetryAt === null) return t('platform.retryHeld', { attempt })
  const delay = Date.parse(status.nextRetryAt) - nowMs
  if (delay <= 500) return t('platform.retryNow', { attempt })
  return t('platform.retryIn', { attempt, delay: shortDuration(delay, language) })
}
