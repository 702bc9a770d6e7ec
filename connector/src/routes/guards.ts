/**
 * Guards of the connector's credentialed HTTP routes: the `Host` check (a web page that a DNS
 * rebinding pointed at this address must not reach the admin API or provisioning), and the throttle
 * of failed authentications per client. A valid credential always passes, throttled or not: someone
 * else failing from the same address must never lock the operator (or the console) out.
 * @module
 */
import { getConnInfo } from '@hono/node-server/conninfo'
import type { FailureThrottle } from '@relay-console/shared/failure-throttle'
import type { Context, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { fail } from './http-errors'

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']
const WILDCARDS = new Set(['0.0.0.0', '[::]', ''])
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/** Callers on this machine only: the admin API. */
export const loopbackOnly: MiddlewareHandler = async (c, next) => {
  if (!LOOPBACK_ADDRESSES.has(clientAddress(c))) fail(403, 'the admin API answers loopback callers only')
  await next()
}

/**
 * Accepts loopback names (and the address it listens on, unless a wildcard) on the listening port,
 * and the hosts the operator allowed (`--allowed-host`: `name` for any port, or `name:port`).
 */
export function hostGuard(options: {
  port: () => number
  listenHost: string
  allowedHosts: readonly string[]
}): MiddlewareHandler {
  const { port } = options
  const listen = options.listenHost.includes(':') ? `[${options.listenHost}]` : options.listenHost
  const own = new Set([...LOOPBACK_NAMES, ...(WILDCARDS.has(listen) ? [] : [listen.toLowerCase()])])
  const extra = new Set(options.allowedHosts.map((h) => h.toLowerCase()))
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase()
    const [name, hostPort] = splitHost(host)
    const ownPort = hostPort === String(port()) || (hostPort === '' && port() === 80)
    if (!(own.has(name) && ownPort) && !extra.has(host) && !extra.has(name)) {
      fail(421, 'this connector does not answer for that Host; allow it with --allowed-host')
    }
    await next()
  }
}

function splitHost(host: string): [string, string] {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host)
  return [match?.[1] ?? host, match?.[2] ?? '']
}

export const clientAddress = (c: Context): string => getConnInfo(c).remote.address ?? 'unknown'

export interface AuthFailures {
  /**
   * Refuses a request whose credential failed: 429 with `Retry-After` while `key` has failed too
   * often in the window, else `status` (and the failure counts). Call it only for a credential
   * that failed: a valid one never asks.
   */
  refuse(c: Context, key: string, status: ContentfulStatusCode, message: string): never
}

export function createAuthFailures(throttle: FailureThrottle, now: () => number): AuthFailures {
  return {
    refuse(c, key, status, message) {
      const wait = throttle.retryAfterMs(key, now())
      if (wait > 0) {
        c.header('Retry-After', String(Math.ceil(wait / 1000)))
        fail(429, 'too many failed attempts; try again later')
      }
      throttle.recordFailure(key, now())
      fail(status, message)
    },
  }
}
