/**
 * `polling_baseline`: the same kind of state changes, seen by a client that polls
 * `GET /api/instances` every 5 s as the upstream dashboard does. Staleness = when the poll first
 * shows a change − when it happened (changes overwritten between polls are never seen at all).
 * @module
 */

import { wallNow } from '@relay-console/testkit/time'
import { FleetWatcher } from '../fleet-watcher'
import type { BenchStack } from '../stack'
import { mean } from '../stats'
import { driveChanges } from './drive'

interface Snapshot {
  instances: Array<{ id: string; platforms: Array<{ state: string; updatedAt: string }> }>
}

export async function pollingBaseline(
  stack: BenchStack,
  options: { seconds: number; changesPerSecond: number; pollMs: number },
): Promise<{ mean_staleness_ms: number; changes: number; seen: number }> {
  // The truth, from the event stream: every change, with the time it happened.
  const watcher = new FleetWatcher(stack.consoleUrl)
  await watcher.client.connected
  const changes: Array<{ id: string; at: number }> = []
  watcher.onInstance = (instance) => {
    const at = Math.max(...instance.platforms.map((p) => Date.parse(p.updatedAt)))
    changes.push({ id: instance.id, at })
  }
  const polls: Array<{ at: number; updated: Map<string, number> }> = []
  const poll = async () => {
    const at = wallNow()
    const { json } = await stack.api<Snapshot>('GET', '/api/instances')
    polls.push({
      at,
      updated: new Map(json.instances.map((i) => [i.id, Math.max(...i.platforms.map((p) => Date.parse(p.updatedAt)))])),
    })
  }
  await poll()
  const timer = setInterval(() => void poll(), options.pollMs)
  const driver = driveChanges(stack, options.changesPerSecond)
  await new Promise((r) => setTimeout(r, options.seconds * 1000))
  await driver.stop()
  await new Promise((r) => setTimeout(r, options.pollMs + 500))
  clearInterval(timer)
  watcher.close()

  const staleness: number[] = []
  for (const change of changes) {
    // The first poll that shows this change (or a later one) for the instance.
    const shown = polls.find((p) => p.at >= change.at && (p.updated.get(change.id) ?? 0) >= change.at)
    // Seen only if that poll still showed this very change, not a later one that replaced it.
    if (shown !== undefined && shown.updated.get(change.id) === change.at) staleness.push(shown.at - change.at)
  }
  return { mean_staleness_ms: mean(staleness), changes: changes.length, seen: staleness.length }
}
