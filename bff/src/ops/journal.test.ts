import { describe, expect, it } from 'vitest'
import { createJournal, INTERRUPTED_DETAIL } from './journal'
import { opsWorld } from './test-support'

async function setup() {
  const world = await opsWorld()
  return { ...world, journal: createJournal(world.store, world.feed) }
}

describe('createJournal', () => {
  it('writes the intent, pending, together with a pending audit entry', async () => {
    const { journal, state, audit } = await setup()
    await journal.begin('acme', false, 'operator')
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: 'opting_out' })
    expect(await audit('acme')).toEqual([
      expect.objectContaining({ actor: 'operator', action: 'opt_out', result: 'pending', detail: null }),
    ])
    await journal.begin('globex', true, 'api')
    expect(state.get('globex')).toMatchObject({ optedIn: true, pending: 'opting_in' })
    expect(await audit('globex')).toEqual([expect.objectContaining({ action: 'opt_in', actor: 'api' })])
  })

  it('writes neither when the intent cannot be written', async () => {
    const { journal, audit } = await setup()
    await expect(journal.begin('nope', false, 'operator')).rejects.toThrow(/unknown instance/)
    expect(await audit()).toEqual([])
  })

  it('settles the entry and the intent together at the end, and only the entry on a failed try', async () => {
    const { journal, state, audit } = await setup()
    const first = await journal.begin('acme', false, 'operator')
    expect(first).toEqual({ entry: expect.any(Number), request: first.entry })
    await journal.fail(first, { code: 'connector_unreachable', message: 'connector down' })
    expect(state.get('acme')?.pending).toBe('opting_out')
    const retry = await journal.resume('acme', 'deprovision_retry', null)
    expect(retry).toEqual({ entry: expect.any(Number), request: first.entry })
    await journal.complete(retry, 'acme', false, 'already revoked at the connector')
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: null })
    expect(await audit('acme')).toEqual([
      expect.objectContaining({ action: 'opt_out', actor: 'operator', result: 'failed', detail: 'connector down' }),
      expect.objectContaining({
        action: 'deprovision_retry',
        actor: 'console',
        result: 'ok',
        detail: 'already revoked at the connector',
      }),
    ])
  })

  it('abandons an operation refused for good: the entry failed and the intent back, together', async () => {
    const { journal, state, audit } = await setup()
    const entry = await journal.begin('acme', false, 'operator')
    await journal.abandon(entry, 'acme', true, { code: 'connector_error', message: 'connector answered 400' })
    expect(state.get('acme')).toMatchObject({ optedIn: true, pending: null })
    expect(await audit('acme')).toEqual([
      expect.objectContaining({ action: 'opt_out', result: 'failed', detail: 'connector answered 400' }),
    ])
  })

  it('lets the latest request stand: it supersedes one still pending, and an older one settles no intent', async () => {
    const { journal, state, audit, store } = await setup()
    const out = await journal.begin('acme', false, 'alice')
    const back = await journal.begin('acme', true, 'bob')
    expect(await store.auditOutcome(out.entry)).toMatchObject({ result: 'failed', errorCode: 'superseded' })
    // The opt-out finishing late (another replica, say) settles its entry, but not the intent,
    // and its caller is told it was superseded.
    expect(await journal.complete(out, 'acme', false, null)).toBe(false)
    expect(state.get('acme')).toMatchObject({ optedIn: true, pending: 'opting_in' })
    expect(await journal.complete(back, 'acme', true, null)).toBe(true)
    expect(state.get('acme')).toMatchObject({ optedIn: true, pending: null })
    expect((await audit('acme')).map((e) => [e.actor, e.result])).toEqual([
      ['alice', 'failed'],
      ['bob', 'ok'],
    ])
  })

  it('answers a request carried out twice (its old holder and its new one) as done, both times', async () => {
    const { journal, state, audit } = await setup()
    const out = await journal.begin('acme', false, 'alice')
    expect(await journal.complete(out, 'acme', false, null)).toBe(true)
    expect(await journal.complete(out, 'acme', false, null)).toBe(true)
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: null })
    expect((await audit('acme')).map((e) => [e.actor, e.result])).toEqual([['alice', 'ok']])
  })

  it('records a revocation the connector made on its own, and turns the intent with it', async () => {
    const { journal, state, audit } = await setup()
    await journal.revokedByConnector('acme', 'closed 4401 (revoked) twice')
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: null })
    expect(await audit('acme')).toEqual([
      expect.objectContaining({ actor: 'connector', action: 'revoked_by_connector', result: 'ok' }),
    ])
  })

  it('settles what a stop left pending as failed, and says how many', async () => {
    const { journal, audit } = await setup()
    await journal.begin('acme', false, 'operator')
    await journal.begin('globex', false, 'operator')
    expect(await journal.settleInterrupted()).toBe(2)
    expect((await audit()).map((e) => [e.result, e.detail])).toEqual([
      ['failed', INTERRUPTED_DETAIL],
      ['failed', INTERRUPTED_DETAIL],
    ])
    expect(await journal.settleInterrupted()).toBe(0)
  })
})
