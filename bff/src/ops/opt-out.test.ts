import { describe, expect, it } from 'vitest'
import type { IntentOutcome } from './instance-view'
import { createOptOut } from './opt-out'
import { failure, operationWorld, settle } from './test-support'

const GRACE_MS = 5000

async function setup() {
  const world = await operationWorld()
  const optOut = createOptOut({ ...world.deps, clock: world.clock, log: world.log, graceMs: GRACE_MS })
  return { ...world, optOut }
}

const outcomeOf = (promise: Promise<IntentOutcome>) => {
  let outcome: IntentOutcome | undefined
  void promise.then((o) => {
    outcome = o
  })
  return () => outcome
}

describe('createOptOut', () => {
  it('holds re-dials, revokes at the connector, and settles once the real 4401 path latched', async () => {
    const { optOut, fleet, connector, state, audit, checkpoints } = await setup()
    fleet.setPhase('acme', 'socket')
    const outcome = outcomeOf(optOut.run('acme', 'alice'))
    await settle()
    expect(fleet.ops('acme')).toEqual(['expectRevocation'])
    expect(connector.deprovisions).toEqual([{ gatewayId: 'gw-acme', secret: 'secret-acme' }])
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: 'opting_out' })
    expect(outcome()).toBeUndefined()

    fleet.latch('acme')
    optOut.latched('acme')
    await settle()
    expect(outcome()).toMatchObject({ ok: true, instance: { id: 'acme', optedIn: false, pending: null } })
    expect(fleet.ops('acme')).toEqual(['expectRevocation'])
    expect(await audit('acme')).toEqual([
      expect.objectContaining({ actor: 'alice', action: 'opt_out', result: 'ok', detail: null }),
    ])
    expect(checkpoints).toEqual([
      'opt_out:intent_written acme',
      'opt_out:connector_confirmed acme',
      'opt_out:settled acme',
    ])
  })

  it('shows Disabled without a dial when no socket can carry the 4401', async () => {
    const { optOut, fleet } = await setup()
    const outcome = await optOut.run('acme', 'alice')
    expect(outcome.ok).toBe(true)
    expect(fleet.ops('acme')).toEqual(['expectRevocation', 'showDisabled'])
  })

  it('shows Disabled by itself when the latch does not come within the grace period', async () => {
    const { optOut, fleet, clock } = await setup()
    fleet.setPhase('acme', 'socket')
    const outcome = outcomeOf(optOut.run('acme', 'alice'))
    await settle()
    clock.advance(GRACE_MS - 1)
    await settle()
    expect(outcome()).toBeUndefined()
    clock.advance(1)
    await settle()
    expect(outcome()?.ok).toBe(true)
    expect(fleet.ops('acme')).toEqual(['expectRevocation', 'showDisabled'])
  })

  it('has nothing to revoke without a secret in hand', async () => {
    const { optOut, connector, audit } = await setup()
    expect((await optOut.run('globex', 'alice')).ok).toBe(true)
    expect(connector.deprovisions).toEqual([])
    expect((await audit('globex'))[0]).toMatchObject({
      result: 'ok',
      detail: 'no relay credential was held; nothing to revoke',
    })
  })

  it.each([401, 403, 404])('takes a %i from the connector as already out', async (status) => {
    const { optOut, connector, audit, state } = await setup()
    connector.deprovisionReplies.push(failure('http', status, `connector answered ${status}`))
    expect((await optOut.run('acme', 'alice')).ok).toBe(true)
    expect(state.get('acme')?.pending).toBeNull()
    expect((await audit('acme'))[0]?.detail).toBe(
      `connector answered ${status}; the credential is not valid there, nothing to revoke`,
    )
  })

  it('answers a failure that heals with a clear error, keeps the intent, and has the reconciler retry', async () => {
    const { optOut, connector, audit, state, clock, due, fleet } = await setup()
    connector.deprovisionReplies.push(failure('network', null, 'connect ECONNREFUSED'))
    const outcome = await optOut.run('acme', 'alice')
    expect(outcome).toMatchObject({
      ok: false,
      instance: { optedIn: false, pending: 'opting_out' },
      error: { code: 'connector_unreachable', message: 'connect ECONNREFUSED' },
    })
    expect(state.get('acme')?.pending).toBe('opting_out')
    expect((await audit('acme'))[0]).toMatchObject({ result: 'failed', detail: 'connect ECONNREFUSED' })
    expect(fleet.ops('acme')).toEqual(['expectRevocation'])
    clock.advance(1000)
    expect(due).toEqual([['acme', 'deprovision']])

    connector.deprovisionReplies.push(failure('http', 503, 'connector answered 503'))
    await optOut.resume('acme')
    expect((await audit('acme'))[1]).toMatchObject({ action: 'deprovision_retry', actor: 'console', result: 'failed' })
    await optOut.resume('acme')
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: null })
    expect((await audit('acme'))[2]).toMatchObject({ action: 'deprovision_retry', result: 'ok' })
    expect(clock.pendingCount).toBe(0)
  })

  it('does not retry a refusal that will not heal, and settles it visibly: still in the relay, dialling', async () => {
    const { optOut, connector, clock, state, audit, fleet } = await setup()
    fleet.setPhase('acme', 'socket')
    connector.deprovisionReplies.push(failure('http', 400, 'connector answered 400: bad request'))
    const outcome = await optOut.run('acme', 'alice')
    expect(outcome).toMatchObject({
      ok: false,
      instance: { optedIn: true, pending: null },
      error: { code: 'connector_error' },
    })
    expect(clock.pendingCount).toBe(0)
    expect(state.get('acme')).toMatchObject({ optedIn: true, pending: null })
    expect(fleet.ops('acme')).toEqual(['expectRevocation', 'cancelRevocation'])
    expect(await audit('acme')).toEqual([
      expect.objectContaining({ action: 'opt_out', result: 'failed', detail: 'connector answered 400: bad request' }),
    ])
  })

  it('is a no-op for an instance already out, and a resume is one once the opt-out settled', async () => {
    const { optOut, connector, audit } = await setup()
    await optOut.run('acme', 'alice')
    expect((await optOut.run('acme', 'alice')).ok).toBe(true)
    await optOut.resume('acme')
    expect(connector.deprovisions).toHaveLength(1)
    expect(await audit('acme')).toHaveLength(1)
  })

  it('lets a waiting opt-out go at shutdown', async () => {
    const { optOut, fleet } = await setup()
    fleet.setPhase('acme', 'socket')
    const outcome = outcomeOf(optOut.run('acme', 'alice'))
    await settle()
    optOut.release()
    await settle()
    expect(outcome()?.ok).toBe(true)
  })
})
