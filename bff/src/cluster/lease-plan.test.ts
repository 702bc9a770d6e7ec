import { describe, expect, it } from 'vitest'
import { planTick } from './lease-plan'
import { ownerOf } from './rendezvous'

const ids = Array.from({ length: 60 }, (_, i) => `i${i}`)
/** Instances rendezvous gives to `me` among `live`, and some it gives to another. */
const mine = (me: string, live: string[]) => ids.filter((id) => ownerOf(id, live) === me)
const theirs = (me: string, live: string[]) => ids.filter((id) => ownerOf(id, live) !== me)

describe('planTick', () => {
  const live = ['A', 'B']
  const [m1, m2, m3] = mine('A', live) as [string, string, string]
  const [t1, t2] = theirs('A', live) as [string, string]

  it('does nothing when it holds exactly what it should, renewed', () => {
    const wanted = mine('A', live)
    const plan = planTick({
      self: 'A',
      held: new Map(wanted.map((id) => [id, 1])),
      renewed: wanted.map((instanceId) => ({ instanceId, epoch: 1 })),
      live,
      instanceIds: ids,
    })
    expect(plan).toEqual({ lost: [], handOver: [], release: [], adopt: [], acquire: [] })
  })

  it.each([
    {
      name: 'a held lease the renewal did not return is lost',
      held: [[m1, 1]],
      renewed: [],
      managed: [m1],
      expect: { lost: [m1], acquire: [m1] },
    },
    {
      name: 'a held lease renewed under another epoch is lost, then adopted at the new one',
      held: [[m1, 1]],
      renewed: [[m1, 3]],
      managed: [m1],
      expect: { lost: [m1], adopt: [{ instanceId: m1, epoch: 3 }] },
    },
    {
      name: 'a held lease another live replica should hold is handed over and released',
      held: [[t1, 2]],
      renewed: [[t1, 2]],
      managed: [t1],
      expect: { handOver: [t1], release: [t1] },
    },
    {
      name: 'a lease the store says is ours but was never announced is adopted when wanted…',
      held: [],
      renewed: [[m2, 4]],
      managed: [m2],
      expect: { adopt: [{ instanceId: m2, epoch: 4 }] },
    },
    {
      name: '…and released when not',
      held: [],
      renewed: [[t2, 4]],
      managed: [t2],
      expect: { release: [t2] },
    },
    {
      name: 'a wanted instance without a lease is acquired',
      held: [],
      renewed: [],
      managed: [m3, t1],
      expect: { acquire: [m3] },
    },
  ])('$name', (row) => {
    const plan = planTick({
      self: 'A',
      held: new Map(row.held as [string, number][]),
      renewed: (row.renewed as [string, number][]).map(([instanceId, epoch]) => ({ instanceId, epoch })),
      live,
      instanceIds: row.managed,
    })
    expect(plan).toEqual({ lost: [], handOver: [], release: [], adopt: [], acquire: [], ...row.expect })
  })

  it('lets go of an instance no longer managed', () => {
    const plan = planTick({
      self: 'A',
      held: new Map([[m1, 1]]),
      renewed: [{ instanceId: m1, epoch: 1 }],
      live,
      instanceIds: [],
    })
    expect(plan).toMatchObject({ handOver: [m1], release: [m1], acquire: [] })
  })

  it('counts itself live even when the store did not list it (its first beat)', () => {
    const plan = planTick({ self: 'A', held: new Map(), renewed: [], live: [], instanceIds: ids })
    expect(plan.acquire).toEqual(ids)
  })
})
