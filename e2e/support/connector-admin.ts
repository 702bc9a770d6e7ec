/**
 * The reference connector's admin API, typed: how the e2e tests inject faults. Never BFF internals.
 * @module
 */
import { connectorAdmin } from '@relay-console/bench/procs'
import type { AdminInstanceView as AdminInstance } from '@relay-console/connector'
import { ADMIN_TOKEN } from './env'

export class ConnectorAdmin {
  readonly #call: ReturnType<typeof connectorAdmin>

  constructor(readonly baseUrl: string) {
    this.#call = connectorAdmin(baseUrl, ADMIN_TOKEN)
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
