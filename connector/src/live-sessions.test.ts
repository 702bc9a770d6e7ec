import { describe, expect, it } from 'vitest'
import { createLiveSessions } from './live-sessions'
import type { RelaySession } from './session'

/** Just what the registry reads of a session: its gateway, whether it is open, close and terminate. */
function fakeSession(gatewayId: string) {
  const session = {
    gatewayId,
    open: true,
    closedWith: null as { code: number; reason: string } | null,
    terminated: false,
    close(code: number, reason: string) {
      session.open = false
      session.closedWith = { code, reason }
    },
    terminate() {
      session.open = false
      session.terminated = true
    },
  }
  return session
}
const asSession = (fake: ReturnType<typeof fakeSession>) => fake as unknown as RelaySession

describe('the live sessions: one per gateway', () => {
  it('supersedes the open older socket with 4409, counting it per gateway and in total', () => {
    const live = createLiveSessions()
    const [a1, a2, a3, b1] = [fakeSession('gw-a'), fakeSession('gw-a'), fakeSession('gw-a'), fakeSession('gw-b')]
    expect(live.admit(asSession(a1))).toBeUndefined()
    live.admit(asSession(b1))
    expect(live.admit(asSession(a2))).toBe(a1)
    live.admit(asSession(a3))

    expect(a1.closedWith).toEqual({ code: 4409, reason: 'superseded' })
    expect(a2.closedWith).toEqual({ code: 4409, reason: 'superseded' })
    expect([a3.open, b1.open]).toEqual([true, true])
    expect(live.get('gw-a')).toBe(a3)
    expect(live.all()).toHaveLength(2)
    expect(live.all()).toEqual(expect.arrayContaining([a3, b1]))
    expect(live.size).toBe(2)
    expect([live.superseded('gw-a'), live.superseded('gw-b'), live.supersededTotal()]).toEqual([2, 0, 2])
    expect([live.peakOpen('gw-a'), live.peakOpen('gw-b'), live.peakOpen('gw-c')]).toEqual([1, 1, 0])
  })

  it('lets go of an older socket already closing for another reason without counting a supersede', () => {
    const live = createLiveSessions()
    const [older, newer] = [fakeSession('gw-a'), fakeSession('gw-a')]
    live.admit(asSession(older))
    older.close(1011, 'closed by admin')
    live.admit(asSession(newer))
    expect(older.closedWith).toEqual({ code: 1011, reason: 'closed by admin' })
    expect(live.supersededTotal()).toBe(0)
    expect(live.get('gw-a')).toBe(newer)
  })

  it('forgets a displaced socket when it closes without touching the live one, and terminates all at the end', () => {
    const live = createLiveSessions()
    const [older, newer] = [fakeSession('gw-a'), fakeSession('gw-a')]
    live.admit(asSession(older))
    live.admit(asSession(newer))
    live.remove(asSession(older))
    expect(live.get('gw-a')).toBe(newer)

    const lingering = fakeSession('gw-a')
    live.admit(asSession(lingering)) // newer is displaced and still closing
    live.terminateAll()
    expect([newer.terminated, lingering.terminated, older.terminated]).toEqual([true, true, false])
    expect(live.size).toBe(0)
    live.remove(asSession(lingering))
    expect(live.get('gw-a')).toBeUndefined()
  })
})
