/**
 * Why a request failed, for people: the stable code of whatever was thrown, and its words from the
 * locales (`apiErrors.<code>`) when the contract marks it translated (shared `api-error-codes.ts`).
 * Any other code, including ones from a newer console, reads as `apiErrors.unknown` with the code.
 * @module
 */
import { isTranslatedApiErrorCode } from '@relay-console/shared/api-error-codes'
import type { TFunction } from 'i18next'

/** The stable code of a failed request, whatever threw it. */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    return (error as { code: string }).code
  }
  return 'unknown'
}

/** Why a request failed, in the operator's language. */
export function failureReason(error: unknown, t: TFunction): string {
  const code = errorCode(error)
  return isTranslatedApiErrorCode(code) ? t(`apiErrors.${code}`) : t('apiErrors.unknown', { code })
}
