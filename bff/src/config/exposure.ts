/**
 * What a config would expose (docs/configuration.md, "Exposure"): a console that listens
 * beyond loopback without TLS, and a connector reached in clear across a network. The schema
 * refuses both unless the file sets `allowInsecure: true`; with it, `main.ts` warns at start.
 * @module
 */
import { isLoopbackHost } from '../lib/addresses'

export interface Exposure {
  /** The config field, as problems name it. */
  field: 'listen.host' | 'connector.url'
  why: string
}

const ALLOW = 'set "allowInsecure": true to accept this'

export function insecureExposures(config: { listenHost: string; connectorUrl: string }): Exposure[] {
  const found: Exposure[] = []
  if (!isLoopbackHost(config.listenHost)) {
    found.push({
      field: 'listen.host',
      why: `${config.listenHost} is not a loopback address: the console would be reachable from the network without TLS, and the operator token and sessions would cross it in clear; listen on 127.0.0.1 behind a TLS reverse proxy, or ${ALLOW}`,
    })
  }
  let url: URL | null = null
  try {
    url = new URL(config.connectorUrl)
  } catch {
    // the schema names a malformed URL on its own
  }
  if (url !== null && (url.protocol === 'ws:' || url.protocol === 'http:') && !isLoopbackHost(url.hostname)) {
    found.push({
      field: 'connector.url',
      why: `${url.protocol}// to ${url.hostname}, which is not loopback: the identity token and the instances' secrets would travel in clear; use wss:// or https://, or ${ALLOW}`,
    })
  }
  return found
}
