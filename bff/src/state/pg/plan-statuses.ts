/**
 * Which of a batch of status updates are changes, and what each logs: the same rules as every
 * backend (`store-rules.ts`), applied to the rows as read under the rev counter's lock.
 * @module
 */
import type { LoggedChange, StatusUpdate } from '../store'
import { sameStatuses, transitionsBetween } from '../store-rules'
import { publicView, type StatusRow } from './rows'

/**
 * The logged changes of `updates`, in the order given, numbered from `lastRev + 1`. An update of
 * an unknown instance, or one that repeats the statuses already held, is left out; an instance
 * updated twice is compared with its first update the second time.
 */
export function planStatusChanges(
  lastRev: number,
  rows: ReadonlyMap<string, StatusRow>,
  updates: readonly StatusUpdate[],
): LoggedChange[] {
  const current = new Map(rows)
  const changes: LoggedChange[] = []
  let rev = lastRev
  for (const { id, platforms } of updates) {
    const row = current.get(id)
    if (row === undefined || sameStatuses(row.statuses, platforms)) continue
    rev += 1
    const next = { ...row, statuses: [...platforms] }
    changes.push({ rev, instance: publicView(next), transitions: transitionsBetween(rev, row.statuses, platforms) })
    current.set(id, next)
  }
  return changes
}
