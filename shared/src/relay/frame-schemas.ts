/**
 * Every relay frame of docs/relay-contract.md §3, and the capability descriptor. Parsing never throws:
 * a line is a frame, malformed, or of a type this version does not know (ignored by contract).
 * @module
 */
import { z } from 'zod'

export const CONTRACT_VERSION = 1
export const DEFAULT_MAX_MESSAGE_LENGTH = 4096
/** A longer descriptor label is cut to this many characters (docs/relay-contract.md §3). */
export const MAX_LABEL_CHARS = 100
/** A longer descriptor emoji is dropped to null: cutting one would show garbage (docs/relay-contract.md §3). */
export const MAX_EMOJI_CHARS = 16

const RequestId = z.string().regex(/^[0-9a-f]{32}$/, 'requestId must be 32 lowercase hex characters')

// ── gateway → connector ─────────────────────────────────────────────────────────────────────────

export const HelloFrameSchema = z.object({
  type: z.literal('hello'),
  platform: z.string().min(1),
  botId: z.string(),
})
export const OutboundFrameSchema = z.object({
  type: z.literal('outbound'),
  requestId: RequestId,
  action: z.looseObject({ op: z.string().min(1) }),
  platform: z.string().optional(),
  botId: z.string().optional(),
})
export const InboundAckFrameSchema = z.object({ type: z.literal('inbound_ack'), bufferId: z.string().min(1) })
export const GoingIdleFrameSchema = z.object({ type: z.literal('going_idle') })

export const GatewayFrameSchema = z.discriminatedUnion('type', [
  HelloFrameSchema,
  OutboundFrameSchema,
  InboundAckFrameSchema,
  GoingIdleFrameSchema,
])
export type GatewayFrame = z.infer<typeof GatewayFrameSchema>
export type HelloFrame = z.infer<typeof HelloFrameSchema>
export type OutboundFrame = z.infer<typeof OutboundFrameSchema>

// ── connector → gateway ─────────────────────────────────────────────────────────────────────────

/** `descriptor` is checked separately ({@link parseDescriptor}) so a bad one can be pinned on its platform. */
export const DescriptorFrameSchema = z.object({ type: z.literal('descriptor'), descriptor: z.unknown() })
export const InboundFrameSchema = z.object({
  type: z.literal('inbound'),
  event: z.record(z.string(), z.unknown()),
  bufferId: z.string().min(1).optional(),
})
export const OutboundResultSchema = z.looseObject({
  success: z.boolean(),
  message_id: z.string().optional(),
  error: z.string().optional(),
})
export type OutboundResult = z.infer<typeof OutboundResultSchema>
export const OutboundResultFrameSchema = z.object({
  type: z.literal('outbound_result'),
  requestId: z.string(),
  result: OutboundResultSchema.default({ success: false, error: 'empty outbound_result' }),
})
export const InterruptInboundFrameSchema = z.object({
  type: z.literal('interrupt_inbound'),
  session_key: z.string(),
  chat_id: z.string(),
})
export const GoingIdleAckFrameSchema = z.object({ type: z.literal('going_idle_ack') })

export const ConnectorFrameSchema = z.discriminatedUnion('type', [
  DescriptorFrameSchema,
  InboundFrameSchema,
  OutboundResultFrameSchema,
  InterruptInboundFrameSchema,
  GoingIdleAckFrameSchema,
])
export type ConnectorFrame = z.infer<typeof ConnectorFrameSchema>

// ── decoding a line ─────────────────────────────────────────────────────────────────────────────

export type FrameDecode<F> =
  | { kind: 'frame'; frame: F }
  | { kind: 'unknown_type'; type: string }
  | { kind: 'malformed'; error: string }

