/**
 * Rules every state store backend follows alike: how much history and audit it keeps, how long an
 * audit detail may be, when new statuses are a change, and which transitions a change makes.
 * @module
 */
import type { Transition } from '@relay-console/shared/api'
import type { PlatformStatus } from '@relay-console/shared/platform-state'

/** Transitions kept per instance. */
export const HISTORY_CAP = 200
/** Trimming is batched: an instance's history may grow this far past the cap between trims. */
export const TRIM_SLACK = 50
/** Audit entries kept, newest first. */
export const AUDIT_CAP = 10_000
/** The longest audit detail kept: details carry a connector's words, which are not ours to size. */
export const AUDIT_DETAIL_MAX = 1000

export const boundedDetail = (detail: string | null): string | null =>
  detail === null || detail.length <= AUDIT_DETAIL_MAX ? detail : `${detail.slice(0, AUDIT_DETAIL_MAX)}…`

/** Whether new statuses are the stored ones (a repeat is not a change, and is not logged). */
export function sameStatuses(before: readonly PlatformStatus[], after: readonly PlatformStatus[]): boolean {
  return JSON.stringify(before) === JSON.stringify(after)
}

/** The platform state changes from `before` to `after`, each numbered `rev`. */
export function transitionsBetween(
  rev: number,
  before: readonly PlatformStatus[],
  after: readonly PlatformStatus[],
): Transition[] {
  const transitions: Transition[] = []
  for (const next of after) {
    const previous = before.find((p) => p.platform === next.platform)
    if (previous?.state === next.state) continue
    transitions.push({
      rev,
      at: next.updatedAt,
      platform: next.platform,
      from: previous?.state ?? null,
      to: next.state,
      errorCode: next.errorCode,
      errorMessage: next.errorMessage,
    })
  }
  return transitions
}
