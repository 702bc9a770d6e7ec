/**
 * A private stack for tests that restart a server or need a fresh console: the reference connector
 * and the console as real child processes on free loopback ports, with their own state directory.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, type Proc, run, waitHealthy } from '@relay-console/bench/procs'
import { ConnectorAdmin } from './connector-admin'
import { consoleConfig, type FAST_RELAY, type InstanceDef, PROCESS_ENV } from './env'

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
    const args = ['--port', String(connectorPort), '--data', join(dir, 'connector'), '--ping-interval-ms', '5000']
    connectorProc = run(['connector/src/main.ts', ...args], PROCESS_ENV)
    await waitHealthy(connectorUrl, connectorProc, 30_000)
  }
  const startConsole = async () => {
    consoleProc = run(['bff/src/main.ts', '--config', configFile], PROCESS_ENV)
    await waitHealthy(consoleUrl, consoleProc, 30_000)
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
    stopConnector: async () => connectorProc?.stop(),
    startConnector,
    stopConsole: async () => consoleProc?.stop(),
    startConsole,
    async stop() {
      await Promise.all([consoleProc?.stop(), connectorProc?.stop()])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
