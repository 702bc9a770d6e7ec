import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConnectorAdmin, connectorAdmin } from './connector-admin'
import { type ConnectorProcess, connectorProcess } from './connector-process'
import { freePort } from './ports'
import { type TempDir, tempDir } from './temp-dir'

let dir: TempDir
let connector: ConnectorProcess

beforeAll(async () => {
  dir = tempDir()
  connector = connectorProcess({ port: await freePort(), dataDir: join(dir.path, 'connector') })
  await connector.start()
  await connectorAdmin(connector.url)('POST', '/instances', {
    gatewayId: 'gw-admin/1',
    secret: 'admin-secret-0123456789',
    platforms: [{ platform: 'discord', botId: '1' }],
  })
})

afterAll(async () => {
  await connector?.stop()
  dir?.remove()
})

describe('connectorAdmin', () => {
  it("calls /admin with the kit's admin token and returns the JSON", async () => {
    const { instances } = await connectorAdmin(connector.url)<{ instances: Array<{ gatewayId: string }> }>(
      'GET',
      '/instances',
    )
    expect(instances.map((i) => i.gatewayId)).toEqual(['gw-admin/1'])
  })

  it('throws on a non-2xx answer, naming the call and the status', async () => {
    await expect(connectorAdmin(connector.url)('GET', '/instances/gw-nobody')).rejects.toThrow(
      /^admin GET \/instances\/gw-nobody: 404 /,
    )
    await expect(connectorAdmin(connector.url, 'wrong-token')('GET', '/instances')).rejects.toThrow(/: 401 /)
  })
})

describe('ConnectorAdmin', () => {
  it('reads an instance by gateway id (escaped), and revokes it', async () => {
    const admin = new ConnectorAdmin(connector.url)
    const before = await admin.instance('gw-admin/1')
    expect(before).toMatchObject({ gatewayId: 'gw-admin/1', revoked: false })
    await expect(admin.revoke('gw-admin/1')).resolves.toMatchObject({ revoked: true })
    expect((await admin.instance('gw-admin/1')).revoked).toBe(true)
  })

  it('sets and clears faults, and rejection rules', async () => {
    const admin = new ConnectorAdmin(connector.url)
    await expect(admin.setFaults('gw-admin/1', { helloDelayMs: 100 })).resolves.toMatchObject({ helloDelayMs: 100 })
    await admin.clearFaults('gw-admin/1')
    await expect(admin.rejectUpgrades({ gatewayId: 'gw-admin/1', count: 1 })).resolves.toEqual({ ok: true })
    await expect(admin.clearRejections('gw-admin/1')).resolves.toEqual({ ok: true })
  })
})
