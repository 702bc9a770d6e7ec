import { describe, expect, it } from 'vitest'
import { emptyForm, idsFromUrl, localInput, parseSelector, type ScheduleForm, toBody } from './schedule'

const NOW = new Date(2026, 10, 29, 13, 0, 0).getTime()
const known = (id: string) => ['acme', 'globex', 'initech'].includes(id)
const form = (over: Partial<ScheduleForm> = {}): ScheduleForm => ({
  ...emptyForm(NOW),
  name: 'db upgrade',
  ids: 'acme, globex',
  ...over,
})

describe('the schedule form', () => {
  it('starts now, for an hour, over the instances given', () => {
    expect(emptyForm(NOW, ['acme', 'globex'])).toEqual({
      name: '',
      target: 'ids',
      ids: 'acme globex',
      selector: '',
      startsAt: '2026-11-29T13:00',
      endsAt: '2026-11-29T14:00',
    })
    expect(localInput(new Date(2027, 0, 2, 3, 4).getTime())).toBe('2027-01-02T03:04')
  })

  it('makes the body the API takes: ids once each, times in UTC', () => {
    expect(toBody(form({ ids: 'acme,globex\nacme  ' }), NOW, known)).toEqual({
      body: {
        name: 'db upgrade',
        ids: ['acme', 'globex'],
        startsAt: new Date(2026, 10, 29, 13, 0).toISOString(),
        endsAt: new Date(2026, 10, 29, 14, 0).toISOString(),
      },
    })
  })

  it('reads a label selector as key:value terms that must all match', () => {
    expect(parseSelector('tenant:acme, region:eu-west')).toEqual({ labels: { tenant: 'acme', region: 'eu-west' } })
    expect(parseSelector('tenant:acme bad')).toEqual({ bad: 'bad' })
    expect(parseSelector(':acme')).toEqual({ bad: ':acme' })
    expect(toBody(form({ target: 'selector', selector: 'env:prod' }), NOW, known)).toMatchObject({
      body: { selector: { env: 'prod' } },
    })
    expect(toBody(form({ target: 'selector', selector: 'env:prod' }), NOW, known)).not.toHaveProperty('body.ids')
  })

  it('names every field that is wrong', () => {
    expect(toBody(form({ name: '  ', ids: 'acme nobody', endsAt: '2026-11-29T12:00' }), NOW, known)).toEqual({
      problems: [
        { field: 'name', error: 'nameMissing' },
        { field: 'ids', error: 'unknownIds', ids: ['nobody'] },
        { field: 'endsAt', error: 'endPassed' },
      ],
    })
    expect(toBody(form({ ids: ' ' }), NOW, known)).toEqual({ problems: [{ field: 'ids', error: 'idsMissing' }] })
    expect(toBody(form({ target: 'selector', selector: '' }), NOW, known)).toEqual({
      problems: [{ field: 'selector', error: 'selectorMissing' }],
    })
    expect(toBody(form({ target: 'selector', selector: 'tenant=acme' }), NOW, known)).toEqual({
      problems: [{ field: 'selector', error: 'selectorInvalid', term: 'tenant=acme' }],
    })
    expect(toBody(form({ startsAt: '2026-11-29T16:00', endsAt: '2026-11-29T15:00' }), NOW, known)).toEqual({
      problems: [{ field: 'endsAt', error: 'endBeforeStart' }],
    })
    expect(toBody(form({ startsAt: '' }), NOW, known)).toEqual({
      problems: [{ field: 'startsAt', error: 'timeInvalid' }],
    })
  })

  it('takes the instances a link from the fleet’s selection names', () => {
    expect(idsFromUrl('?ids=acme,globex%20eu')).toEqual(['acme', 'globex eu'])
    expect(idsFromUrl('?ids=')).toEqual([])
    expect(idsFromUrl('')).toEqual([])
  })
})
