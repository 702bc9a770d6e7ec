import { API_ERROR_CODES, isTranslatedApiErrorCode } from '@relay-console/shared/api-error-codes'
import i18next from 'i18next'
import { describe, expect, it } from 'vitest'
import en from '../../../locales/en.json'
import { ApiError } from './api-client'
import { errorCode, failureReason } from './api-errors'

describe('API error codes and the locales', () => {
  const translated = Object.keys(API_ERROR_CODES).filter(isTranslatedApiErrorCode)

  it.each(translated)('%s, marked translated, has words in en.json', (code) => {
    expect(en.apiErrors).toHaveProperty(code)
  })

  it('has no words in en.json for a code not marked translated', () => {
    expect(Object.keys(en.apiErrors).filter((key) => key !== 'unknown')).toEqual(expect.arrayContaining(translated))
    expect(Object.keys(en.apiErrors).filter((key) => key !== 'unknown')).toHaveLength(translated.length)
  })
})

describe('failureReason', () => {
  const t = i18next.t

  it('reads the code of whatever was thrown', () => {
    expect(errorCode(new ApiError(502, 'connector_error', 'no'))).toBe('connector_error')
    expect(errorCode({ code: 'x' })).toBe('x')
    expect(errorCode(new Error('plain'))).toBe('unknown')
    expect(errorCode(null)).toBe('unknown')
  })

  it('translates a translated code, and names any other', () => {
    expect(failureReason(new ApiError(0, 'network', 'offline'), t)).toBe(en.apiErrors.network)
    expect(failureReason(new ApiError(400, 'invalid_body', 'bad'), t)).toBe('something went wrong (invalid_body).')
    expect(failureReason(new ApiError(502, 'http_502', 'Bad Gateway'), t)).toBe('something went wrong (http_502).')
    expect(failureReason(new Error('plain'), t)).toBe('something went wrong (unknown).')
  })
})
