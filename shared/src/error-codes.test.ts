import { describe, expect, it } from 'vitest'
import { ERROR_CODES, type ErrorCode, isErrorCode, RELAY_DISABLED, stateForError } from './error-codes'

describe('stateForError — the one error-code → state decision', () => {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[]

  it.each(codes)('%s maps by its own retryability', (code) => {
    const { retryable } = ERROR_CODES[code]
    const expected = code === RELAY_DISABLED ? 'disabled' : retryable ? 'retrying' : 'fatal'
    expect(stateForError({ code, retryable })).toBe(expected)
  })

  it('makes relay_disabled disabled whatever the retryable flag says', () => {
    expect(stateForError({ code: 'relay_disabled', retryable: false })).toBe('disabled')
    expect(stateForError({ code: 'relay_disabled', retryable: true })).toBe('disabled')
  })

  it.each(codes.filter((c) => c !== RELAY_DISABLED))('%s is retrying when retryable, fatal when not', (code) => {
    expect(stateForError({ code, retryable: true })).toBe('retrying')
    expect(stateForError({ code, retryable: false })).toBe('fatal')
  })

  it('handles codes it has never heard of', () => {
    expect(isErrorCode('future_code')).toBe(false)
    expect(stateForError({ code: 'future_code', retryable: true })).toBe('retrying')
    expect(stateForError({ code: 'future_code', retryable: false })).toBe('fatal')
  })

  it('never lets relay_disabled be retryable by default', () => {
    expect(ERROR_CODES.relay_disabled.retryable).toBe(false)
  })

  it('keeps a superseded socket (4409) an ordinary retryable drop', () => {
    expect(stateForError({ code: 'relay_superseded', retryable: ERROR_CODES.relay_superseded.retryable })).toBe(
      'retrying',
    )
  })
})
