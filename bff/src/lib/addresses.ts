/**
 * IP addresses as the config names them: single addresses and CIDR blocks (`trustProxy`), and
 * which hosts are loopback (`listen.host`, `connector.url`; docs/configuration.md).
 * @module
 */
import { isIP } from 'node:net'

export interface AddressBlock {
  address: string
  prefix: number
  family: 'ipv4' | 'ipv6'
}

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`; anything else is null. */
export function parseAddressBlock(text: string): AddressBlock | null {
  const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text.trim())
  if (match?.[1] === undefined) return null
  const version = isIP(match[1])
  if (version === 0) return null
  const family = version === 4 ? 'ipv4' : 'ipv6'
  const max = version === 4 ? 32 : 128
  const prefix = match[2] === undefined ? max : Number(match[2])
  return prefix <= max ? { address: match[1], prefix, family } : null
}

/** An IPv4 address as IPv6 (`::ffff:127.0.0.1`, as a dual-stack socket reports it) in its IPv4 form. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped?.[1] ?? address
}

/** `localhost`, `127.0.0.0/8` and `::1` (bracketed or not, IPv4-mapped or not). */
export function isLoopbackHost(host: string): boolean {
  const name = normaliseAddress(host.toLowerCase().replace(/^\[(.*)\]$/, '$1'))
  if (name === 'localhost' || name.endsWith('.localhost')) return true
  if (isIP(name) === 4) return name.startsWith('127.')
  return isIP(name) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(name)
}
