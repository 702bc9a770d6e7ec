import { describe, expect, it, vi } from 'vitest'
import { createClientQueue } from './sse'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (chunk: Uint8Array) => new TextDecoder().decode(chunk)

describe('createClientQueue', () => {
  it('writes at once when idle, and coalesces what piles up during a write into one write', async () => {
    const writes: string[] = []
    let release: () => void = () => {}
    const queue = createClientQueue({
      write: (chunk) => {
        writes.push(text(chunk))
        return new Promise<void>((resolve) => {
          release = resolve
        })
      },
      maxBytes: 1000,
      onOverflow: vi.fn(),
      onError: vi.fn(),
    })
    queue.push(bytes('a'))
    queue.push(bytes('b'))
    queue.push(bytes('c'))
    expect(writes).toEqual(['a'])
    release()
    await vi.waitFor(() => expect(writes).toEqual(['a', 'bc']))
  })

  it('drops a client that lets too much pile up, once, and takes nothing after', () => {
    const onOverflow = vi.fn()
    const write = vi.fn(() => new Promise<void>(() => {})) // a reader that never reads
    const queue = createClientQueue({ write, maxBytes: 10, onOverflow, onError: vi.fn() })
    queue.push(bytes('x')) // in flight
    queue.push(bytes('0123456789')) // 10 bytes waiting: still fine
    expect(onOverflow).not.toHaveBeenCalled()
    queue.push(bytes('!')) // 11: dropped
    queue.push(bytes('more'))
    expect(onOverflow).toHaveBeenCalledTimes(1)
    expect(write).toHaveBeenCalledTimes(1)
  })

  it('sends one big chunk (a snapshot) at once, however large', () => {
    const onOverflow = vi.fn()
    const write = vi.fn(() => new Promise<void>(() => {}))
    const queue = createClientQueue({ write, maxBytes: 10, onOverflow, onError: vi.fn() })
    queue.push(bytes('x'.repeat(1000)))
    expect(write).toHaveBeenCalledTimes(1)
    expect(onOverflow).not.toHaveBeenCalled()
  })

  it('reports a failed write', async () => {
    const onError = vi.fn()
    const queue = createClientQueue({
      write: () => Promise.reject(new Error('gone')),
      maxBytes: 10,
      onOverflow: vi.fn(),
      onError,
    })
    queue.push(bytes('x'))
    await vi.waitFor(() => expect(onError).toHaveBeenCalled())
  })
})
