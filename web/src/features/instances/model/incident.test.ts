import type { ClientInstance } from '@relay-console/shared/instance'
import { describe, expect, it } from 'vitest'
import { instance, platformStatus } from '../../../test-fixtures'
import { fleetIncident } from './incident'

const failing = (id: string, errorCode: string, since = '2026-11-29T11:10:00.000Z'): ClientInstance =>
  instance(id, {
    platforms: [
      platformStatus({ state: 'retrying', errorCode, retryingSince: since }),
      platformStatus({ platform: 'telegram', state: 'retrying', errorCode, retryingSince: since }),
    ],
  })
const fine = (id: string) => instance(id)
const off = (id: string) =>
  instance(id, { optedIn: false, platforms: [platformStatus({ state: 'disabled', errorCode: 'relay_disabled' })] })

describe('fleetIncident', () => {
  it('names the one way most of the fleet is failing, since its earliest start, with how many instances', () => {
    const fleet = [
      failing('a', 'relay_dial_failed', '2026-11-29T11:12:00.000Z'),
      failing('b', 'relay_dial_failed', '2026-11-29T11:10:00.000Z'),
      failing('c', 'relay_dial_failed'),
      failing('d', 'relay_connection_lost'),
      fine('e'),
    ]
    expect(fleetIncident(fleet)).toEqual({
      errorCode: 'relay_dial_failed',
      since: Date.parse('2026-11-29T11:10:00.000Z'),
      affected: 3,
    })
  })

  it('sees no incident in scattered failures, in a minority, or in one or two instances of a small fleet', () => {
    expect(fleetIncident([failing('a', 'x'), failing('b', 'y'), failing('c', 'z'), fine('d')])).toBeNull()
    expect(
      fleetIncident([
        failing('a', 'x'),
        failing('b', 'x'),
        failing('c', 'x'),
        fine('d'),
        fine('e'),
        fine('f'),
        fine('g'),
      ]),
    ).toBeNull()
    expect(fleetIncident([failing('a', 'x'), failing('b', 'x')])).toBeNull()
    expect(fleetIncident([])).toBeNull()
  })

  it('counts only instances that should be connected: opted-out ones neither fail nor dilute', () => {
    const fleet = [failing('a', 'x'), failing('b', 'x'), failing('c', 'x'), off('d'), off('e'), off('f'), off('g')]
    expect(fleetIncident(fleet)?.affected).toBe(3)
    expect(fleetIncident([off('a'), off('b'), off('c'), off('d')])).toBeNull()
  })
})