function decodeWith<F>(line: string, schema: z.ZodType<F>, knownTypes: ReadonlySet<string>): FrameDecode<F> {
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch {
    return { kind: 'malformed', error: 'not JSON' }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind: 'malformed', error: 'not a JSON object' }
  }
  const type = (json as { type?: unknown }).type
  if (typeof type !== 'string') return { kind: 'malformed', error: 'no string "type"' }
  if (!knownTypes.has(type)) return { kind: 'unknown_type', type }
  const parsed = schema.safeParse(json)
  if (!parsed.success) return { kind: 'malformed', error: `${type}: ${z.prettifyError(parsed.error)}` }
  return { kind: 'frame', frame: parsed.data }
}

const GATEWAY_TYPES = new Set(['hello', 'outbound', 'inbound_ack', 'going_idle'])
const CONNECTOR_TYPES = new Set(['descriptor', 'inbound', 'outbound_result', 'interrupt_inbound', 'going_idle_ack'])

/** What a connector reads. */
export function decodeGatewayFrame(line: string): FrameDecode<GatewayFrame> {
  return decodeWith(line, GatewayFrameSchema, GATEWAY_TYPES)
}

/** What a gateway reads. */
export function decodeConnectorFrame(line: string): FrameDecode<ConnectorFrame> {
  return decodeWith(line, ConnectorFrameSchema, CONNECTOR_TYPES)
}

// ── the capability descriptor ───────────────────────────────────────────────────────────────────

/** The first `max` characters (code points) of `text`: never half a surrogate pair. */
function firstChars(text: string, max: number): string {
  if (text.length <= max) return text
  let end = 0
  for (let n = 0; n < max && end < text.length; n++) end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1
  return text.slice(0, end)
}

/**
 * A label and an emoji are shown on every platform row and streamed with every change, so the
 * connector must not be able to make them big (docs/relay-contract.md §3): a label is cut, an
 * emoji too long to be one is dropped.
 */
const label = z
  .string()
  .transform((text) => firstChars(text, MAX_LABEL_CHARS))
  .nullable()
  .catch(null)
  .default(null)
const emoji = z
  .string()
  .transform((text) => (firstChars(text, MAX_EMOJI_CHARS) === text ? text : null))
  .nullable()
  .catch(null)
  .default(null)

/** ≤0 or not a number → 4096 (docs/relay-contract.md §3). */
const positiveLength = z
  .number()
  .positive()
  .transform((v) => Math.floor(v))
  .catch(DEFAULT_MAX_MESSAGE_LENGTH)

/**
 * Unknown keys are dropped; a missing or bad optional key takes its default. What makes a
 * descriptor invalid: no platform, or a `contract_version` that is not a positive integer. A
 * version above 1 is accepted (the contract only grows).
 */
export const CapabilityDescriptorSchema = z.object({
  contract_version: z.number().int().positive().default(CONTRACT_VERSION),
  platform: z.string().min(1),
  label,
  max_message_length: positiveLength,
  supports_draft_streaming: z.boolean().catch(false).default(false),
  supports_edit: z.boolean().catch(false).default(false),
  supports_threads: z.boolean().catch(false).default(false),
  markdown_dialect: z.string().catch('plain').default('plain'),
  len_unit: z.enum(['chars', 'utf16']).catch('chars').default('chars'),
  emoji,
  supported_ops: z.array(z.string()).catch([]).default([]),
})
export type CapabilityDescriptor = z.infer<typeof CapabilityDescriptorSchema>
/** What a connector may send: every field optional but `platform`. */
export type CapabilityDescriptorInput = z.input<typeof CapabilityDescriptorSchema>

export type DescriptorParse =
  | { ok: true; descriptor: CapabilityDescriptor }
  /** `platform`: the platform it names, or null when it names none (missing, empty, not a string). */
  | { ok: false; platform: string | null; error: string }

export function parseDescriptor(raw: unknown): DescriptorParse {
  const parsed = CapabilityDescriptorSchema.safeParse(raw)
  if (parsed.success) return { ok: true, descriptor: parsed.data }
  const named = typeof raw === 'object' && raw !== null ? (raw as { platform?: unknown }).platform : undefined
  const platform = typeof named === 'string' && named !== '' ? named : null
  return { ok: false, platform, error: z.prettifyError(parsed.error) }
}
