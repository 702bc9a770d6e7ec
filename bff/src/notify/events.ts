/**
 * Which changes of the fleet are worth a notification (docs/notifications.md, "Events"), decided
 * from one instance's statuses before and after a change: pure, so every backend drafts the same
 * events from the same change, in the transaction that writes it.
 * @module
 */
import type { NotificationEventType } from '@relay-console/shared/fleet-ops'
import type { Instance } from '@relay-console/shared/instance'
import type { PlatformStatus } from '@relay-console/shared/platform-state'

/** The part of a webhook's body that says what happened (the envelope adds version, id and times). */
export interface EventDetail {
  instance: { id: string; displayName: string; gatewayId: string; labels: Record<string, string> } | null
  platform: {
    platform: string
    state: string
    errorCode: string | null
    errorMessage: string | null
  } | null
  /** Who opted the instance out (instance.disabled), or null. */
  actor: string | null
  /** connector.unreachable / connector.recovered: how many opted-in instances fail alike. */
  connector: { failing: number; of: number; errorCode: string | null } | null
}

/** One event before it is fanned out to the webhooks that take it. */
export interface NotificationDraft {
  type: NotificationEventType | 'test'
  instanceId: string | null
  platform: string | null
  /**
   * What a recovery cancels within the flapping window: the same subject's failure. An instance's
   * platform (`id/platform`), the instance (`id`), or `connector`.
   */
  subject: string
  occurredAt: string
  detail: EventDetail
}

/** The events that wait out the flapping window before they are sent. */
export const FAILURE_EVENTS: readonly string[] = ['instance.failed', 'instance.needs_attention']

const instanceOf = (i: Instance): EventDetail['instance'] => ({
  id: i.id,
  displayName: i.displayName,
  gatewayId: i.gatewayId,
  labels: { ...(i.labels ?? {}) },
})

const platformOf = (p: PlatformStatus): EventDetail['platform'] => ({
  platform: p.platform,
  state: p.state,
  errorCode: p.errorCode,
  errorMessage: p.errorMessage,
})

/** A platform in trouble an operator has been told about (or is about to be). */
const troubled = (p: PlatformStatus | undefined) => p !== undefined && (p.state === 'fatal' || p.needsAttention)
const allDisabled = (platforms: readonly PlatformStatus[]) =>
  platforms.length > 0 && platforms.every((p) => p.state === 'disabled')

/**
 * The events an instance's change from `before` to `instance.platforms` raises. None at all while
 * a maintenance window holds it out: planned work is not an incident.
 */
export function eventsOfChange(before: readonly PlatformStatus[], instance: Instance, at: string): NotificationDraft[] {
  if (instance.disabledBy?.source === 'maintenance') return []
  const drafts: NotificationDraft[] = []
  const base = { instanceId: instance.id, occurredAt: at }
  const detail = { instance: instanceOf(instance), actor: null, connector: null }
  if (allDisabled(instance.platforms) && !allDisabled(before)) {
    const revoked = instance.disabledBy?.source === 'connector'
    drafts.push({
      ...base,
      type: revoked ? 'instance.revoked_by_connector' : 'instance.disabled',
      platform: null,
      subject: instance.id,
      detail: { ...detail, platform: null, actor: instance.disabledBy?.actor ?? null },
    })
    return drafts
  }
  const previous = new Map(before.map((p) => [p.platform, p]))
  for (const now of instance.platforms) {
    const was = previous.get(now.platform)
    const event = (type: NotificationEventType): NotificationDraft => ({
      ...base,
      type,
      platform: now.platform,
      subject: `${instance.id}/${now.platform}`,
      detail: { ...detail, platform: platformOf(now) },
    })
    if (now.state === 'fatal' && was?.state !== 'fatal') drafts.push(event('instance.failed'))
    else if (now.needsAttention && now.state !== 'fatal' && !troubled(was))
      drafts.push(event('instance.needs_attention'))
    else if (now.state === 'connected' && troubled(was)) drafts.push(event('instance.recovered'))
  }
  return drafts
}

/** How many opted-in instances fail alike: the largest group of them whose every socket is down with one error. */
export interface ConnectorVerdict {
  failing: number
  of: number
  errorCode: string | null
}

/** Instances that must fail alike before the connector is called unreachable (a fleet of one is never). */
export const UNREACHABLE_MIN_INSTANCES = 2

/**
 * The connector is unreachable when most opted-in instances (at least half, and at least two)
 * have every platform down with the same error; it has recovered once fewer than a quarter do.
 * The gap between the two keeps a fleet hovering at the line from flapping.
 */
export function judgeConnector(instances: Iterable<Instance>): ConnectorVerdict {
  let of = 0
  const byCode = new Map<string | null, number>()
  for (const i of instances) {
    if (!i.optedIn || i.pending !== null || i.platforms.length === 0) continue
    of += 1
    if (!i.platforms.every((p) => p.state === 'retrying' || p.state === 'fatal')) continue
    const code = i.platforms[0]?.errorCode ?? null
    if (i.platforms.some((p) => p.errorCode !== code)) continue
    byCode.set(code, (byCode.get(code) ?? 0) + 1)
  }
  let failing = 0
  let errorCode: string | null = null
  for (const [code, count] of byCode) {
    if (count > failing) {
      failing = count
      errorCode = code
    }
  }
  return { failing, of, errorCode }
}

export const isUnreachable = (v: ConnectorVerdict) => v.failing >= UNREACHABLE_MIN_INSTANCES && v.failing * 2 >= v.of
export const isRecovered = (v: ConnectorVerdict) => v.failing * 4 < v.of || v.failing < UNREACHABLE_MIN_INSTANCES
