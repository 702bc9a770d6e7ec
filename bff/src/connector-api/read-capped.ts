/**
 * Reading a connector's reply with a ceiling. The connector is a peer we do not control
 * (docs/relay-contract.md §6): whatever it sends ends up in API responses, audit entries and logs,
 * so its body is streamed and dropped past a fixed size, and its error text is cut short.
 * @module
 */

/** The most of any reply the console reads; every reply of §6 is a small JSON object. */
export const MAX_REPLY_BYTES = 64 * 1024
/** The most of a connector's own error text that reaches a failure message. */
export const MAX_ERROR_TEXT = 500

export type CappedBody =
  | { kind: 'text'; text: string }
  /** Over the cap: not read further, and the connection hung up. */
  | { kind: 'too_long' }
  /** The body broke off (reset, or the call's time ran out while reading). */
  | { kind: 'broken'; error: unknown }

export async function readCapped(response: Response, maxBytes = MAX_REPLY_BYTES): Promise<CappedBody> {
  const body = response.body
  if (body === null) return { kind: 'text', text: '' }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  const reader = body.getReader()
  const hangUp = () => {
    // Cancelling aborts the transfer: the rest is never buffered.
    reader.cancel().catch(() => {})
    return { kind: 'too_long' } as const
  }
  if (declared > maxBytes) return hangUp()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) return hangUp()
      chunks.push(value)
    }
  } catch (error) {
    return { kind: 'broken', error }
  }
  return { kind: 'text', text: new TextDecoder().decode(Buffer.concat(chunks)) }
}

/** `text` cut to `max` characters, marked with an ellipsis and how much was left out. */
export function clipText(text: string, max = MAX_ERROR_TEXT): string {
  if (text.length <= max) return text
  // Never split a surrogate pair.
  const end = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max
  return `${text.slice(0, end)}… (${text.length - end} more characters)`
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff
