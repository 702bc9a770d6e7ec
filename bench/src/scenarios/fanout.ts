/**
 * `fanout`: C event-stream clients while the console changes R states a second for T seconds.
 * Delivery lag = receipt − the change's `updatedAt`, on a sample of clients (parsing every event at
 * every client would make this process, not the console, the bottleneck). A few clients read
 * nothing at all: the console must drop them, and they must recover with a snapshot.
 * @module
 */
import { percentile } from '../stats'
import { type RawEvent, SseClient } from '../sse'
import type { BenchStack } from '../stack'
import { driveChanges } from './drive'

const UPDATED_AT = /"updatedAt":"([^"]+)"/g

export async function fanout(
  stack: BenchStack,
  options: { clients: number; changesPerSecond: number; seconds: number; slowClients: number; measured: number },
): Promise<{ clients: number; p99_lag_ms: number; p50_lag_ms: number; events_per_client: number; slow_dropped: number; slow_recovered: number }> {
  const lags: number[] = []
  let received = 0
  const measure = (event: RawEvent) => {
    if (event.event !== 'instance') return
    let newest = 0
    for (const m of event.data.matchAll(UPDATED_AT)) newest = Math.max(newest, Date.parse(m[1] as string))
    lags.push(event.receivedAt - newest)
  }
  const clients = Array.from({ length: options.clients }, (_, i) =>
    new SseClient({
      url: stack.consoleUrl,
      onEvent: i < options.measured ? measure : (event) => {
        if (event.event === 'instance') received += 1
      },
    }),
  )
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

  const driver = driveChanges(stack, options.changesPerSecond)
  await new Promise((r) => setTimeout(r, options.seconds * 1000))
  await driver.stop()
  // Let the slow ones drain what the console already sent them, so their end is observed.
  for (const c of slow) c.resume()
  await new Promise((r) => setTimeout(r, 2000))
  for (const c of [...clients, ...slow]) c.close()
  const unmeasured = options.clients - options.measured
  return {
    clients: options.clients,
    p50_lag_ms: percentile(lags, 50),
    p99_lag_ms: percentile(lags, 99),
    events_per_client: unmeasured > 0 ? received / unmeasured : lags.length / Math.max(1, options.measured),
    slow_dropped: dropped,
    slow_recovered: recovered,
  }
}
