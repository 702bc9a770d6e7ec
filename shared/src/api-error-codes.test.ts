import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  API_ERROR_CODES,
  type ApiErrorCode,
  INTENT_ERROR_CODES,
  isApiErrorCode,
  isKeptIntentError,
  isTranslatedApiErrorCode,
  type TranslatedApiErrorCode,
} from './api-error-codes'
import { ERROR_CODES } from './error-codes'

describe('API error codes', () => {
  const codes = Object.keys(API_ERROR_CODES)

  it.each(codes)('knows %s', (code) => {
    expect(isApiErrorCode(code)).toBe(true)
  })

  it('knows an HTTP status code, and nothing else', () => {
    expect(isApiErrorCode('http_404')).toBe(true)
    expect(isApiErrorCode('http_599')).toBe(true)
    expect(isApiErrorCode('http_')).toBe(false)
    expect(isApiErrorCode('http_4044')).toBe(false)
    expect(isApiErrorCode('http_abc')).toBe(false)
    expect(isApiErrorCode('future_code')).toBe(false)
    expect(isApiErrorCode('toString')).toBe(false)
  })

  it('translates exactly the opt-in/out failures, a refused role and the network', () => {
    expect(codes.filter(isTranslatedApiErrorCode).sort()).toEqual([
      'connector_error',
      'connector_unreachable',
      'forbidden',
      'identity_token_missing',
      'network',
      'secret_withheld',
      'superseded',
    ])
    expect(isTranslatedApiErrorCode('http_502')).toBe(false)
    expect(isTranslatedApiErrorCode('constructor')).toBe(false)
  })

  it('shares no code with the relay', () => {
    expect(codes.filter((code) => Object.hasOwn(ERROR_CODES, code))).toEqual([])
  })

  it('types the HTTP status codes and the translated subset', () => {
    expectTypeOf<'http_502'>().toExtend<ApiErrorCode>()
    expectTypeOf<'network'>().toExtend<TranslatedApiErrorCode>()
    expectTypeOf<'invalid_json'>().not.toExtend<TranslatedApiErrorCode>()
  })

  it('keeps every intent failure but superseded: those requests are carried out later', () => {
    expect(INTENT_ERROR_CODES.filter((code) => !isKeptIntentError(code))).toEqual(['superseded'])
    expect(isKeptIntentError('network')).toBe(false)
  })
})
