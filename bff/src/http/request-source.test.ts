import { describe, expect, it } from 'vitest'
import { createProxyTrust, requestSource } from './request-source'

const trust = createProxyTrust(['10.0.0.0/8', '::1'])
const from = (peer: string | undefined, headers: { xff?: string; proto?: string } = {}, tls = false) =>
  requestSource({ peer, tls, forwardedFor: headers.xff, forwardedProto: headers.proto }, trust)

describe('requestSource', () => {
  it('believes nothing from a peer that is not a trusted proxy', () => {
    expect(from('198.51.100.7', { xff: '192.0.2.1', proto: 'https' })).toEqual({
      address: '198.51.100.7',
      https: false,
    })
  })

  it('takes the right-most untrusted hop from a trusted proxy', () => {
    expect(from('10.0.0.1', { xff: '6.6.6.6, 192.0.2.1, 10.0.0.9' }).address).toBe('192.0.2.1')
    expect(from('::1', { xff: '192.0.2.1' }).address).toBe('192.0.2.1')
    expect(from('::ffff:10.0.0.1', { xff: '::ffff:192.0.2.1' }).address).toBe('192.0.2.1')
  })

  it('falls back to the left-most hop when all are trusted, and to the proxy without the header', () => {
    expect(from('10.0.0.1', { xff: '10.0.0.7, 10.0.0.8' }).address).toBe('10.0.0.7')
    expect(from('10.0.0.1').address).toBe('10.0.0.1')
    expect(from('10.0.0.1', { xff: ' , ' }).address).toBe('10.0.0.1')
  })

  it('keys a garbage hop as itself, never as a trusted proxy', () => {
    expect(from('10.0.0.1', { xff: '192.0.2.1, unknown' }).address).toBe('unknown')
  })

  it('believes X-Forwarded-Proto from a trusted proxy only', () => {
    expect(from('10.0.0.1', { proto: 'https' }).https).toBe(true)
    expect(from('10.0.0.1', { proto: 'HTTPS, http' }).https).toBe(true)
    expect(from('10.0.0.1', { proto: 'http' }).https).toBe(false)
    expect(from('198.51.100.7', { proto: 'https' }).https).toBe(false)
    expect(from('198.51.100.7', {}, true).https).toBe(true)
  })

  it('has no address without a socket', () => {
    expect(from(undefined, { xff: '192.0.2.1', proto: 'https' })).toEqual({ address: 'unknown', https: false })
  })

  it('trusts nobody when no proxy is configured', () => {
    const none = createProxyTrust([])
    expect(
      requestSource({ peer: '10.0.0.1', tls: false, forwardedFor: '1.2.3.4', forwardedProto: 'https' }, none),
    ).toEqual({ address: '10.0.0.1', https: false })
  })
})
