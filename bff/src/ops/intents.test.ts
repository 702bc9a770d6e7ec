import { describe, expect, it } from 'vitest'
import { createChangeFeed } from '../state/change-feed'
import { ConsoleState } from '../state/console-state'
import { createRelayIntents, type RelayIntentsOptions } from './intents'
import { INTERRUPTED_DETAIL } from './journal'
import { DEFINITIONS, failure, opsWorld, settle } from './test-support'

type World = Awaited<ReturnType<typeof opsWorld>>

function intentsFor(world: World, owns: (id: string) => boolean = () => true) {
  return createRelayIntents(intentsOptions(world, owns))
}

function intentsOptions(world: World, owns: (id: string) => boolean): RelayIntentsOptions {
  return {
    state: world.state,
    store: world.store,
    feed: world.feed,
    fleet: world.fleet,
    connector: world.connector,
    identityToken: 'identity',
    identityTokenEnv: 'RELAY_IDENTITY_TOKEN',
    configSecrets: new Map([
      ['acme', 'secret-acme'],
      ['globex', null],
    ]),
    owns,
    clock: world.clock,
    random: () => 0,
    log: world.log,
    retry: { baseMs: 1000, maxMs: 8000 },
    revocationGraceMs: 5000,
  }
}

/** What one process does at start: settle what its stop left pending, then take every instance on. */
async function startAll(world: World, intents: ReturnType<typeof intentsFor>) {
  await intents.settleInterrupted()
  for (const id of world.state.ids()) await intents.adopt(id)
}

