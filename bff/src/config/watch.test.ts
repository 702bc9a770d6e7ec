import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { tempDir, until } from '../test-support'
import { ConfigError, type RuntimeConfig } from './load'
import { type ConfigWatch, watchConfigFile } from './watch'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** A config file whose content is a number: what the fake loader hands over, or refuses when negative. */
function setup(options: { apply?: (config: RuntimeConfig) => Promise<unknown> } = {}) {
  const dir = tempDir()
  const file = join(dir, 'console.json')
  writeFileSync(file, '1')
  const applied: number[] = []
  const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
  const watch: ConfigWatch = watchConfigFile({
    file,
    load: (path) => {
      const n = Number(readFileSync(path, 'utf8'))
      if (n < 0) throw new ConfigError(path, ['instances[0].platforms: needs at least one platform'])
      return { generation: n } as unknown as RuntimeConfig
    },
    apply:
      options.apply ??
      (async (config) => {
        applied.push((config as unknown as { generation: number }).generation)
      }),
    log,
  })
  cleanups.push(() => {
    watch.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { dir, file, applied, log, watch }
}

describe('watchConfigFile', () => {
  it('reloads when asked (SIGHUP)', async () => {
    const { file, applied, watch } = setup()
    writeFileSync(file, '2')
    watch.reload('SIGHUP')
    await until('applied', () => applied.length > 0)
    expect(applied[0]).toBe(2)
  })

  it('reloads once the file has changed and stayed quiet, also when it is replaced, and ignores its neighbours', async () => {
    const { dir, file, applied } = setup()
    writeFileSync(join(dir, 'other.json'), 'x')
    writeFileSync(file, '2')
    writeFileSync(file, '3')
    await until('applied', () => applied.length > 0)
    await new Promise((r) => setTimeout(r, 400))
    expect(applied).toEqual([3])

    // An editor's save: a new file renamed over the old one.
    writeFileSync(join(dir, 'console.json.tmp'), '4')
    renameSync(join(dir, 'console.json.tmp'), file)
    await until('applied again', () => applied.length > 1)
    expect(applied.at(-1)).toBe(4)
  })

  it('refuses a file that does not load, naming the field, and applies nothing', async () => {
    const { file, applied, log, watch } = setup()
    writeFileSync(file, '-1')
    watch.reload('SIGHUP')
    await until('logged', () => log.error.mock.calls.length > 0)
    expect(applied).toEqual([])
    expect(log.error.mock.calls[0]?.[1]).toContain('instances[0].platforms: needs at least one platform')
    expect(log.error.mock.calls[0]?.[1]).toContain('the running instances stay')
  })

  it('never runs two reloads at once: those asked for meanwhile become one, after it', async () => {
    let running = 0
    let most = 0
    const order: number[] = []
    const { watch } = setup({
      apply: async (config) => {
        running++
        most = Math.max(most, running)
        await new Promise((r) => setTimeout(r, 50))
        order.push((config as unknown as { generation: number }).generation)
        running--
      },
    })
    watch.reload('SIGHUP')
    watch.reload('SIGHUP')
    watch.reload('SIGHUP')
    await until('two reloads', () => order.length === 2)
    await new Promise((r) => setTimeout(r, 100))
    expect(order).toEqual([1, 1])
    expect(most).toBe(1)
  })

  it('does nothing once closed', async () => {
    const { file, applied, watch } = setup()
    watch.close()
    writeFileSync(file, '2')
    watch.reload('SIGHUP')
    await new Promise((r) => setTimeout(r, 400))
    expect(applied).toEqual([])
  })
})
