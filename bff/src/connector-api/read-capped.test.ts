import { describe, expect, it } from 'vitest'
import { clipText, readCapped } from './read-capped'

/** A body of `chunks` chunks of `size` bytes, pulled on demand; `pulled()` counts what was read. */
function endless(chunks: number, size: number) {
  let pulled = 0
  let cancelled = false
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) controller.close()
      else {
        pulled += 1
        controller.enqueue(new Uint8Array(size).fill(0x61))
      }
    },
    cancel() {
      cancelled = true
    },
  })
  return { stream, pulled: () => pulled, cancelled: () => cancelled }
}

describe('readCapped', () => {
  it('reads a body under the cap whole', async () => {
    expect(await readCapped(new Response('{"ok":true}'), 64)).toEqual({ kind: 'text', text: '{"ok":true}' })
    expect(await readCapped(new Response(null), 64)).toEqual({ kind: 'text', text: '' })
  })

  it('stops at the cap and cancels the rest', async () => {
    const body = endless(1000, 1024)
    expect(await readCapped(new Response(body.stream), 4096)).toEqual({ kind: 'too_long' })
    expect(body.pulled()).toBeLessThanOrEqual(6)
    expect(body.cancelled()).toBe(true)
  })

  it('reads nothing of a body that declares a length over the cap', async () => {
    const body = endless(1000, 1024)
    const response = new Response(body.stream, { headers: { 'content-length': String(1000 * 1024) } })
    expect(await readCapped(response, 4096)).toEqual({ kind: 'too_long' })
    expect(body.cancelled()).toBe(true)
  })

  it('reports a body that breaks off', async () => {
    const stream = new ReadableStream({
      pull(controller) {
        controller.error(new Error('reset'))
      },
    })
    expect(await readCapped(new Response(stream), 64)).toMatchObject({ kind: 'broken' })
  })
})

describe('clipText', () => {
  it('keeps short text and cuts long text, marked', () => {
    expect(clipText('short', 10)).toBe('short')
    expect(clipText('a'.repeat(25), 10)).toBe('aaaaaaaaaa… (15 more characters)')
  })

  it('never splits a surrogate pair', () => {
    expect(clipText(`${'a'.repeat(9)}😀tail`, 10)).toBe('aaaaaaaaa… (6 more characters)')
  })
})
