/**
 * Where a request comes from: the client's address (what failed logins are counted under) and
 * whether it came over HTTPS. `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the
 * socket's peer is a configured proxy (`trustProxy`, docs/configuration.md); from anyone else both
 * are ignored, or any client could pick the address its failures count against, or pass itself
 * off as HTTPS.
 * @module
 */
import { BlockList } from 'node:net'
import { normaliseAddress, parseAddressBlock } from '../lib/addresses'

export interface RequestSource {
  /** The client's address: the socket's peer, or the client a trusted proxy names. */
  address: string
  https: boolean
}

export type ProxyTrust = (address: string) => boolean

/** Trusts exactly the addresses and blocks given (entries the config schema has already checked). */
export function createProxyTrust(entries: readonly string[]): ProxyTrust {
  if (entries.length === 0) return () => false
  const list = new BlockList()
  for (const entry of entries) {
    const block = parseAddressBlock(entry)
    if (block !== null) list.addSubnet(block.address, block.prefix, block.family)
  }
  return (address) => {
    const plain = normaliseAddress(address)
    return list.check(plain, plain.includes(':') ? 'ipv6' : 'ipv4')
  }
}

export interface SourceInput {
  /** The socket's remote address; undefined when there is no socket (in-process requests). */
  peer: string | undefined
  /** The request URL's own scheme is https (TLS at this server). */
  tls: boolean
  forwardedFor: string | undefined
  forwardedProto: string | undefined
}

export function requestSource(input: SourceInput, trusted: ProxyTrust): RequestSource {
  const peer = input.peer === undefined ? 'unknown' : normaliseAddress(input.peer)
  if (input.peer === undefined || !trusted(peer)) return { address: peer, https: input.tls }
  return {
    address: forwardedClient(input.forwardedFor, trusted) ?? peer,
    // The proxy that faces the client sets it; a chain lists the first hop first.
    https: input.tls || input.forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https',
  }
}

/**
 * The right-most hop that is not a trusted proxy: every hop right of it was appended by a proxy we
 * trust, while anything left of it the client may have written itself. All trusted: the first.
 */
function forwardedClient(header: string | undefined, trusted: ProxyTrust): string | null {
  if (header === undefined) return null
  const hops = header
    .split(',')
    .map((hop) => normaliseAddress(hop.trim()))
    .filter((hop) => hop !== '')
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string
    if (!isAddress(hop) || !trusted(hop)) return hop
  }
  return hops[0] ?? null
}

const isAddress = (text: string) => parseAddressBlock(text) !== null && !text.includes('/')
