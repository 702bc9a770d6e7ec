/**
 * `storm`: the connector restarts under N connected instances. Time until all are back, and how
 * evenly the re-dials spread: the largest share of them in any one second (jitter at work).
 * @module
 */
import { wallNow } from '@relay-console/testkit/time'
import { FleetWatcher } from '../fleet-watcher'
import type { BenchStack } from '../stack'

export async function storm(
  stack: BenchStack,
): Promise<{ instances: number; all_reconnected_s: number; max_window_pct: number; redials: number }> {
  const watcher = new FleetWatcher(stack.consoleUrl)
  await watcher.client.connected
  const all = stack.instances.length
  await watcher.until('all connected', () => watcher.count('connected') === all, 180_000)
  const { stoppedAt } = await stack.restartConnector()
  await watcher.until('some down', () => watcher.count('connected') < all, 30_000).catch(() => undefined)
  await watcher.until('all reconnected', () => watcher.count('connected') === all, 180_000)
  const reconnected = (wallNow() - stoppedAt) / 1000
  const { accepted } = await stack.admin<{ accepted: number[] }>('GET', `/upgrade-log?since=${Math.floor(stoppedAt)}`)
  const windows = new Map<number, number>()
  for (const t of accepted) {
    const second = Math.floor((t - stoppedAt) / 1000)
    windows.set(second, (windows.get(second) ?? 0) + 1)
  }
  const busiest = Math.max(0, ...windows.values())
  watcher.close()
  return {
    instances: all,
    all_reconnected_s: reconnected,
    max_window_pct: accepted.length === 0 ? Number.NaN : (busiest / accepted.length) * 100,
    redials: accepted.length,
  }
}
