/**
 * The embedded default of `npm start`: the reference connector in-process, with demo traffic, and
 * a few demo instances that the console provisions at start like any other.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { type RunningConnector, startConnector } from '@relay-console/connector'
import { type Clock, systemClock, type TimerHandle } from '@relay-console/shared/clock'
import type { Logger } from 'pino'
import type { ResolvedInstance, RuntimeConfig } from '../config/load'
import { EventsSchema, RelayTimingsSchema } from '../config/schema'

/** A demo instance: gateway id `gw-{id}`, no secret (provisioned at start), these platforms and bot ids. */
export function demoInstance(
  id: string,
  displayName: string,
  platforms: Array<[string, string]>,
  labels: Record<string, string> = {},
): ResolvedInstance {
  return {
    id,
    displayName,
    gatewayId: `gw-${id}`,
    platforms: platforms.map(([platform, botId]) => ({ platform, botId })),
    labels,
    configSecret: null,
  }
}

export const DEMO_INSTANCES: ResolvedInstance[] = [
  demoInstance(
    'acme',
    'Acme support',
    [
      ['discord', '1234'],
      ['telegram', 'acme_bot'],
    ],
    { tenant: 'acme', region: 'eu-west', env: 'prod' },
  ),
  demoInstance(
    'globex',
    'Globex helpdesk',
    [
      ['slack', 'B0GLOBEX'],
      ['discord', '5678'],
      ['whatsapp', '+15550100'],
    ],
    { tenant: 'globex', region: 'us-east', env: 'prod' },
  ),
  demoInstance(
    'initech',
    'Initech ops bot',
    [
      ['telegram', 'initech_ops_bot'],
      ['matrix', '@ops:initech.example'],
    ],
    { tenant: 'initech', region: 'eu-west', env: 'staging' },
  ),
  demoInstance(
    'umbrella',
    'Umbrella research',
    [
      ['slack', 'B0UMBRELLA'],
      ['telegram', 'umbrella_lab_bot'],
    ],
    { tenant: 'umbrella', region: 'ap-south', env: 'prod' },
  ),
]

export interface EmbeddedDemo {
  config: RuntimeConfig
  connector: RunningConnector
  stop(): Promise<void>
}

/**
 * Starts the connector (port 8788, or any free one if taken) with its store next to the console's,
 * so the two are reset together. Every so often the demo restarts one instance's socket, so an
 * operator sees a platform go Retrying and come back.
 */
export async function startEmbeddedDemo(options: {
  stateDir: string
  listen: { host: string; port: number }
  logger: Logger
  clock?: Clock
}): Promise<EmbeddedDemo> {
  const clock = options.clock ?? systemClock
  const identityToken = `idt_${randomBytes(24).toString('base64url')}`
  const common = {
    dataDir: join(options.stateDir, 'connector'),
    identityTokens: { [identityToken]: 'demo' },
    demoTrafficMs: 2500,
    logger: options.logger.child({ name: 'embedded-connector' }),
  }
  let connector: RunningConnector
  try {
    connector = await startConnector({ ...common, port: 8788 })
  } catch {
    connector = await startConnector({ ...common, port: 0 })
  }

  let timer: TimerHandle | null = null
  const blip = async () => {
    const instance = DEMO_INSTANCES[Math.floor(Math.random() * DEMO_INSTANCES.length)]
    if (instance !== undefined) {
      await fetch(`${connector.httpUrl}/admin/instances/${instance.gatewayId}/close`, {
        method: 'POST',
        headers: { authorization: `Bearer ${connector.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code: 1012, reason: 'service restart (demo)' }),
      }).catch(() => undefined)
    }
    timer = clock.setTimeout(() => void blip(), 45_000)
  }
  timer = clock.setTimeout(() => void blip(), 45_000)

  return {
    connector,
    config: {
      listen: options.listen,
      stateDir: options.stateDir,
      connectorUrl: connector.url,
      identityToken,
      identityTokenEnv: 'RELAY_IDENTITY_TOKEN',
      instances: DEMO_INSTANCES,
      relay: RelayTimingsSchema.parse({}),
      events: EventsSchema.parse({}),
      allowedHosts: [],
    },
    async stop() {
      if (timer !== null) clock.clearTimeout(timer)
      await connector.stop()
    },
  }
}
