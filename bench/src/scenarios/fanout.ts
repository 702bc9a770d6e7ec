/**
 * `fanout`: C event-stream clients while the console changes R states a second for T seconds.
 * Delivery lag = receipt − the change's `updatedAt`, on a sample of clients (parsing every event at
 * every client would make this process, not the console, the bottleneck). A few clients read
 * nothing at all: the console must drop them, and they must recover with a snapshot.
 * @module
 */

import { SseClient } from '@relay-console/testkit/sse-client'
import { wallNow } from '@relay-console/testkit/time'
import { cpuSeconds } from '../proc-stats'
import type { BenchStack } from '../stack'
import { percentile } from '../stats'
import { driveChanges } from './drive'

const UPDATED_AT = /"updatedAt":"([^"]+)"/g

export async function fanout(
  stack: BenchStack,
  options: { clients: number; changesPerSecond: number; seconds: number; slowClients: number; measured: number },
): Promise<{
  clients: number
  p99_lag_ms: number
  p50_lag_ms: number
  events_per_client: number
  mb_per_client: number
  slow_dropped: number
  slow_recovered: number
  console_pct: number
  connector_pct: number
  clients_pct: number
}> {
  // Measured clients keep what they receive, stamped, and are analysed after the run; the others
  // only count bytes. Parsing 1,000 streams live would make this process the bottleneck.
  const received: Array<Array<[Buffer, number]>> = []
  let otherBytes = 0
  const clients = Array.from({ length: options.clients }, (_, i) => {
    const mine: Array<[Buffer, number]> = []
    if (i < options.measured) received.push(mine)
    return new SseClient({
      url: stack.consoleUrl,
      onChunk:
        i < options.measured
          ? (chunk, at) => {
              mine.push([chunk, at])
            }
          : (chunk) => {
              otherBytes += chunk.length
            },
    })
  })
  await Promise.all(clients.map((c) => c.connected))

  // Slow clients: connected but reading nothing until the console gives up on them.
  let dropped = 0
  let recovered = 0
  const slow = Array.from({ length: options.slowClients }, () => {
    const client: SseClient = new SseClient({
      url: stack.consoleUrl,
      paused: true,
      onEvent: () => {},
      onEnd: () => {
        dropped += 1
        const again = new SseClient({
          url: stack.consoleUrl,
          onEvent: (event) => {
            if (event.event === 'snapshot') {
              recovered += 1
              again.close()
            }
          },
        })
      },
    })
    return client
  })
  await Promise.all(slow.map((c) => c.connected))

  const driveStarted = wallNow()
  const cpuBefore = {
    console: cpuSeconds(stack.console.pid),
    connector: cpuSeconds(stack.connector.pid),
    self: process.cpuUsage(),
  }
  const driveWallStart = Date.now()
  const driver = driveChanges(stack, options.changesPerSecond)
  await new Promise((r) => setTimeout(r, options.seconds * 1000))
  await driver.stop()
  const wall = (Date.now() - driveWallStart) / 1000
  const selfCpu = process.cpuUsage(cpuBefore.self)
  const cpu = {
    console_pct: ((cpuSeconds(stack.console.pid) - cpuBefore.console) / wall) * 100,
    connector_pct: ((cpuSeconds(stack.connector.pid) - cpuBefore.connector) / wall) * 100,
    clients_pct: ((selfCpu.user + selfCpu.system) / 1e6 / wall) * 100,
  }
  // Let the slow ones drain what the console already sent them, so their end is observed.
  for (const c of slow) c.resume()
  const deadline = Date.now() + 10_000
  while (recovered < dropped || (dropped < options.slowClients && Date.now() < deadline - 8000)) {
    if (Date.now() > deadline) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const metrics = await (await fetch(`${stack.consoleUrl}/metrics`)).text()
  const consoleDropped = Number(/^relay_console_sse_dropped_total (\d+)/m.exec(metrics)?.[1] ?? 0)
  for (const c of [...clients, ...slow]) c.close()
  // Lag of every instance event at the measured clients: receipt − its newest updatedAt.
  const lags: number[] = []
  let events = 0
  for (const list of received) {
    let buffer = ''
    for (const [chunk, at] of list) {
      const blocks = (buffer + chunk.toString('utf8')).split('\n\n')
      buffer = blocks.pop() ?? ''
      for (const block of blocks) {
        if (!block.startsWith('event: instance')) continue
        events += 1
        let newest = 0
        for (const m of block.matchAll(UPDATED_AT)) newest = Math.max(newest, Date.parse(m[1] as string))
        if (at - driveStarted >= 0) lags.push(at - newest)
      }
    }
  }
  return {
    clients: options.clients,
    p50_lag_ms: percentile(lags, 50),
    p99_lag_ms: percentile(lags, 99),
    events_per_client: events / Math.max(1, options.measured),
    mb_per_client: otherBytes / Math.max(1, options.clients - options.measured) / 1024 / 1024,
    slow_dropped: Math.max(dropped, consoleDropped),
    slow_recovered: recovered,
    ...cpu,
  }
}
