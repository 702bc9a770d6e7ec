/**
 * The rules every {@link LeaseStore} keeps, as one suite run against each implementation
 * (memory-leases.test.ts, pg-leases.test.ts), so the in-memory store the ownership tests use
 * behaves as PostgreSQL does.
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { LeaseStore } from './lease-store'

export interface LeaseStoreFixture {
  store: LeaseStore
  /** Lets the store's clock move on by `ms` (a real wait on a real database). */
  wait(ms: number): Promise<void>
  cleanup(): Promise<void>
}

/** Short enough for a real database; every wait in the suite is a multiple of it. */
const TTL = 400

const sorted = (xs: { instanceId: string; epoch: number }[]) =>
  [...xs].sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1)).map((g) => `${g.instanceId}@${g.epoch}`)

export function leaseStoreContract(name: string, open: () => Promise<LeaseStoreFixture>): void {
  const withStore = (run: (f: LeaseStoreFixture) => Promise<void>) => async () => {
    const f = await open()
    try {
      await run(f)
    } finally {
      await f.cleanup()
    }
  }

  describe(`LeaseStore contract: ${name}`, () => {
    it(
      'gives a free lease to the first taker only, at epoch 1, and ignores duplicates',
      withStore(async ({ store }) => {
        expect(sorted(await store.acquire('A', ['i2', 'i1', 'i1'], TTL))).toEqual(['i1@1', 'i2@1'])
        expect(await store.acquire('B', ['i1', 'i2', 'i3'], TTL)).toEqual([{ instanceId: 'i3', epoch: 1 }])
        expect(await store.acquire('A', ['i1'], TTL)).toEqual([]) // held already, even by itself
        expect(await store.acquire('A', [], TTL)).toEqual([])
      }),
    )

    it(
      'lets only the owner release, and a takeover bumps the epoch',
      withStore(async ({ store }) => {
        await store.acquire('A', ['i1', 'i2'], TTL * 10)
        await store.release('B', ['i1'])
        expect(await store.acquire('B', ['i1'], TTL)).toEqual([])
        await store.release('A', ['i1', 'nope'])
        await store.release('A', [])
        expect(await store.acquire('B', ['i1', 'i2'], TTL)).toEqual([{ instanceId: 'i1', epoch: 2 }])
        await store.release('B', ['i1'])
        expect(await store.acquire('A', ['i1'], TTL)).toEqual([{ instanceId: 'i1', epoch: 3 }])
      }),
    )

    it(
      'lets an expired lease be taken, and the old owner no longer renews it',
      withStore(async ({ store, wait }) => {
        await store.beat({ id: 'A', listen: 'a' }, TTL)
        await store.acquire('A', ['i1', 'i2'], TTL)
        await wait(TTL * 1.5)
        expect(await store.acquire('B', ['i1'], TTL)).toEqual([{ instanceId: 'i1', epoch: 2 }])
        const beat = await store.beat({ id: 'A', listen: 'a' }, TTL)
        // i2 expired too: nobody took it, but A no longer holds it either; it must acquire it anew.
        expect(beat.renewed).toEqual([])
        expect(await store.acquire('A', ['i2'], TTL)).toEqual([{ instanceId: 'i2', epoch: 2 }])
      }),
    )

    it(
      'never renews a released lease, so its next taker is not raced by the old owner’s beat',
      withStore(async ({ store }) => {
        await store.acquire('A', ['i1', 'i2'], TTL)
        await store.release('A', ['i1'])
        expect(sorted((await store.beat({ id: 'A', listen: 'a' }, TTL)).renewed)).toEqual(['i2@1'])
        expect(await store.acquire('B', ['i1'], TTL)).toEqual([{ instanceId: 'i1', epoch: 2 }])
      }),
    )

    it(
      'renews every lease of the replica in its beat',
      withStore(async ({ store, wait }) => {
        await store.acquire('A', ['i1', 'i2', 'i3'], TTL)
        await store.acquire('B', ['i4'], TTL)
        await wait(TTL / 2)
        const beat = await store.beat({ id: 'A', listen: 'a' }, TTL)
        expect(sorted(beat.renewed)).toEqual(['i1@1', 'i2@1', 'i3@1'])
        await wait(TTL * 0.75)
        // A's leases were renewed at TTL/2, so they still hold at 1.25 TTL; B's did not.
        expect(await store.acquire('C', ['i1', 'i2', 'i3', 'i4'], TTL)).toEqual([{ instanceId: 'i4', epoch: 2 }])
      }),
    )

    it(
      'lists live replicas: beat within the TTL and not draining (the caller from its previous beat)',
      withStore(async ({ store, wait }) => {
        expect((await store.beat({ id: 'A', listen: 'a' }, TTL)).live).toEqual([])
        expect((await store.beat({ id: 'B', listen: 'b' }, TTL)).live).toEqual(['A'])
        expect((await store.beat({ id: 'A', listen: 'a' }, TTL)).live).toEqual(['A', 'B'])
        await store.markDraining('B')
        expect((await store.beat({ id: 'A', listen: 'a' }, TTL)).live).toEqual(['A'])
        expect((await store.replicas(TTL)).map((r) => r.id)).toEqual(['A'])
        await wait(TTL * 1.5)
        expect((await store.beat({ id: 'C', listen: 'c' }, TTL)).live).toEqual([])
        // The view still shows A, silent: it has not drained, and is not forgotten yet.
        const view = await store.replicas(TTL)
        expect(view.map((r) => r.id)).toEqual(['A', 'C'])
        expect(Date.parse(view[0]?.lastSeenAt ?? '')).toBeLessThan(Date.parse(view[1]?.lastSeenAt ?? ''))
      }),
    )

    it(
      'shows each replica with its valid leases and its times',
      withStore(async ({ store, wait }) => {
        await store.beat({ id: 'A', listen: 'http://a:1' }, TTL)
        await store.beat({ id: 'B', listen: 'http://b:1' }, TTL)
        await store.acquire('A', ['i1', 'i2'], TTL)
        await store.acquire('B', ['i3'], TTL)
        const first = await store.replicas(TTL)
        expect(first.map(({ id, listen, owned }) => ({ id, listen, owned }))).toEqual([
          { id: 'A', listen: 'http://a:1', owned: 2 },
          { id: 'B', listen: 'http://b:1', owned: 1 },
        ])
        const a = first[0] as (typeof first)[number]
        expect(Number.isNaN(Date.parse(a.startedAt))).toBe(false)
        await wait(TTL / 2)
        await store.beat({ id: 'A', listen: 'http://a:2' }, TTL)
        await store.release('A', ['i1'])
        const [later] = await store.replicas(TTL)
        expect(later?.startedAt).toBe(a.startedAt)
        expect(Date.parse(later?.lastSeenAt ?? '')).toBeGreaterThan(Date.parse(a.lastSeenAt))
        expect(later?.listen).toBe('http://a:2')
        expect(later?.owned).toBe(1)
      }),
    )

    it(
      'removes a replica and expires whatever it still held',
      withStore(async ({ store }) => {
        await store.beat({ id: 'A', listen: 'a' }, TTL)
        await store.acquire('A', ['i1', 'i2'], TTL * 10)
        await store.remove('A')
        expect(await store.replicas(TTL)).toEqual([])
        expect(sorted(await store.acquire('B', ['i1', 'i2'], TTL))).toEqual(['i1@2', 'i2@2'])
      }),
    )
  })
}
