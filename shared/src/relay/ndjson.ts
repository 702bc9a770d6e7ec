/**
 * The relay's framing (docs/relay-contract.md §3): newline-delimited JSON across WebSocket messages.
 * A reader buffers across messages, keeps the trailing partial line and skips blank lines.
 * @module
 */
import { MAX_FRAME_BYTES } from './close-codes'

export type DecodeResult = { ok: true; lines: string[] } | { ok: false; error: 'frame_too_large' }

/** Splits received text into complete lines. One decoder per socket. */
export class NdjsonDecoder {
  #partial = ''
  readonly #maxLineBytes: number

  constructor(maxLineBytes: number = MAX_FRAME_BYTES) {
    this.#maxLineBytes = maxLineBytes
  }

  /** Feeds one received message (binary ones already decoded as UTF-8). */
  push(chunk: string): DecodeResult {
    const text = this.#partial + chunk
    const parts = text.split('\n')
    this.#partial = parts.pop() ?? ''
    const lines: string[] = []
    for (const part of parts) {
      if (Buffer.byteLength(part, 'utf8') > this.#maxLineBytes) return { ok: false, error: 'frame_too_large' }
      const line = part.endsWith('\r') ? part.slice(0, -1) : part
      if (line.trim() !== '') lines.push(line)
    }
    if (Buffer.byteLength(this.#partial, 'utf8') > this.#maxLineBytes) {
      return { ok: false, error: 'frame_too_large' }
    }
    return { ok: true, lines }
  }
}

/** One frame on the wire: the JSON text and its terminating newline. */
export function encodeFrame(frame: object): string {
  return `${JSON.stringify(frame)}\n`
}
