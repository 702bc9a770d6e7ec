/**
 * `capacity`: N instances (1 platform each) on one console: time until all are connected, the
 * console's RSS, and its CPU use while idle with 30 s pings.
 * @module
 */
import { sleep, wallNow } from '@relay-console/testkit/time'
import { FleetWatcher } from '../fleet-watcher'
import { cpuSeconds, rssMb } from '../proc-stats'
import type { BenchStack } from '../stack'

export async function capacity(
  stack: BenchStack,
  options: { idleMs: number },
): Promise<{ instances: number; connect_all_s: number; rss_mb: number; idle_cpu_pct: number }> {
  const watcher = new FleetWatcher(stack.consoleUrl)
  await watcher.client.connected
  await watcher.until('all connected', () => watcher.count('connected') === stack.instances.length, 180_000)
  const connectAll = (wallNow() - stack.consoleStartedAt) / 1000
  await sleep(3000) // let the write-behind store and GC settle
  const cpuBefore = cpuSeconds(stack.console.pid)
  const started = Date.now()
  await sleep(options.idleMs)
  const cpuAfter = cpuSeconds(stack.console.pid)
  const idlePct = ((cpuAfter - cpuBefore) / ((Date.now() - started) / 1000)) * 100
  const rss = rssMb(stack.console.pid)
  watcher.close()
  return { instances: stack.instances.length, connect_all_s: connectAll, rss_mb: rss, idle_cpu_pct: idlePct }
}
