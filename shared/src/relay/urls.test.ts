import { describe, expect, it } from 'vitest'
import { connectorHttpBase, connectorHttpUrl, relaySocketUrl } from './urls'

describe('relaySocketUrl', () => {
  it.each([
    ['https://host', 'wss://host/relay'],
    ['http://h:8080', 'ws://h:8080/relay'],
    ['http://h:8080/', 'ws://h:8080/relay'],
    ['ws://127.0.0.1:8788', 'ws://127.0.0.1:8788/relay'],
    ['wss://c.example/relay', 'wss://c.example/relay'],
    ['wss://c.example/relay/', 'wss://c.example/relay'],
    ['https://c.example/team/a', 'wss://c.example/team/a/relay'],
    ['  https://c.example/team/  ', 'wss://c.example/team/relay'],
  ])('%s → %s', (input, expected) => {
    expect(relaySocketUrl(input)).toBe(expected)
  })

  it('is idempotent', () => {
    for (const input of ['https://host', 'ws://h:1/relay', 'http://h/p/']) {
      const once = relaySocketUrl(input)
      expect(relaySocketUrl(once)).toBe(once)
    }
  })

  it('names what is wrong with a bad URL', () => {
    expect(() => relaySocketUrl('ftp://host')).toThrow(/http, https, ws or wss/)
    expect(() => relaySocketUrl('not a url')).toThrow(/not a valid URL/)
    expect(() => relaySocketUrl('https://h/?x=1')).toThrow(/query/)
  })
})

describe('connectorHttpBase', () => {
  it.each([
    ['wss://c/relay', 'https://c'],
    ['ws://127.0.0.1:8788/relay/', 'http://127.0.0.1:8788'],
    ['ws://127.0.0.1:8788', 'http://127.0.0.1:8788'],
    ['https://c.example/team', 'https://c.example/team'],
    ['http://c.example/team/relay', 'http://c.example/team'],
  ])('%s → %s', (input, expected) => {
    expect(connectorHttpBase(input)).toBe(expected)
    expect(connectorHttpBase(expected)).toBe(expected)
  })

  it('builds the route URLs', () => {
    expect(connectorHttpUrl('wss://c/relay', '/relay/provision')).toBe('https://c/relay/provision')
    expect(connectorHttpUrl('ws://c:1', '/manage/deprovision')).toBe('http://c:1/manage/deprovision')
    expect(connectorHttpUrl('https://c/x/', '/relay/enroll')).toBe('https://c/x/relay/enroll')
  })
})
