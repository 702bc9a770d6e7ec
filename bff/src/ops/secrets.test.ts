import { describe, expect, it, vi } from 'vitest'
import type { StoreTx } from '../state/store'
import { createSecretBook, type StoredSecret } from './secrets'

const SHA256_OF_CONFIGURED = '9a0dc8f7c2a2f10d1b58e59f4b7bb8a4ae3bc7bc4d6bd2d5e5d0ab8d80f7ef7d'

function book(config: string | null, stored: StoredSecret | undefined) {
  const saveSecret = vi.fn(async (_id: string, _secret: string, _digest?: string | null) => {})
  // Only the secret writes are of interest here: a transaction that hands them over.
  const store = {
    saveSecret,
    transaction: <T>(work: (tx: StoreTx) => Promise<T>) => work({ saveSecret } as unknown as StoreTx),
  }
  const secrets = createSecretBook({
    store,
    configSecrets: new Map([['acme', config]]),
  })
  const resolve = () => secrets.resolve('acme', stored ?? null)
  return { store, secrets, resolve }
}

describe('createSecretBook', () => {
  it('adopts the config secret the first time, durably, with its digest', async () => {
    const { store, secrets, resolve } = book('configured', undefined)
    expect(await resolve()).toBe('configured')
    expect(store.saveSecret).toHaveBeenCalledWith('acme', 'configured', expect.stringMatching(/^[0-9a-f]{64}$/))
    expect(secrets.get('acme')).toBe('configured')
  })

  it('keeps a secret the connector issued over an unchanged config secret', async () => {
    const first = book('configured', undefined)
    await first.resolve()
    const digest = first.store.saveSecret.mock.calls[0]?.[2] as string
    const { store, resolve } = book('configured', { secret: 'issued-at-opt-in', configSecretDigest: digest })
    expect(await resolve()).toBe('issued-at-opt-in')
    expect(store.saveSecret).not.toHaveBeenCalled()
  })

  it('lets a config secret changed by hand win again', async () => {
    const { store, resolve } = book('rotated', {
      secret: 'issued-at-opt-in',
      configSecretDigest: SHA256_OF_CONFIGURED,
    })
    expect(await resolve()).toBe('rotated')
    expect(store.saveSecret).toHaveBeenCalledWith('acme', 'rotated', expect.not.stringMatching(SHA256_OF_CONFIGURED))
  })

  it('uses the stored secret when the config names none, and nothing when neither has one', async () => {
    expect(await book(null, { secret: 'issued', configSecretDigest: null }).resolve()).toBe('issued')
    const { secrets, resolve } = book(null, undefined)
    expect(await resolve()).toBeNull()
    expect(secrets.get('acme')).toBeNull()
  })

  it('stores an issued secret before it is in hand', async () => {
    const { store, secrets } = book(null, undefined)
    store.saveSecret.mockImplementation(async () => {
      expect(secrets.get('acme')).toBeNull()
    })
    await secrets.issue('acme', 'fresh')
    expect(store.saveSecret).toHaveBeenCalledWith('acme', 'fresh')
    expect(secrets.get('acme')).toBe('fresh')
  })
})
