/**
 * `propagation`: N instances × 2 platforms connected, C event-stream clients; the connector drops
 * D sockets (1011) at once; latency from the close to the matching `instance` event at every client.
 * @module
 */

import { SseClient } from '@relay-console/testkit/sse-client'
import { FleetWatcher } from '../fleet-watcher'
import type { BenchStack } from '../stack'
import { percentile } from '../stats'

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

  // Each client keeps what it receives with the time it arrived, untouched: analysing 200 streams
  // as they arrive would make this process, not the console, the bottleneck. After each drop, the
  // first event of each dropped instance at each client (its move to retrying) gives the latency.
  let recording = false
  const chunks: Array<Array<[Buffer, number]>> = []
  const clients = Array.from({ length: options.clients }, (_, index) => {
    chunks[index] = []
    return new SseClient({
      url: stack.consoleUrl,
      onChunk: (chunk, receivedAt) => {
        if (recording) chunks[index]?.push([chunk, receivedAt])
      },
    })
  })
  const ID = /data: \{"id":"([^"]+)"/g
  const firstSeen = (received: Array<[Buffer, number]>, targets: Set<string>): Map<string, number> => {
    const seen = new Map<string, number>()
    let tail = ''
    for (const [chunk, at] of received) {
      const text = tail + chunk.toString('utf8')
      tail = text.slice(-40)
      for (const match of text.matchAll(ID)) {
        const id = match[1] as string
        if (targets.has(id) && !seen.has(id)) seen.set(id, at)
      }
    }
    return seen
  }
  await Promise.all(clients.map((c) => c.connected))

  const runs: PropagationRun[] = []
  // One warm-up round (JIT, connection pools), not reported.
  for (let rep = -1; rep < options.reps; rep++) {
    const slice = stack.instances.slice((rep + 1) * options.drop, (rep + 2) * options.drop)
    const targets = new Set(slice.map((i) => i.id))
    for (const list of chunks) list.length = 0
    recording = true
    const { at } = await stack.admin<{ at: number }>('POST', '/close-many', {
      gatewayIds: slice.map((i) => i.gatewayId),
      code: 1011,
      reason: 'bench drop',
    })
    const ids = slice.map((i) => i.id)
    // Every client has everything once the watcher saw them all come back.
    await watcher.until('reconnected', () => watcher.allIn('connected', ids), 60_000)
    await new Promise((r) => setTimeout(r, 200))
    recording = false
    const latencies = chunks.flatMap((received) => [...firstSeen(received, targets).values()].map((t) => t - at))
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
