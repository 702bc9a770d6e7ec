import { describe, expect, it } from 'vitest'
import { diffInventory, type InventoryEntry, isEmptyDiff } from './inventory'

const entry = (id: string, extra: Partial<InventoryEntry> = {}): InventoryEntry => ({
  id,
  displayName: `${id} bot`,
  gatewayId: `gw-${id}`,
  platforms: [{ platform: 'discord', botId: '1' }],
  labels: { tenant: id },
  configSecret: null,
  ...extra,
})

const RUNNING = [entry('acme'), entry('globex'), entry('initech')]

describe('diffInventory', () => {
  it('finds nothing to do in the same config, whatever the order of instances or labels', () => {
    const next = [entry('initech'), entry('acme', { labels: { tenant: 'acme' } }), entry('globex')]
    const diff = diffInventory(RUNNING, next)
    expect(diff).toEqual({ added: [], removed: [], changed: [] })
    expect(isEmptyDiff(diff)).toBe(true)
  })

  it('adds new instances in the order of the new config and removes the missing ones', () => {
    const umbrella = entry('umbrella')
    const hooli = entry('hooli')
    const diff = diffInventory(RUNNING, [umbrella, entry('acme'), hooli])
    expect(diff.added).toEqual([umbrella, hooli])
    expect(diff.removed).toEqual(['globex', 'initech'])
    expect(diff.changed).toEqual([])
    expect(isEmptyDiff(diff)).toBe(false)
  })

  it.each([
    {
      what: 'a display name',
      next: { displayName: 'Acme' },
      change: { fields: ['displayName'], definition: true, socket: false },
    },
    {
      what: 'labels',
      next: { labels: { tenant: 'acme', region: 'eu' } },
      change: { fields: ['labels'], definition: true, socket: false },
    },
    {
      what: 'labels taken out',
      next: { labels: undefined },
      change: { fields: ['labels'], definition: true, socket: false },
    },
    {
      what: 'a platform added',
      next: { platforms: [...entry('acme').platforms, { platform: 'slack', botId: 'B1' }] },
      change: { fields: ['platforms'], definition: true, socket: true },
    },
    {
      what: 'a bot id',
      next: { platforms: [{ platform: 'discord', botId: '2' }] },
      change: { fields: ['platforms'], definition: true, socket: true },
    },
    {
      what: 'the gateway',
      next: { gatewayId: 'gw-acme-2' },
      change: { fields: ['gatewayId'], definition: true, socket: true },
    },
    {
      what: 'a secret put in',
      next: { configSecret: 'rotated' },
      change: { fields: ['secret'], definition: false, socket: true },
    },
    {
      what: 'a name and a gateway',
      next: { displayName: 'Acme', gatewayId: 'gw-acme-2' },
      change: { fields: ['displayName', 'gatewayId'], definition: true, socket: true },
    },
  ])('tells what changed with $what, and whether the socket is rebuilt', ({ next, change }) => {
    const diff = diffInventory(RUNNING, [entry('acme', next), entry('globex'), entry('initech')])
    expect(diff.added).toEqual([])
    expect(diff.removed).toEqual([])
    expect(diff.changed).toEqual([{ id: 'acme', ...change }])
  })

  it('keeps the socket when a secret is taken out of the config (the one in use stays)', () => {
    const running = [entry('acme', { configSecret: 'kept' })]
    expect(diffInventory(running, [entry('acme')]).changed).toEqual([
      { id: 'acme', fields: ['secret'], definition: false, socket: false },
    ])
  })

  it('sees the order of platforms (the hellos are sent in it)', () => {
    const two = [
      { platform: 'discord', botId: '1' },
      { platform: 'slack', botId: 'B1' },
    ]
    const running = [entry('acme', { platforms: two })]
    const diff = diffInventory(running, [entry('acme', { platforms: [...two].reverse() })])
    expect(diff.changed).toEqual([{ id: 'acme', fields: ['platforms'], definition: true, socket: true }])
  })

  it('treats no labels and empty labels alike', () => {
    expect(diffInventory([entry('acme', { labels: undefined })], [entry('acme', { labels: {} })]).changed).toEqual([])
  })
})
