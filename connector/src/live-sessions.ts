/**
 * The live relay sockets: at most one authenticated socket per gateway (docs/relay-contract.md §4,
 * §7). A newer socket that authenticates displaces the older one, which is closed 4409 `superseded`
 * and no longer counts as live, so a paused or partitioned console replica never keeps a working
 * socket beside the replica that dialled after it.
 * @module
 */
import { CLOSE_SUPERSEDED, REASON_SUPERSEDED } from '@relay-console/shared/relay/close-codes'
import type { RelaySession } from './session'

export interface LiveSessions {
  /**
   * Makes `session` its gateway's live socket. The one it displaces is closed 4409 `superseded`
   * (and counted) when it was still open; one already closing is only let go. Returns the displaced one.
   */
  admit(session: RelaySession): RelaySession | undefined
  /** Forgets a session whose socket closed. */
  remove(session: RelaySession): void
  get(gatewayId: string): RelaySession | undefined
  all(): RelaySession[]
  readonly size: number
  /** How many sockets of this gateway a newer one superseded. */
  superseded(gatewayId: string): number
  supersededTotal(): number
  /** The most sockets a gateway ever had open at once (closing ones not counted): 1 when healthy. */
  peakOpen(gatewayId: string): number
  /** Cuts every socket, live or displaced and still closing. */
  terminateAll(): void
}

export function createLiveSessions(): LiveSessions {
  const live = new Map<string, RelaySession>()
  // Displaced sockets wait here for their close (a paused peer never answers it: `ws` cuts it after 30 s).
  const displaced = new Set<RelaySession>()
  const supersededByGateway = new Map<string, number>()
  const peakByGateway = new Map<string, number>()
  let supersededTotal = 0

  const openSockets = (gatewayId: string) => {
    let open = live.get(gatewayId)?.open ? 1 : 0
    for (const session of displaced) if (session.gatewayId === gatewayId && session.open) open += 1
    return open
  }

  return {
    admit(session) {
      const { gatewayId } = session
      const older = live.get(gatewayId)
      if (older !== undefined) {
        live.delete(gatewayId)
        displaced.add(older)
        if (older.open) {
          // Closed before the newer one counts as open: two working sockets never coexist.
          older.close(CLOSE_SUPERSEDED, REASON_SUPERSEDED)
          supersededByGateway.set(gatewayId, (supersededByGateway.get(gatewayId) ?? 0) + 1)
          supersededTotal += 1
        }
      }
      live.set(gatewayId, session)
      const open = openSockets(gatewayId)
      if (open > (peakByGateway.get(gatewayId) ?? 0)) peakByGateway.set(gatewayId, open)
      return older
    },

    remove(session) {
      if (live.get(session.gatewayId) === session) live.delete(session.gatewayId)
      else displaced.delete(session)
    },

    get: (gatewayId) => live.get(gatewayId),
    all: () => [...live.values()],
    get size() {
      return live.size
    },

    superseded: (gatewayId) => supersededByGateway.get(gatewayId) ?? 0,
    supersededTotal: () => supersededTotal,
    peakOpen: (gatewayId) => peakByGateway.get(gatewayId) ?? 0,

    terminateAll() {
      for (const session of [...live.values(), ...displaced]) session.terminate()
      live.clear()
      displaced.clear()
    },
  }
}
