/**
 * The console's Server-Sent Events (docs/api.md, "The event stream"): `snapshot` and `instance`
 * carry `id: <rev>`; `ping` carries none. Parsed as a client reads them: a platform state this
 * version does not know is kept, not rejected.
 * @module
 */
import { z } from 'zod'
import { ClientInstancesResponseSchema } from './api'
import { ClientInstanceSchema } from './instance'

export const SSE_EVENT_TYPES = ['snapshot', 'instance', 'ping'] as const
export type SseEventType = (typeof SSE_EVENT_TYPES)[number]

export const PingPayloadSchema = z.object({ at: z.iso.datetime({ offset: true }) })

const Rev = z.number().int().nonnegative()

export const SseEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('snapshot'), rev: Rev, data: ClientInstancesResponseSchema }),
  z.object({ type: z.literal('instance'), rev: Rev, data: ClientInstanceSchema }),
  z.object({ type: z.literal('ping'), data: PingPayloadSchema }),
])
export type SseEvent = z.infer<typeof SseEventSchema>

export type SseParseResult = { ok: true; event: SseEvent } | { ok: false; error: string }

/**
 * Parses one received event (its `event:` name, `id:` and `data:` text) into a typed event.
 * Never throws: a browser must survive a peer that sends garbage.
 */
export function parseSseEvent(type: string, lastEventId: string, data: string): SseParseResult {
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch {
    return { ok: false, error: `${type} event: data is not JSON` }
  }
  const rev = lastEventId === '' ? undefined : Number(lastEventId)
  const parsed = SseEventSchema.safeParse({ type, rev, data: json })
  if (!parsed.success) {
    return { ok: false, error: `${type} event: ${z.prettifyError(parsed.error)}` }
  }
  return { ok: true, event: parsed.data }
}
