import { describe, expect, it } from 'vitest'
import { createSerialQueue } from './serial-queue'

/** A task that finishes when the test says so. */
function gate() {
  let open: () => void = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

describe('createSerialQueue', () => {
  it('runs the tasks of one key one after another, in the order asked, even past a failure', async () => {
    const queue = createSerialQueue()
    const order: string[] = []
    const first = gate()
    const a = queue.run('acme', async () => {
      order.push('a:start')
      await first.opened
      order.push('a:end')
      throw new Error('a failed')
    })
    const b = queue.run('acme', async () => {
      order.push('b')
      return 'b done'
    })
    await Promise.resolve()
    expect(order).toEqual(['a:start'])
    first.open()
    await expect(a).rejects.toThrow('a failed')
    await expect(b).resolves.toBe('b done')
    expect(order).toEqual(['a:start', 'a:end', 'b'])
  })

  it('never makes one key wait for another', async () => {
    const queue = createSerialQueue()
    const blocked = gate()
    void queue.run('acme', () => blocked.opened)
    await expect(queue.run('globex', async () => 'globex ran')).resolves.toBe('globex ran')
    blocked.open()
  })

  it('forgets a key once its last task settled, and idle() waits for all of them', async () => {
    const queue = createSerialQueue()
    const blocked = gate()
    let done = false
    void queue.run('acme', async () => {
      await blocked.opened
      done = true
    })
    expect(queue.size).toBe(1)
    const idle = queue.idle()
    blocked.open()
    await idle
    expect(done).toBe(true)
    await new Promise((resolve) => setImmediate(resolve))
    expect(queue.size).toBe(0)
  })
})
