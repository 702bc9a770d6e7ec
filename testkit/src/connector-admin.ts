/**
 * The reference connector's admin API: how the harness seeds instances and injects faults (drops,
 * refusals, revocations, slow hellos) from the outside. Never console internals.
 * @module
 */
import type { AdminInstanceView } from '@relay-console/connector'
import { TOKENS } from './tokens'

export type AdminCall = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>

/** One call to `/admin<path>` with the admin bearer (the test kit's unless told); a non-2xx answer throws. */
export function connectorAdmin(connectorUrl: string, adminToken = TOKENS.CONNECTOR_ADMIN_TOKEN): AdminCall {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${connectorUrl}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
}

/** The admin API typed, one method per fault a test injects into one gateway's relay. */
export class ConnectorAdmin {
  readonly #call: AdminCall

  constructor(
    readonly baseUrl: string,
    adminToken = TOKENS.CONNECTOR_ADMIN_TOKEN,
  ) {
    this.#call = connectorAdmin(baseUrl, adminToken)
  }

  instance(gatewayId: string): Promise<AdminInstanceView> {
    return this.#call('GET', `/instances/${encodeURIComponent(gatewayId)}`)
  }

  revoke(gatewayId: string): Promise<AdminInstanceView> {
    return this.#call('POST', `/instances/${encodeURIComponent(gatewayId)}/revoke`)
  }

  close(gatewayId: string, code: number, reason: string): Promise<{ closed: number }> {
    return this.#call('POST', `/instances/${encodeURIComponent(gatewayId)}/close`, { code, reason })
  }

  rejectUpgrades(rule: { gatewayId: string; count: number; code?: number; reason?: string }): Promise<unknown> {
    return this.#call('POST', '/reject-upgrades', rule)
  }

  clearRejections(gatewayId: string): Promise<unknown> {
    return this.#call('POST', '/reject-upgrades/clear', { gatewayId })
  }

  setFaults(
    gatewayId: string,
    faults: { silentHellos?: boolean; helloDelayMs?: number; descriptors?: Record<string, unknown> },
  ): Promise<unknown> {
    return this.#call('PUT', `/instances/${encodeURIComponent(gatewayId)}/faults`, faults)
  }

  clearFaults(gatewayId: string): Promise<unknown> {
    return this.#call('DELETE', `/instances/${encodeURIComponent(gatewayId)}/faults`)
  }
}
