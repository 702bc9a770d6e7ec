/**
 * A fleet registered at the connector for a run to start from: `count` instances named
 * `{prefix}-NNN`, each with a fresh secret, in bulk calls of at most 5,000.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { AdminCall } from './connector-admin'

const PLATFORMS = ['discord', 'telegram', 'slack', 'whatsapp', 'matrix']
const BULK = 5000

export interface SeededInstance {
  id: string
  displayName: string
  gatewayId: string
  secret: string
  platforms: Array<{ platform: string; botId: string }>
}

export interface SeedOptions {
  prefix: string
  /** How many platforms instance `index` has (1–5). */
  platforms: (index: number) => number
  displayName?: (id: string) => string
}

export async function seedFleet(admin: AdminCall, count: number, options: SeedOptions): Promise<SeededInstance[]> {
  const width = String(Math.max(0, count - 1)).length
  const instances = Array.from({ length: count }, (_, i) => {
    const id = `${options.prefix}-${String(i).padStart(width, '0')}`
    return {
      id,
      displayName: options.displayName?.(id) ?? `Instance ${id}`,
      gatewayId: `gw-${id}`,
      secret: randomBytes(18).toString('base64url'),
      platforms: PLATFORMS.slice(0, options.platforms(i)).map((platform) => ({ platform, botId: `${id}-${platform}` })),
    }
  })
  for (let i = 0; i < instances.length; i += BULK) {
    await admin('POST', '/instances/bulk', { instances: instances.slice(i, i + BULK) })
  }
  return instances
}
