/**
 * The reference connector's admin API, typed: how the e2e tests inject faults. Never BFF internals.
 * @module
 */
import { ADMIN_TOKEN } from './env'

export interface UpgradeStats {
  total: number
  accepted: number
  rejected: number
  throttled: number
  lastAt: string | null
  lastOutcome: string | null
}

export interface AdminInstance {
  gatewayId: string
  revoked: boolean
  secretVersion: number
  connections: number
  connected: boolean
  hellos: string[]
  upgrades: UpgradeStats
}

export class ConnectorAdmin {
  constructor(readonly baseUrl: string) {}

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`connector admin ${method} ${path}: HTTP ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }

  instance(gatewayId: string): Promise<AdminInstance> {
    return this.#call('GET', `/instances/${encodeURIComponent(gatewayId)}`)
  }

  revoke(gatewayId: string): Promise<AdminInstance> {
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
