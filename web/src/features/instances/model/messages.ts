/**
 * Text for a platform's status: the message by error code (the only place a code becomes words is
 * the locale files), and the retry line. Pure over a `t` function.
 * @module
 */
import type { ClientPlatformStatus } from '@relay-console/shared/instance'
import type { TFunction } from 'i18next'
import { shortDuration } from '../../../lib/format'

export function statusMessage(status: ClientPlatformStatus, t: TFunction): string | null {
  if (status.errorCode === null) return null
  const key = `errors.${status.errorCode}` as const
  return (
    t(key as 'errors.unknown', { defaultValue: '', code: status.errorCode }) ||
    t('errors.unknown', { code: status.errorCode })
  )
}

export function retryLine(status: ClientPlatformStatus, nowMs: number, t: TFunction, language: string): string | null {
  if (status.state !== 'retrying') return null
  const attempt = Math.max(status.attempt, 1)
  if (status.nextRetryAt === null) return t('platform.retryHeld', { attempt })
  const delay = Date.parse(status.nextRetryAt) - nowMs
  if (delay <= 500) return t('platform.retryNow', { attempt })
  return t('platform.retryIn', { attempt, delay: shortDuration(delay, language) })
}

/** The stable code of a failed request, whatever threw it. */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    return (error as { code: string }).code
  }
  return 'unknown'
}

const API_ERRORS = new Set([
  'connector_unreachable',
  'connector_error',
  'identity_token_missing',
  'secret_withheld',
  'network',
])

/** Why a request failed, in the operator's language. */
export function failureReason(error: unknown, t: TFunction): string {
  const code = errorCode(error)
  return API_ERRORS.has(code) ? t(`apiErrors.${code}` as 'apiErrors.network') : t('apiErrors.unknown', { code })
}
