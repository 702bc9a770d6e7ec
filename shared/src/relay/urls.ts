/**
 * Connector URL normalisation (docs/relay-contract.md §1): the socket URL and the HTTP base come from one
 * configured URL, whichever scheme the operator wrote.
 * @module
 */

const SOCKET_SCHEMES: Record<string, string> = {
  'https:': 'wss:',
  'http:': 'ws:',
  'wss:': 'wss:',
  'ws:': 'ws:',
}
const HTTP_SCHEMES: Record<string, string> = {
  'wss:': 'https:',
  'ws:': 'http:',
  'https:': 'https:',
  'http:': 'http:',
}

export type ConnectorRoute = '/relay/provision' | '/relay/enroll' | '/manage/deprovision'

function split(configured: string, schemes: Record<string, string>): { scheme: string; rest: string } {
  const trimmed = configured.trim()
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw new TypeError(`connector URL is not a valid URL: ${JSON.stringify(trimmed)}`)
  }
  const scheme = schemes[url.protocol]
  if (scheme === undefined) {
    throw new TypeError(`connector URL must start with http, https, ws or wss, not ${url.protocol}`)
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError('connector URL must not carry a query or a fragment')
  }
  // Keep the text after the scheme as written (host, port, prefix), minus trailing slashes.
  const rest = trimmed.slice(trimmed.indexOf(':') + 1).replace(/\/+$/, '')
  return { scheme, rest }
}

/** `https→wss`, `http→ws`, no trailing `/`, ends in `/relay` exactly once. Idempotent. */
export function relaySocketUrl(configured: string): string {
  const { scheme, rest } = split(configured, SOCKET_SCHEMES)
  return rest.endsWith('/relay') ? `${scheme}${rest}` : `${scheme}${rest}/relay`
}

/** The HTTP base: `ws→http`, `wss→https`, a trailing `/relay` stripped. Idempotent. */
export function connectorHttpBase(configured: string): string {
  const { scheme, rest } = split(configured, HTTP_SCHEMES)
  return `${scheme}${rest.endsWith('/relay') ? rest.slice(0, -'/relay'.length) : rest}`
}

export function connectorHttpUrl(configured: string, route: ConnectorRoute): string {
  return `${connectorHttpBase(configured)}${route}`
}
