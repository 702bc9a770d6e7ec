import { describe, expect, it } from 'vitest'
import { isLoopbackHost, normaliseAddress, parseAddressBlock } from './addresses'

describe('parseAddressBlock', () => {
  it.each([
    ['10.0.0.1', { address: '10.0.0.1', prefix: 32, family: 'ipv4' }],
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
    ['fd00::/8', { address: 'fd00::', prefix: 8, family: 'ipv6' }],
  ])('reads %s', (text, block) => {
    expect(parseAddressBlock(text)).toEqual(block)
  })

  it.each(['localhost', '10.0.0.0/33', 'fd00::/129', '10.0.0', '', '/8', '10.0.0.1/', '10.0.0.1/8/8'])(
    'refuses %j',
    (text) => {
      expect(parseAddressBlock(text)).toBeNull()
    },
  )
})

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1'])(
    '%s is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true)
    },
  )

  it.each(['0.0.0.0', '::', '[::]', '192.168.1.10', '10.0.0.1', 'example.com', 'localhost.example.com', '128.0.0.1'])(
    '%s is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false)
    },
  )
})

it('reads an IPv4-mapped IPv6 address as IPv4', () => {
  expect(normaliseAddress('::ffff:10.1.2.3')).toBe('10.1.2.3')
  expect(normaliseAddress('::1')).toBe('::1')
})
