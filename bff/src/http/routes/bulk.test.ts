import { describe, expect, it } from 'vitest'
import { api, consoleForThisFile } from '../../test-support'
import { bulkResult } from './bulk'

const shared = consoleForThisFile()

const audit = async () => (await api(shared.console.url, 'GET', '/api/audit?limit=1000')).json.entries as any[]

describe('POST /api/relay/bulk', () => {
  it('opts every instance named out in one request: one audit entry each, carrying the batch id', async () => {
    const res = await api(shared.console.url, 'POST', '/api/relay/bulk', { ids: ['acme', 'globex'], optedIn: false })
    expect(res.status).toBe(200)
    expect(res.json.batchId).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.json.results).toEqual([
      { id: 'acme', result: 'ok' },
      { id: 'globex', result: 'ok' },
    ])
    const entries = (await audit()).filter((e) => e.batchId === res.json.batchId)
    expect(entries.map((e) => [e.instanceId, e.action, e.actor, e.result]).sort()).toEqual([
      ['acme', 'opt_out', 'admin', 'ok'],
      ['globex', 'opt_out', 'admin', 'ok'],
    ])
    const { instances } = (await api(shared.console.url, 'GET', '/api/instances')).json
    expect(instances.map((i: any) => [i.id, i.optedIn, i.pending])).toEqual([
      ['acme', false, null],
      ['globex', false, null],
    ])

    const back = await api(shared.console.url, 'POST', '/api/relay/bulk', { ids: ['globex', 'acme'], optedIn: true })
    expect(back.json.results.map((r: any) => [r.id, r.result])).toEqual([
      ['globex', 'ok'],
      ['acme', 'ok'],
    ])
    expect(back.json.batchId).not.toBe(res.json.batchId)
  })

  it('changes nothing when one id is unknown or named twice, and says which', async () => {
    const before = await audit()
    const unknown = await api(shared.console.url, 'POST', '/api/relay/bulk', {
      ids: ['acme', 'nope', 'zilch'],
      optedIn: false,
    })
    expect(unknown.status).toBe(400)
    expect(unknown.json.error).toEqual({
      code: 'unknown_instance',
      message: 'no instance with id nope, zilch; nothing was changed',
    })
    const twice = await api(shared.console.url, 'POST', '/api/relay/bulk', { ids: ['acme', 'acme'], optedIn: false })
    expect(twice.status).toBe(400)
    expect(twice.json.error.message).toBe('ids lists acme twice; nothing was changed')
    expect(await audit()).toEqual(before)
    expect((await api(shared.console.url, 'GET', '/api/instances')).json.instances.every((i: any) => i.optedIn)).toBe(
      true,
    )
  })

  it.each([
    ['no ids', { ids: [], optedIn: false }],
    ['more than 10,000', { ids: Array.from({ length: 10_001 }, (_, i) => `i${i}`), optedIn: false }],
    ['no optedIn', { ids: ['acme'] }],
    ['an unknown field', { ids: ['acme'], optedIn: false, force: true }],
  ])('refuses a body with %s (400, nothing changed)', async (_name, body) => {
    const res = await api(shared.console.url, 'POST', '/api/relay/bulk', body)
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_body')
  })
})

describe('bulkResult', () => {
  const instance = { id: 'acme', displayName: 'Acme', gatewayId: 'gw', optedIn: false, pending: null, platforms: [] }
  it('reports done as ok, a kept request (connector down, holder late) as pending, and a superseded one as failed', () => {
    expect(bulkResult('acme', { ok: true, instance })).toEqual({ id: 'acme', result: 'ok' })
    const error = (code: any) => ({ ok: false as const, instance, error: { code, message: `m ${code}` } })
    expect(bulkResult('acme', error('owner_unavailable'))).toEqual({
      id: 'acme',
      result: 'pending',
      error: { code: 'owner_unavailable', message: 'm owner_unavailable' },
    })
    for (const code of ['connector_unreachable', 'connector_error', 'secret_withheld']) {
      expect(bulkResult('acme', error(code))).toMatchObject({ result: 'pending', error: { code } })
    }
    expect(bulkResult('acme', error('superseded'))).toMatchObject({ result: 'failed', error: { code: 'superseded' } })
  })
})
