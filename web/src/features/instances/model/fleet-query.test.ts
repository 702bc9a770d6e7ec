import { describe, expect, it } from 'vitest'
import { DEFAULT_FLEET_QUERY, parseFleetQuery, withFleetQuery } from './fleet-query'

describe('fleet query in the URL', () => {
  it('reads search, state and sort, and the defaults for what is missing or unknown', () => {
    expect(parseFleetQuery('?q=tenant%3Aacme+eu&state=fatal&sort=name')).toEqual({
      q: 'tenant:acme eu',
      state: ['fatal'],
      sort: 'name',
      group: '',
      view: null,
    })
    expect(parseFleetQuery('?view=table&group=region&sort=-fatal')).toMatchObject({
      view: 'table',
      group: 'region',
      sort: '-fatal',
    })
    expect(parseFleetQuery('?view=grid&sort=-bogus')).toEqual(DEFAULT_FLEET_QUERY)
    expect(parseFleetQuery('?state=attention')).toMatchObject({ state: ['attention'] })
    expect(parseFleetQuery('?state=fatal,retrying,bogus,fatal')).toMatchObject({ state: ['fatal', 'retrying'] })
    expect(parseFleetQuery('')).toEqual(DEFAULT_FLEET_QUERY)
    expect(parseFleetQuery('?state=exploded&sort=random')).toEqual(DEFAULT_FLEET_QUERY)
  })

  it('writes only what differs from the defaults, keeping other keys, and round-trips', () => {
    const query = {
      q: 'tenant:acme eu',
      state: ['retrying', 'fatal'] as const,
      sort: 'recent' as const,
      group: 'region',
      view: 'table' as const,
    }
    const search = withFleetQuery('?lang=fr', query)
    expect(search).toBe('?lang=fr&q=tenant%3Aacme+eu&state=retrying%2Cfatal&sort=recent&group=region&view=table')
    expect(parseFleetQuery(search)).toEqual(query)
    expect(withFleetQuery('?q=x&sort=name', DEFAULT_FLEET_QUERY)).toBe('')
  })
})