describe('createRelayIntents', () => {
  describe('start', () => {
    it('dials an opted-in instance with its secret, and provisions one that has none', async () => {
      const world = await opsWorld()
      await startAll(world, intentsFor(world))
      await settle()
      expect(world.fleet.calls).toEqual([
        { op: 'start', instanceId: 'acme', secret: 'secret-acme' },
        { op: 'start', instanceId: 'globex', secret: 'issued-1' },
      ])
      expect(await world.audit('globex')).toEqual([
        expect.objectContaining({ action: 'opt_in', actor: 'console', result: 'ok' }),
      ])
    })

    it('shows an opted-out instance Disabled without a dial, and resumes what a crash interrupted', async () => {
      const world = await opsWorld(async (tx) => {
        await tx.setIntent('acme', false, 'opting_out')
        await tx.appendAudit({ actor: 'alice', action: 'opt_out', instanceId: 'acme', result: 'pending', detail: null })
        await tx.setIntent('globex', false, null)
      })
      await startAll(world, intentsFor(world))
      await settle()
      expect(world.fleet.ops('acme')).toEqual(['showDisabled', 'showDisabled'])
      expect(world.fleet.ops('globex')).toEqual(['showDisabled'])
      expect(world.connector.deprovisions).toEqual([{ gatewayId: 'gw-acme', secret: 'secret-acme' }])
      expect(world.state.get('acme')).toMatchObject({ optedIn: false, pending: null })
      expect((await world.audit('acme')).map((e) => [e.action, e.result, e.detail])).toEqual([
        ['opt_out', 'failed', INTERRUPTED_DETAIL],
        ['deprovision_retry', 'ok', null],
      ])
      expect(world.log.warn).toHaveBeenCalledWith({ entries: 1 }, 'settled audit entries a stop interrupted')
    })

    it('resumes an interrupted opt-in', async () => {
      const world = await opsWorld((tx) => tx.setIntent('acme', true, 'opting_in'))
      await startAll(world, intentsFor(world))
      await settle()
      expect(world.fleet.ops('acme')).toEqual(['start'])
      expect(world.fleet.calls).toContainEqual({
        op: 'start',
        instanceId: 'acme',
        secret: expect.stringMatching(/^issued-/),
      })
      expect(await world.audit('acme')).toEqual([expect.objectContaining({ action: 'provision_retry', result: 'ok' })])
    })
  })

  it('carries out only the later of two opposite toggles that arrive together', async () => {
    const world = await opsWorld()
    const intents = intentsFor(world)
    await startAll(world, intents)
    await settle()
    const out = intents.set('acme', false, 'alice')
    const back = intents.set('acme', true, 'bob')
    expect(await out).toMatchObject({ ok: false, instance: { optedIn: true }, error: { code: 'superseded' } })
    expect(await back).toMatchObject({ ok: true, instance: { optedIn: true, pending: null } })
    expect(world.connector.deprovisions).toEqual([])
    expect(await world.audit('acme')).toEqual([])
  })

  it('collapses requests that pile up on one instance to the latest, and tells the overruled ones', async () => {
    const world = await opsWorld()
    const intents = intentsFor(world)
    await startAll(world, intents)
    await settle()
    world.fleet.setPhase('acme', 'none')
    const answer = world.connector.holdNextDeprovision()
    const provisionsBefore = world.connector.provisions.length
    const first = intents.set('acme', false, 'alice')
    await settle()
    // 200 callers toggle it while the opt-out runs, the last asking for opted-in.
    const piled = Array.from({ length: 200 }, (_, i) => intents.set('acme', i % 2 === 1, 'bob'))
    answer()
    expect(await first).toMatchObject({ ok: true, instance: { optedIn: false } })
    const outcomes = await Promise.all(piled)
    expect(world.connector.deprovisions).toHaveLength(1)
    expect(world.connector.provisions.length - provisionsBefore).toBe(2)
    expect(outcomes.filter((o) => o.ok)).toHaveLength(100)
    expect(outcomes.filter((o) => !o.ok && o.error.code === 'superseded')).toHaveLength(100)
    expect(world.state.get('acme')).toMatchObject({ optedIn: true, pending: null })
    expect((await world.audit('acme')).map((e) => e.action)).toEqual(['opt_out', 'opt_in'])
  })

  it('never starts a request whose callers all gave up, and forgets a caller that gave up', async () => {
    const world = await opsWorld()
    const intents = intentsFor(world)
    await startAll(world, intents)
    await settle()
    world.fleet.setPhase('acme', 'none')
    const answer = world.connector.holdNextDeprovision()
    const first = intents.set('acme', false, 'alice')
    await settle()
    const gone = new AbortController()
    const abandoned = intents.set('acme', true, 'bob', gone.signal)
    gone.abort(new Error('client went away'))
    await expect(abandoned).rejects.toThrow('client went away')
    answer()
    await first
    await settle()
    expect(world.connector.provisions.filter((p) => p.body.gatewayId === 'gw-acme')).toEqual([])
    expect(world.state.get('acme')).toMatchObject({ optedIn: false, pending: null })
    expect((await world.audit('acme')).map((e) => e.action)).toEqual(['opt_out'])
  })

  it('retries a failed connector call through the same queue, after the backoff', async () => {
    const world = await opsWorld()
    const intents = intentsFor(world)
    await startAll(world, intents)
    await settle()
    world.fleet.setPhase('acme', 'none')
    world.connector.deprovisionReplies.push(failure('network', null, 'connect ECONNREFUSED'))
    expect((await intents.set('acme', false, 'alice')).ok).toBe(false)
    world.clock.advance(500)
    await settle()
    expect(world.connector.deprovisions).toHaveLength(2)
    expect(world.state.get('acme')).toMatchObject({ optedIn: false, pending: null })
  })

  it('takes a latch nobody asked for as a revocation by the connector: audited, and the intent follows', async () => {
    const world = await opsWorld()
    const intents = intentsFor(world)
    await startAll(world, intents)
    await settle()
    intents.onRevoked('acme', 'revoked')
    await settle()
    expect(await world.audit('acme')).toEqual([])
    world.fleet.latch('acme')
    intents.onRevoked('acme', 'revoked')
    await settle()
    expect(world.state.get('acme')).toMatchObject({ optedIn: false, pending: null })
    expect(await world.audit('acme')).toEqual([
      expect.objectContaining({
        actor: 'connector',
        action: 'revoked_by_connector',
        result: 'ok',
        detail: 'the connector closed the relay socket 4401 (revoked) and refused a fresh token',
      }),
    ])
  })

  it('hands the latch of an instance opting out to its waiting opt-out', async () => {
    const world = await opsWorld()
    const intents = intentsFor(world)
    await startAll(world, intents)
    await settle()
    const out = intents.set('acme', false, 'alice')
    await settle()
    world.fleet.latch('acme')
    intents.onRevoked('acme', 'revoked')
    expect(await out).toMatchObject({ ok: true, instance: { optedIn: false, pending: null } })
    expect(world.fleet.ops('acme')).toEqual(['start', 'expectRevocation'])
    expect((await world.audit('acme')).map((e) => e.action)).toEqual(['opt_out'])
  })

  it('stops: no retry left scheduled, no opt-out left waiting', async () => {
    const world = await opsWorld()
    const intents = intentsFor(world)
    await startAll(world, intents)
    await settle()
    world.connector.deprovisionReplies.push(failure('network', null, 'down'))
    await intents.set('globex', false, 'alice')
    const out = intents.set('acme', false, 'alice')
    await settle()
    await intents.stop()
    expect((await out).ok).toBe(true)
    expect(world.clock.pendingCount).toBe(0)
  })

  describe('across replicas', () => {
    /** A request journaled for another process is polled for on the clock: move it on until answered. */
    async function answered<T>(world: World, promise: Promise<T>): Promise<T> {
      let done = false
      void promise.finally(() => {
        done = true
      })
      for (let i = 0; i < 200 && !done; i++) {
        await settle()
        world.clock.advance(25)
      }
      return promise
    }

    /** Two processes on one store: `holder` holds the instances, `elsewhere` holds none. */
    async function cluster() {
      const world = await opsWorld()
      const holder = intentsFor(world)
      const elsewhere = intentsFor(world, () => false)
      world.state.subscribe(holder.onChange)
      world.state.subscribe(elsewhere.onChange)
      await startAll(world, holder)
      await settle()
      return { world, holder, elsewhere }
    }

    it('journals a request for an instance another process holds, which carries it out under the same entry', async () => {
      const { world, elsewhere } = await cluster()
      world.fleet.setPhase('acme', 'none')
      const outcome = await answered(world, elsewhere.set('acme', false, 'alice'))
      expect(outcome).toMatchObject({ ok: true, instance: { id: 'acme', optedIn: false, pending: null } })
      expect(world.connector.deprovisions).toEqual([{ gatewayId: 'gw-acme', secret: 'secret-acme' }])
      expect(world.fleet.ops('acme')).toEqual(['start', 'expectRevocation', 'showDisabled'])
      expect((await world.audit('acme')).map((e) => [e.action, e.actor, e.result])).toEqual([
        ['opt_out', 'alice', 'ok'],
      ])
    })

    it("answers a request carried out elsewhere with the holder's failure and its code", async () => {
      const { world, elsewhere } = await cluster()
      world.connector.deprovisionReplies.push(failure('http', 400, 'connector answered 400'))
      const outcome = await answered(world, elsewhere.set('acme', false, 'alice'))
      expect(outcome).toMatchObject({
        ok: false,
        instance: { optedIn: true, pending: null },
        error: { code: 'connector_error', message: 'connector answered 400' },
      })
    })

    it('lets the latest of two requests from two processes stand, and tells the first it was superseded', async () => {
      const { world, holder, elsewhere } = await cluster()
      world.fleet.setPhase('acme', 'none')
      const answer = world.connector.holdNextDeprovision()
      const out = holder.set('acme', false, 'alice')
      await settle()
      const back = elsewhere.set('acme', true, 'bob')
      await settle()
      answer()
      // The opt-out ran to its end, but the opt-in had replaced it: its caller hears so, as the audit says.
      expect(await out).toMatchObject({ ok: false, error: { code: 'superseded' } })
      expect(await answered(world, back)).toMatchObject({ ok: true, instance: { optedIn: true, pending: null } })
      expect(world.state.get('acme')).toMatchObject({ optedIn: true, pending: null })
      expect((await world.audit('acme')).map((e) => [e.action, e.actor, e.result, e.detail])).toEqual([
        ['opt_out', 'alice', 'failed', 'superseded: a later request for this instance replaced this one'],
        ['opt_in', 'bob', 'ok', null],
      ])
    })

    it('judges a request against what another replica wrote last, not against a view that has not read it yet', async () => {
      const { world, holder } = await cluster()
      // A replica whose view stops at rev 0 until it reads the log (its notification is on the way).
      const defined = await world.store.define(DEFINITIONS)
      const lagging = new ConsoleState({ stored: defined.instances, rev: defined.rev, log: world.log })
      const laggingFeed = createChangeFeed({
        store: { changesAfter: (rev, limit) => world.store.changesAfter(rev, limit), onCommit: () => () => {} },
        state: lagging,
        log: world.log,
        clock: world.clock,
        onGap: async () => {},
      })
      const elsewhere = createRelayIntents({ ...intentsOptions(world, () => false), state: lagging, feed: laggingFeed })
      world.fleet.setPhase('acme', 'none')
      expect((await holder.set('acme', false, 'alice')).ok).toBe(true)
      expect(lagging.get('acme')?.optedIn).toBe(true)
      // Opting back in through the lagging replica is a request, not "already opted in".
      const back = await answered(world, elsewhere.set('acme', true, 'bob'))
      expect(back).toMatchObject({ ok: true, instance: { optedIn: true, pending: null } })
      expect((await world.audit('acme')).map((e) => [e.action, e.actor, e.result])).toEqual([
        ['opt_out', 'alice', 'ok'],
        ['opt_in', 'bob', 'ok'],
      ])
    })

    it('carries out its own request when it takes the instance over while waiting for the holder', async () => {
      let held = false
      const world = await opsWorld()
      const waiter = intentsFor(world, () => held)
      world.state.subscribe(waiter.onChange)
      // Journaled for the holder, which dies before carrying it out; this process waits for it.
      const pending = waiter.set('globex', false, 'alice')
      await settle()
      world.clock.advance(25)
      await settle()
      // The take-over: the instance's turn is still the waiting request's, which now carries it out.
      held = true
      await waiter.adopt('globex')
      expect(await answered(world, pending)).toMatchObject({ ok: true, instance: { optedIn: false, pending: null } })
      await settle()
      expect((await world.audit('globex')).map((e) => [e.action, e.actor, e.result])).toEqual([
        ['opt_out', 'alice', 'ok'],
      ])
      expect(world.clock.now() - Date.UTC(2026, 10, 29, 9, 0, 0)).toBeLessThan(5000)
    })

    it('takes an instance over with a request still open, and carries it out', async () => {
      const world = await opsWorld()
      const before = intentsFor(world, () => false)
      // The request was journaled, but its holder died before carrying it out.
      const pending = before.set('globex', false, 'alice')
      await settle()
      const successor = intentsFor(world)
      world.state.subscribe(successor.onChange)
      await successor.adopt('globex')
      await settle()
      expect(await answered(world, pending)).toMatchObject({ ok: true, instance: { optedIn: false, pending: null } })
      expect((await world.audit('globex')).map((e) => [e.action, e.result])).toEqual([['opt_out', 'ok']])
    })

    it('lets an instance go: its socket closed, and an operation still running does nothing more to it', async () => {
      let held = true
      const world = await opsWorld()
      const intents = intentsFor(world, () => held)
      await startAll(world, intents)
      await settle()
      world.fleet.setPhase('acme', 'socket')
      const out = intents.set('acme', false, 'alice')
      await settle()
      held = false
      await intents.release('acme')
      expect((await out).ok).toBe(true)
      expect(world.fleet.ops('acme')).toEqual(['start', 'expectRevocation', 'stop'])
    })
  })

  describe('a socket rebuilt for a new definition', () => {
    /** The store and the state take a new definition of acme, as a config reload does. */
    async function redefine(world: World, patch: Partial<(typeof DEFINITIONS)[number]>) {
      const definitions = DEFINITIONS.map((d) => (d.id === 'acme' ? { ...d, ...patch } : d))
      world.state.redefine((await world.store.define(definitions)).instances)
    }

    it('dials again with the new platforms, the secret it had, and no audit entry', async () => {
      const world = await opsWorld()
      const intents = intentsFor(world)
      await startAll(world, intents)
      await settle()
      await redefine(world, { platforms: [{ platform: 'slack', botId: '9' }] })
      world.fleet.calls.length = 0
      await intents.rebuild('acme', { gateway: false })
      expect(world.fleet.calls).toEqual([{ op: 'start', instanceId: 'acme', secret: 'secret-acme' }])
      expect(world.state.managed('acme')?.identities).toEqual([{ platform: 'slack', botId: '9' }])
      expect(await world.audit('acme')).toEqual([])
    })

    it('provisions anew an instance whose new gateway the connector never issued a secret for', async () => {
      const world = await opsWorld()
      const intents = intentsFor(world)
      await startAll(world, intents)
      await settle()
      expect(world.connector.provisions.map((p) => p.body.gatewayId)).toEqual(['gw-globex'])
      const definitions = DEFINITIONS.map((d) => (d.id === 'globex' ? { ...d, gatewayId: 'gw-globex-2' } : d))
      world.state.redefine((await world.store.define(definitions)).instances)
      world.fleet.calls.length = 0
      await intents.rebuild('globex', { gateway: true })
      await settle()
      expect(world.connector.provisions.map((p) => p.body.gatewayId)).toEqual(['gw-globex', 'gw-globex-2'])
      expect(world.fleet.calls).toEqual([
        { op: 'stop', instanceId: 'globex' },
        { op: 'start', instanceId: 'globex', secret: 'issued-2' },
      ])
    })

    it('shows an opted-out instance disabled anew, without a dial', async () => {
      const world = await opsWorld(async (tx) => tx.setIntent('acme', false, null))
      const intents = intentsFor(world)
      await startAll(world, intents)
      await settle()
      await redefine(world, { platforms: [{ platform: 'slack', botId: '9' }] })
      world.fleet.calls.length = 0
      await intents.rebuild('acme', { gateway: false })
      expect(world.fleet.calls).toEqual([{ op: 'showDisabled', instanceId: 'acme' }])
    })

    it('leaves an instance it does not hold, or one with an operation pending, to whoever finishes it', async () => {
      const world = await opsWorld(async (tx) => tx.setIntent('globex', true, 'opting_in'))
      const intents = intentsFor(world, (id) => id !== 'acme')
      await redefine(world, { platforms: [{ platform: 'slack', botId: '9' }] })
      await intents.rebuild('acme', { gateway: false })
      await intents.rebuild('globex', { gateway: false })
      expect(world.fleet.calls).toEqual([])
    })
  })
})
