/**
 * A private stack for tests that restart a server or need a fresh console: the reference connector
 * and the console as real child processes on free loopback ports, with their own state directory.
 * @module
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConnectorAdmin } from '@relay-console/testkit/connector-admin'
import { connectorProcess } from '@relay-console/testkit/connector-process'
import { freePort } from '@relay-console/testkit/ports'
import { type Proc, run, waitHealthy } from '@relay-console/testkit/procs'
import { tempDir } from '@relay-console/testkit/temp-dir'
import { sleep } from '@relay-console/testkit/time'
import { ADMIN_TOKEN, consoleConfig, type FAST_RELAY, type InstanceDef, PROCESS_ENV } from './env'

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
  const dir = tempDir('relay-console-e2e-')
  const [consolePort, connectorPort] = [await freePort(), await freePort()]
  const configFile = join(dir.path, 'console.json')
  writeFileSync(
    configFile,
    JSON.stringify(
      consoleConfig({
        port: consolePort,
        connectorPort,
        stateDir: join(dir.path, 'console'),
        instances: options.instances,
        relay: options.relay,
      }),
    ),
  )
  const consoleUrl = `http://127.0.0.1:${consolePort}`
  const connectorProc = connectorProcess({
    port: connectorPort,
    dataDir: join(dir.path, 'connector'),
    args: ['--ping-interval-ms', '5000'],
    env: PROCESS_ENV,
    healthTimeoutMs: 30_000,
  })
  const connector = new ConnectorAdmin(connectorProc.url, ADMIN_TOKEN)
  let consoleProc: Proc | null = null

  const startConnector = () => connectorProc.start()
  const startConsole = async () => {
    consoleProc = run(['bff/src/main.ts', '--config', configFile], PROCESS_ENV)
    await waitHealthy(consoleUrl, consoleProc, 30_000)
    const proc = consoleProc
    const deadline = Date.now() + 10_000
    while (!/auth\/link\//.test(proc.output()) && Date.now() < deadline) await sleep(50)
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
    stopConnector: () => connectorProc.stop(),
    startConnector,
    stopConsole: async () => consoleProc?.stop(),
    startConsole,
    async stop() {
      await Promise.all([consoleProc?.stop(), connectorProc.stop()])
      dir.remove()
    },
  }
}
