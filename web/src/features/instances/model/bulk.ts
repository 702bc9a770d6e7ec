/**
 * A bulk action's life: closed, asking for confirmation, running, done (each instance's outcome),
 * or failed as a whole; and when an instance has got where it was asked to go.
 * @module
 */
import type { BulkRelayResult } from '@relay-console/shared/api'
import type { ClientInstance } from '@relay-console/shared/instance'

export type BulkPhase =
  | { kind: 'closed' }
  | { kind: 'confirm'; ids: readonly string[]; optedIn: boolean }
  | { kind: 'running'; ids: readonly string[]; optedIn: boolean }
  | { kind: 'done'; ids: readonly string[]; optedIn: boolean; results: readonly BulkRelayResult[] }
  | { kind: 'error'; ids: readonly string[]; optedIn: boolean; error: unknown }

/** Whether an instance has got where a bulk request asked: the desired state set and nothing left to do. */
export function reached(instance: ClientInstance | undefined, optedIn: boolean): boolean {
  return instance !== undefined && instance.optedIn === optedIn && instance.pending === null
}

/** `ids` in runs of at most `size` (the server takes up to 10,000 at a time), in order. */
export function inBatches(ids: readonly string[], size: number): string[][] {
  const batches: string[][] = []
  for (let i = 0; i < ids.length; i += size) batches.push(ids.slice(i, i + size))
  return batches
}
