import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type Proc, REPO, run, waitHealthy } from './procs'
import { sleep } from './time'
import { TOKENS } from './tokens'

const procs: Proc[] = []
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')))
})

function node(script: string, env: Record<string, string> = {}): Proc {
  const proc = run(['-e', script], env)
  procs.push(proc)
  return proc
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

const FOREVER = 'setInterval(() => {}, 1000)'

describe('REPO', () => {
  it('is the repository root', () => {
    expect(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).name).toBe('relay-console')
  })
})

describe('run', () => {
  it("runs node itself in the repo, with the kit's tokens and LOG_LEVEL=warn unless told otherwise", async () => {
    const proc = node(
      'console.log(JSON.stringify({ cwd: process.cwd(), token: process.env.RELAY_CONSOLE_TOKEN, level: process.env.LOG_LEVEL, extra: process.env.EXTRA }))',
      { EXTRA: 'yes', LOG_LEVEL: 'debug' },
    )
    await once(proc.child, 'exit')
    expect(JSON.parse(proc.output())).toEqual({
      cwd: REPO,
      token: TOKENS.RELAY_CONSOLE_TOKEN,
      level: 'debug',
      extra: 'yes',
    })
  })

  it('keeps stdout and stderr, and the pid is the node process', async () => {
    const proc = node(`console.log('out', process.pid); console.error('err'); ${FOREVER}`)
    await until(() => proc.output().includes('err'), 'both lines')
    expect(proc.output()).toContain(`out ${proc.pid}`)
  })

  it('stop() resolves once the process has exited, and again when it is already gone', async () => {
    const proc = node(FOREVER)
    await proc.stop()
    expect(proc.child.signalCode).toBe('SIGTERM')
    await proc.stop()
  })

  it('stop(SIGKILL) ends a process that ignores SIGTERM', async () => {
    const proc = node(`process.on('SIGTERM', () => {}); console.log('ready'); ${FOREVER}`)
    await until(() => proc.output().includes('ready'), 'ready')
    await proc.stop('SIGKILL')
    expect(proc.child.signalCode).toBe('SIGKILL')
  })
})

describe('waitHealthy', () => {
  it('polls /healthz until it answers 2xx', async () => {
    let calls = 0
    const server = createServer((req, res) => {
      calls += req.url === '/healthz' ? 1 : 0
      res.writeHead(calls < 3 ? 503 : 200).end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const { port } = server.address() as AddressInfo
      await waitHealthy(`http://127.0.0.1:${port}`, node(FOREVER), 5000)
      expect(calls).toBe(3)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it("throws with the process's output when it exits first", async () => {
    const proc = node("console.error('config is bad'); setTimeout(() => process.exit(3), 200)")
    await expect(waitHealthy('http://127.0.0.1:9', proc, 10_000)).rejects.toThrow(/exited \(3\)[\s\S]*config is bad/)
  })
})
