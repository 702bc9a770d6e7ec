import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectorAdmin } from './connector-admin'
import { type ConnectorProcess, connectorProcess } from './connector-process'
import { freePort } from './ports'
import { type TempDir, tempDir } from './temp-dir'

let dir: TempDir
let connector: ConnectorProcess

beforeAll(async () => {
  dir = tempDir()
  connector = connectorProcess({
    port: await freePort(),
    dataDir: join(dir.path, 'connector'),
    args: ['--log-level', 'warn'],
  })
})

afterAll(async () => {
  await connector?.stop()
  dir?.remove()
})

describe('connectorProcess', () => {
  it('runs nothing until started, then is healthy on its port', async () => {
    expect(connector.proc).toBeNull()
    await connector.start()
    expect(connector.proc?.child.exitCode).toBeNull()
    expect((await fetch(`${connector.url}/healthz`)).ok).toBe(true)
  })

  it('stops, and starts again on the same port with the same store', async () => {
    const admin = connectorAdmin(connector.url)
    await admin('POST', '/instances', { gatewayId: 'gw-kept', secret: 'kept-secret-0123456789' })
    const first = connector.proc
    await connector.stop()
    expect(connector.proc).toBeNull()
    // SIGTERM: the connector shuts down on its own terms.
    expect(first?.child.exitCode).toBe(0)

    await connector.start()
    expect(connector.proc).not.toBe(first)
    await expect(admin('GET', '/instances/gw-kept')).resolves.toMatchObject({ gatewayId: 'gw-kept' })
  })

  it('kill() is a SIGKILL, and a second kill or stop does nothing', async () => {
    const running = connector.proc
    await connector.kill()
    expect(running?.child.signalCode).toBe('SIGKILL')
    expect(connector.proc).toBeNull()
    await connector.kill()
    await connector.stop()
    await expect(fetch(`${connector.url}/healthz`)).rejects.toThrow()
  })
})
