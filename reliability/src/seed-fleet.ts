/**
 * The fleet a reliability run starts from: `count` instances named `{prefix}-NNN`, each with one to
 * three platforms and a fresh secret, registered at the connector in one bulk call.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { AdminCall } from '@relay-console/testkit/connector-admin'

const PLATFORMS = ['discord', 'telegram', 'slack']

export interface SeededInstance {
  id: string
  gatewayId: string
  secret: string
  platforms: Array<{ platform: string; botId: string }>
}

export async function seedFleet(admin: AdminCall, count: number, prefix: string): Promise<SeededInstance[]> {
  const width = String(count - 1).length
  const seeded = Array.from({ length: count }, (_, i) => {
    const id = `${prefix}-${String(i).padStart(width, '0')}`
    return {
      id,
      gatewayId: `gw-${id}`,
      secret: randomBytes(18).toString('base64url'),
      platforms: PLATFORMS.slice(0, 1 + (i % PLATFORMS.length)).map((platform) => ({
        platform,
        botId: `${id}-${platform}`,
      })),
    }
  })
  await admin('POST', '/instances/bulk', { instances: seeded })
  return seeded
}
