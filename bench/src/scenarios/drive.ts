/**
 * A steady stream of real state changes: the connector drops one instance's socket every so
 * often (1011); each drop is two changes at the console (retrying, then connected again).
 * @module
 */
import type { BenchStack } from '../stack'

export function driveChanges(stack: BenchStack, changesPerSecond: number): { stop(): Promise<number> } {
  const dropsPerSecond = changesPerSecond / 2
  const intervalMs = 1000 / dropsPerSecond
  let next = 0
  let drops = 0
  let running = true
  const started = Date.now()
  const loop = (async () => {
    while (running) {
      const due = started + drops * intervalMs
      const wait = due - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      const instance = stack.instances[next % stack.instances.length]
      next += 1
      drops += 1
      if (instance !== undefined) {
        void stack
          .admin('POST', '/close-many', { gatewayIds: [instance.gatewayId], code: 1011, reason: 'bench' })
          .catch(() => undefined)
      }
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return drops
    },
  }
}
