/**
 * `optout`: `PUT …/relay {optedIn:false}` → the `disabled` event at an event-stream client, through
 * the real 4401 path (deprovision, close 4401, one fresh-token dial refused, latch).
 * @module
 */

import { wallNow } from '@relay-console/testkit/time'
import { FleetWatcher } from '../fleet-watcher'
import type { BenchStack } from '../stack'
import { percentile } from '../stats'

export async function optout(
  stack: BenchStack,
  options: { count: number },
): Promise<{ p50_ms: number; p99_ms: number; samples: number[] }> {
  const watcher = new FleetWatcher(stack.consoleUrl)
  await watcher.client.connected
  await watcher.until('all connected', () => watcher.count('connected') === stack.instances.length, 120_000)
  const picked = stack.instances.slice(-options.count)
  const samples: number[] = []
  for (const instance of picked) {
    let disabledAt = 0
    watcher.onInstance = (event, receivedAt) => {
      if (event.id === instance.id && disabledAt === 0 && event.platforms.every((p) => p.state === 'disabled')) {
        disabledAt = receivedAt
      }
    }
    const started = wallNow()
    const res = await stack.api('PUT', `/api/instances/${instance.id}/relay`, { optedIn: false })
    if (res.status !== 200) throw new Error(`opt-out of ${instance.id}: HTTP ${res.status}`)
    await watcher.until(`${instance.id} disabled`, () => disabledAt > 0, 10_000)
    samples.push(disabledAt - started)
  }
  watcher.close()
  return { p50_ms: percentile(samples, 50), p99_ms: percentile(samples, 99), samples }
}
