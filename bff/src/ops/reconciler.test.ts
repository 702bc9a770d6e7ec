import { FakeClock } from '@relay-console/shared/fake-clock'
import { describe, expect, it } from 'vitest'
import { createReconciler, type RetryKind } from './reconciler'

function setup() {
  const clock = new FakeClock()
  const due: Array<[string, RetryKind]> = []
  // random() = 1: every delay is the top of its range, d = min(base · 2^(n−1), max).
  const reconciler = createReconciler({
    clock,
    random: () => 1,
    retry: { baseMs: 1000, maxMs: 4000 },
    onDue: (id, kind) => due.push([id, kind]),
  })
  return { clock, due, reconciler }
}

describe('createReconciler', () => {
  it('climbs the backoff ladder for repeated tries of one kind, up to the cap', () => {
    const { clock, due, reconciler } = setup()
    const tries = [1, 2, 3, 4].map(() => {
      const next = reconciler.schedule('acme', 'deprovision')
      const delay = next.at - clock.now()
      clock.advance(delay)
      return { attempt: next.attempt, delay }
    })
    expect(tries).toEqual([
      { attempt: 1, delay: 1000 },
      { attempt: 2, delay: 2000 },
      { attempt: 3, delay: 4000 },
      { attempt: 4, delay: 4000 },
    ])
    expect(due).toEqual(Array(4).fill(['acme', 'deprovision']))
  })

  it('keeps one pending try per instance: a new schedule replaces the old, a new kind starts over', () => {
    const { clock, due, reconciler } = setup()
    reconciler.schedule('acme', 'deprovision')
    expect(reconciler.schedule('acme', 'deprovision').attempt).toBe(2)
    expect(reconciler.schedule('acme', 'provision').attempt).toBe(1)
    expect(clock.pendingCount).toBe(1)
    clock.advance(60_000)
    expect(due).toEqual([['acme', 'provision']])
  })

  it('does nothing for a cancelled try, and starts the ladder over after a cancel', () => {
    const { clock, due, reconciler } = setup()
    reconciler.schedule('acme', 'provision')
    reconciler.schedule('acme', 'provision')
    reconciler.cancel('acme')
    clock.advance(60_000)
    expect(due).toEqual([])
    expect(reconciler.schedule('acme', 'provision').attempt).toBe(1)
  })

  it('sets no timer at all once stopped, but still answers when a try would be', () => {
    const { clock, due, reconciler } = setup()
    reconciler.schedule('acme', 'provision')
    reconciler.stop()
    expect(clock.pendingCount).toBe(0)
    const next = reconciler.schedule('globex', 'deprovision')
    expect(next).toEqual({ attempt: 1, at: clock.now() + 1000 })
    clock.advance(60_000)
    expect(due).toEqual([])
  })
})
