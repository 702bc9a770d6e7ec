/**
 * A private stack for tests that restart a server or need a fresh console: the reference connector
 * and the console as real child processes on free loopback ports, with their own state directory.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConnectorAdmin } from './connector-admin'
import { consoleConfig, type FAST_RELAY, type InstanceDef, PROCESS_ENV, REPO, TSX } from './env'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

async function waitHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}):\n${output()}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not become healthy:\n${output()}`)
}

interface Proc {
  child: ChildProcess
  output: () => string
}

function run(args: string[]): Proc {
  const child = spawn(TSX, args, {
    cwd: REPO,
    env: { ...process.env, ...PROCESS_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d) => {
    output += d
  })
  child.stderr?.on('data', (d) => {
    output += d
  })
  return { child, output: () => output }
}

function stop(proc: Proc | null): Promise<void> {
  if (proc === null || proc.child.exitCode !== null || proc.child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    proc.child.once('exit', () => resolve())
    proc.child.kill('SIGTERM')
  })
}

export interface PrivateStack {
  consoleUrl: string
  connector: ConnectorAdmin
  /** The one-time login link the console printed when it last started. */
  loginLink(): string
  stopConnector(): Promise<void>
  startConnector(): Promise<void>
  stopConsole(): Promise<void>
  startConsole(): Promise<void>
  stop(): Promise<void>
}

export async function startPrivateStack(options: {
  instances: InstanceDef[]
  relay?: Partial<typeof FAST_RELAY>
  /** Runs after the connector is up and before the console starts (to inject faults). */
  beforeConsole?: (connector: ConnectorAdmin) => Promise<void>
}): Promise<PrivateStack> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-console-e2e-'))
  const [consolePort, connectorPort] = [await freePort(), await freePort()]
  const configFile = join(dir, 'console.json')
  writeFileSync(
    configFile,
    JSON.stringify(
      consoleConfig({
        port: consolePort,
        connectorPort,
        stateDir: join(dir, 'console'),
        instances: options.instances,
        relay: options.relay,
      }),
    ),
  )
  const consoleUrl = `http://127.0.0.1:${consolePort}`
  const connectorUrl = `http://127.0.0.1:${connectorPort}`
  const connector = new ConnectorAdmin(connectorUrl)
  let connectorProc: Proc | null = null
  let consoleProc: Proc | null = null

  const startConnector = async () => {
    connectorProc = run([
      'connector/src/main.ts',
      '--port',
      String(connectorPort),
      '--data',
      join(dir, 'connector'),
      '--ping-interval-ms',
      '5000',
    ])
    await waitHealthy(connectorUrl, connectorProc.child, connectorProc.output)
  }
  const startConsole = async () => {
    consoleProc = run(['bff/src/main.ts', '--config', configFile])
    await waitHealthy(consoleUrl, consoleProc.child, consoleProc.output)
    const proc = consoleProc
    const deadline = Date.now() + 10_000
    while (!/auth\/link\//.test(proc.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  }

  await startConnector()
  await options.beforeConsole?.(connector)
  await startConsole()

  return {
    consoleUrl,
    connector,
    loginLink() {
      const links = [...(consoleProc?.output() ?? '').matchAll(/(http:\/\/\S+\/auth\/link\/\S+)/g)]
      const link = links.at(-1)?.[1]
      if (link === undefined) throw new Error('the console printed no login link')
      return link
    },
    stopConnector: () => stop(connectorProc),
    startConnector,
    stopConsole: () => stop(consoleProc),
    startConsole,
    async stop() {
      await Promise.all([stop(consoleProc), stop(connectorProc)])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
