import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConsoleProcess, consoleProcess } from './console-process'
import { freePort } from './ports'
import { type TempDir, tempDir } from './temp-dir'

let dir: TempDir
let configFile: string
const running: ConsoleProcess[] = []

beforeAll(() => {
  dir = tempDir()
  configFile = join(dir.path, 'console.json')
  // No instances: nothing to dial, so no connector is needed.
  writeFileSync(
    configFile,
    JSON.stringify({ stateDir: join(dir.path, 'state'), connector: { url: 'ws://127.0.0.1:9' }, instances: [] }),
  )
})

afterAll(async () => {
  for (const c of running) await c.kill()
  dir?.remove()
})

const healthy = async (url: string) => {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(500) })).ok
  } catch {
    return false
  }
}

describe('consoleProcess', () => {
  it('starts the console on the port given, hands over its lines, freezes and thaws, and drains on stop', async () => {
    const lines: string[] = []
    const c = consoleProcess({
      configFile,
      port: await freePort(),
      env: { LOG_LEVEL: 'info' },
      onLine: (line, stream) => lines.push(`${stream}: ${line}`),
    })
    running.push(c)
    expect(c.proc).toBeNull()
    await c.start()
    expect(await healthy(c.url)).toBe(true)
    expect(lines.some((l) => l.startsWith('stdout: {') && l.includes('relay console listening'))).toBe(true)

    c.pause()
    expect(await healthy(c.url)).toBe(false)
    c.resume()
    expect(await healthy(c.url)).toBe(true)

    const proc = c.proc
    // Frozen when told to stop: it is thawed first, so the SIGTERM is taken.
    c.pause()
    await c.stop()
    expect(proc?.child.exitCode).toBe(0)
    expect(c.proc).toBeNull()
  }, 60_000)

  it('kill() is a SIGKILL', async () => {
    const c = consoleProcess({ configFile, port: await freePort() })
    running.push(c)
    await c.start()
    const proc = c.proc
    await c.kill()
    expect(proc?.child.signalCode).toBe('SIGKILL')
    expect(await healthy(c.url)).toBe(false)
  }, 60_000)
})
