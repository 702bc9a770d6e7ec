/**
 * The relay secret each instance dials with, in hand. When a process takes an instance on (at
 * start-up, or a replica taking it over) it comes from the state store (a secret the connector
 * issued at an opt-in, kept across restarts and shared by replicas) or from the config; the
 * config's wins only when it changed since it was last adopted, which means an operator rotated it
 * by hand. A secret the connector issues later is written to the store before it is used.
 * @module
 */
import { createHash } from 'node:crypto'
import type { StateStore } from '../state/store'

export interface StoredSecret {
  secret: string | null
  /** Digest of the config's secret when it was last adopted. */
  configSecretDigest: string | null
}

export interface SecretBookOptions {
  store: Pick<StateStore, 'transaction'>
  /** Per instance: the secret the config file names, if any. */
  configSecrets: ReadonlyMap<string, string | null>
}

export interface SecretBook {
  /** Decides the instance's secret from what the store holds (adopting a hand-rotated config secret durably). */
  resolve(instanceId: string, stored: StoredSecret | null): Promise<string | null>
  get(instanceId: string): string | null
  /** Keeps a secret the connector issued: in the store first, then in hand. */
  issue(instanceId: string, secret: string): Promise<void>
}

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex')

export function createSecretBook(options: SecretBookOptions): SecretBook {
  const { store } = options
  const inHand = new Map<string, string | null>()
  return {
    async resolve(instanceId, stored) {
      const fromConfig = options.configSecrets.get(instanceId) ?? null
      let secret = stored?.secret ?? fromConfig
      if (fromConfig !== null && digest(fromConfig) !== (stored?.configSecretDigest ?? null)) {
        await store.transaction((tx) => tx.saveSecret(instanceId, fromConfig, digest(fromConfig)))
        secret = fromConfig
      }
      inHand.set(instanceId, secret)
      return secret
    },
    get: (instanceId) => inHand.get(instanceId) ?? null,
    async issue(instanceId, secret) {
      await store.transaction((tx) => tx.saveSecret(instanceId, secret))
      inHand.set(instanceId, secret)
    },
  }
}
