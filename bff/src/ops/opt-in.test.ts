import { describe, expect, it } from 'vitest'
import { createOptIn } from './opt-in'
import { failure, operationWorld } from './test-support'

async function setup(options: { identityToken?: string | null } = {}) {
  const world = await operationWorld()
  const optIn = createOptIn({
    ...world.deps,
    identityToken: options.identityToken === undefined ? 'identity' : options.identityToken,
    identityTokenEnv: 'RELAY_IDENTITY_TOKEN',
  })
  // Both instances start opted out.
  for (const id of world.state.ids()) await world.setIntent(id, false, null)
  return { ...world, optIn }
}

describe('createOptIn', () => {
  it('provisions every platform, stores the secret issued, then builds a new transport with it', async () => {
    const { optIn, connector, fleet, state, audit, checkpoints, storedSecret } = await setup()
    connector.provisionReplies.push({ ok: true, value: { secret: 'first' } }, { ok: true, value: { secret: 'last' } })
    const outcome = await optIn.run('acme', 'alice')
    expect(outcome).toMatchObject({ ok: true, instance: { id: 'acme', optedIn: true, pending: null } })
    expect(connector.provisions).toEqual([
      {
        identityToken: 'identity',
        body: {
          gatewayId: 'gw-acme',
          platform: 'discord',
          botId: '1',
          gatewayEndpoint: '',
          routeKeys: [],
          instanceId: 'acme',
          displayName: 'Acme',
        },
      },
      { identityToken: 'identity', body: expect.objectContaining({ platform: 'telegram', botId: '2' }) },
    ])
    expect(await storedSecret('acme')).toBe('last')
    expect(fleet.calls).toEqual([{ op: 'start', instanceId: 'acme', secret: 'last' }])
    expect(state.get('acme')?.pending).toBeNull()
    expect(await audit('acme')).toEqual([
      expect.objectContaining({ actor: 'alice', action: 'opt_in', result: 'ok', detail: null }),
    ])
    expect(checkpoints).toEqual([
      'opt_in:intent_written acme',
      'opt_in:secret_issued acme',
      'opt_in:secret_saved acme',
      'opt_in:settled acme',
    ])
  })

  it('keeps the secret in hand when the connector withholds a new one', async () => {
    const { optIn, connector, fleet, audit, checkpoints } = await setup()
    connector.provisionReplies.push(
      { ok: true, value: { secretIssued: false } },
      { ok: true, value: { secretIssued: false } },
    )
    expect((await optIn.run('acme', 'alice')).ok).toBe(true)
    expect(fleet.calls).toEqual([{ op: 'start', instanceId: 'acme', secret: 'secret-acme' }])
    expect((await audit('acme'))[0]?.detail).toBe('connector withheld a new secret; kept the one in hand')
    expect(checkpoints).not.toContain('opt_in:secret_issued acme')
  })

  it('fails clearly when the connector withholds the secret and none is in hand', async () => {
    const { optIn, connector, fleet, audit } = await setup()
    connector.provisionReplies.push({ ok: true, value: { secretIssued: false } })
    const outcome = await optIn.run('globex', 'alice')
    expect(outcome).toMatchObject({ ok: false, error: { code: 'secret_withheld' } })
    expect(fleet.calls).toEqual([])
    expect((await audit('globex'))[0]).toMatchObject({ result: 'failed' })
  })

  it('names the missing identity token and calls nobody', async () => {
    const { optIn, connector, state } = await setup({ identityToken: null })
    const outcome = await optIn.run('acme', 'alice')
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: 'identity_token_missing',
        message: 'opting in needs the operator identity token: set RELAY_IDENTITY_TOKEN',
      },
    })
    expect(connector.provisions).toEqual([])
    // Nothing is going on any more: the instance reads opted out, as it is.
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: null })
  })

  it('shows a failure that heals on the platforms and has the reconciler retry it', async () => {
    const { optIn, connector, fleet, clock, due, audit, state } = await setup()
    connector.provisionReplies.push(failure('http', 502, 'connector answered 502'))
    const outcome = await optIn.run('acme', 'alice')
    expect(outcome).toMatchObject({ ok: false, error: { code: 'connector_error', message: 'connector answered 502' } })
    expect(fleet.calls).toEqual([
      {
        op: 'showFailure',
        instanceId: 'acme',
        failure: { code: 'relay_provision_failed', message: 'connector answered 502' },
        attempt: 1,
        nextRetryAt: clock.now() + 500,
      },
    ])
    clock.advance(500)
    expect(due).toEqual([['acme', 'provision']])

    await optIn.resume('acme')
    expect(state.get('acme')).toMatchObject({ optedIn: true, pending: null })
    expect((await audit('acme')).map((e) => [e.action, e.actor, e.result])).toEqual([
      ['opt_in', 'alice', 'failed'],
      ['provision_retry', 'console', 'ok'],
    ])
    expect(clock.pendingCount).toBe(0)
  })

  it('does not retry a refusal that will not heal, and settles it visibly: still opted out', async () => {
    const { optIn, connector, fleet, clock, state, audit } = await setup()
    connector.provisionReplies.push(failure('http', 401, 'connector answered 401'))
    expect((await optIn.run('acme', 'alice')).ok).toBe(false)
    expect(fleet.calls).toEqual([])
    expect(clock.pendingCount).toBe(0)
    expect(state.get('acme')).toMatchObject({ optedIn: false, pending: null })
    expect(await audit('acme')).toEqual([
      expect.objectContaining({ action: 'opt_in', result: 'failed', detail: 'connector answered 401' }),
    ])
  })

  it('has a resume do nothing once the instance is in with a secret, or out again', async () => {
    const { optIn, connector, setIntent } = await setup()
    await optIn.run('acme', 'alice')
    await optIn.resume('acme')
    await setIntent('globex', false, null)
    await optIn.resume('globex')
    expect(connector.provisions).toHaveLength(2)
  })

  it('at start, provisions an instance with no secret, and resumes an interrupted opt-in', async () => {
    const { optIn, state, audit, setIntent } = await setup()
    await setIntent('globex', true, null)
    await optIn.atStart('globex')
    await setIntent('acme', true, 'opting_in')
    await optIn.atStart('acme')
    expect((await audit()).map((e) => [e.instanceId, e.action, e.actor, e.result])).toEqual([
      ['globex', 'opt_in', 'console', 'ok'],
      ['acme', 'provision_retry', 'console', 'ok'],
    ])
    expect(state.get('acme')).toMatchObject({ optedIn: true, pending: null })
  })
})
