/**
 * Demo inbound traffic: every so often a user "writes" to one connected gateway, with a
 * `bufferId`, so the console's counters move and the redelivery path is exercised.
 * @module
 */
import type { Clock, TimerHandle } from '@relay-console/shared/clock'
import type { RelayServer } from './relay-server'

const LINES = [
  'Can someone check the deploy?',
  'Thanks, that fixed it!',
  'What is the status of ticket 4812?',
  'Ping me when the report is ready.',
  'Is the staging bot back?',
]

export interface DemoTraffic {
  start(intervalMs: number): void
  stop(): void
  readonly running: boolean
  readonly intervalMs: number | null
}

export function createDemoTraffic(relay: RelayServer, clock: Clock, random: () => number = Math.random): DemoTraffic {
  let timer: TimerHandle | null = null
  let interval: number | null = null
  let counter = 0

  const tick = () => {
    const sessions = relay.sessions().filter((s) => s.handshaken && !s.idle)
    const session = sessions[Math.floor(random() * sessions.length)]
    if (session !== undefined) {
      const platforms = [...session.hellos.keys()]
      const platform = platforms[Math.floor(random() * platforms.length)] ?? 'relay'
      counter += 1
      relay.pushInbound(session.gatewayId, {
        text: LINES[counter % LINES.length],
        message_type: 'text',
        message_id: `demo-${counter}`,
        source: {
          platform,
          chat_id: `chat-${(counter % 3) + 1}`,
          chat_type: 'group',
          chat_name: 'demo',
          user_id: `user-${(counter % 5) + 1}`,
          user_name: `demo-user-${(counter % 5) + 1}`,
          thread_id: null,
          chat_topic: null,
        },
        media_urls: [],
        reply_to_message_id: null,
      })
    }
    if (interval !== null) timer = clock.setTimeout(tick, interval)
  }

  return {
    start(intervalMs) {
      this.stop()
      interval = intervalMs
      timer = clock.setTimeout(tick, intervalMs)
    },
    stop() {
      if (timer !== null) clock.clearTimeout(timer)
      timer = null
      interval = null
    },
    get running() {
      return interval !== null
    },
    get intervalMs() {
      return interval
    },
  }
}
