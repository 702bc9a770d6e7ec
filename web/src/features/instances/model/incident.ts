/**
 * A fleet-level incident (docs/dashboard.md, "Fleet incidents"): most of the fleet's sockets
 * failing the same way at once (the connector unreachable, its upgrades refused) is one problem,
 * not thousands. Pure: the instances in, the incident (or none) out.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'

/** At least this share of the instances that should be connected… */
export const INCIDENT_SHARE = 0.5
/** …and at least this many, so one or two flaky instances of a small fleet are not an incident. */
export const INCIDENT_MIN_INSTANCES = 3

export interface FleetIncident {
  /** What the failing sockets share. */
  errorCode: string
  /** When the first of them started failing. */
  since: number
  /** Instances failing this way. */
  affected: number
}

/** The one way most instances that should be connected are failing, or null. */
export function fleetIncident(instances: readonly ClientInstance[]): FleetIncident | null {
  const groups = new Map<string, { affected: number; since: number }>()
  let expected = 0
  for (const instance of instances) {
    // Opted out, or on its way out: nothing is expected of its socket.
    if (!instance.optedIn || instance.pending === 'opting_out') continue
    expected += 1
    // One socket per instance: its platforms fail together, so the first failing one speaks for it.
    const failing = instance.platforms.find(
      (p) => (p.state === 'retrying' || p.state === 'fatal') && p.errorCode !== null,
    )
    if (failing === undefined || failing.errorCode === null) continue
    const since = Date.parse(failing.retryingSince ?? failing.updatedAt) || Date.parse(failing.updatedAt)
    const group = groups.get(failing.errorCode) ?? { affected: 0, since }
    group.affected += 1
    group.since = Math.min(group.since, since)
    groups.set(failing.errorCode, group)
  }
  let worst: FleetIncident | null = null
  for (const [errorCode, group] of groups) {
    if (worst === null || group.affected > worst.affected) worst = { errorCode, ...group }
  }
  if (worst === null) return null
  const needed = Math.max(INCIDENT_MIN_INSTANCES, Math.ceil(expected * INCIDENT_SHARE))
  return worst.affected >= needed ? worst : null
}
