/**
 * `propagation`: N instances × 2 platforms connected, C event-stream clients; the connector drops
 * D sockets (1011) at once; latency from the close to the matching `instance` event at every client.
 * @module
 */
import { percentile } from '../stats'
import { FleetWatcher, SseClient } from '../sse'
import type { BenchStack } from '../stack'

export interface PropagationRun {
  p50_ms: number
  p99_ms: number
  max_ms: number
  samples: number
}

export async function propagation(
  stack: BenchStack,
  options: { clients: number; drop: number; reps: number },
): Promise<PropagationRun[]> {
  const watcher = new FleetWatcher(stack.consoleUrl)
  await watcher.client.connected
  await watcher.until('all connected', () => watcher.count('connected') === stack.instances.length, 120_000)

  // Each client records, per instance, when it first saw it retrying after the close.
  let targets = new Set<string>()
  let seen: Array<Map<string, number>> = []
  const clients = Array.from({ length: options.clients }, (_, index) => {
    seen[index] = new Map()
    return new SseClient({
      url: stack.consoleUrl,
      onEvent: (event) => {
        if (event.event !== 'instance') return
        const id = /^\{"id":"([^"]+)"/.exec(event.data)?.[1]
        const map = seen[index]
        if (id === undefined || map === undefined || !targets.has(id) || map.has(id)) return
        if (event.data.includes('"state":"retrying"')) map.set(id, event.receivedAt)
      },
    })
  })
  await Promise.all(clients.map((c) => c.connected))

  const runs: PropagationRun[] = []
  // One warm-up round (JIT, connection pools), not reported.
  for (let rep = -1; rep < options.reps; rep++) {
    const slice = stack.instances.slice((rep + 1) * options.drop, (rep + 2) * options.drop)
    targets = new Set(slice.map((i) => i.id))
    seen = seen.map(() => new Map())
    const { at } = await stack.admin<{ at: number }>('POST', '/close-many', {
      gatewayIds: slice.map((i) => i.gatewayId),
      code: 1011,
      reason: 'bench drop',
    })
    const deadline = Date.now() + 15_000
    while (seen.some((m) => m.size < targets.size) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const latencies = seen.flatMap((m) => [...m.values()].map((t) => t - at))
    const ids = slice.map((i) => i.id)
    await watcher.until('reconnected', () => watcher.allIn('connected', ids), 60_000)
    if (rep < 0) continue
    runs.push({
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
      max_ms: Math.max(...latencies),
      samples: latencies.length,
    })
  }
  for (const c of clients) c.close()
  watcher.close()
  return runs
}
