/**
 * Maintenance windows and notifications over HTTP (docs/api.md, "Maintenance windows";
 * docs/notifications.md): `/api/maintenance` for operators, `/api/notifications` for admins
 * (the roles are in access.ts).
 * @module
 */
import {
  type DeliveriesResponse,
  type Delivery,
  MaintenanceBodySchema,
  TestNotificationBodySchema,
} from '@relay-console/shared/fleet-ops'
import { Hono } from 'hono'
import type { Maintenance } from '../../maintenance/windows'
import type { Notifications } from '../../notify/notifications'
import type { ConsoleState } from '../../state/console-state'
import type { OutboxRecord, StateStore } from '../../state/store'
import { ApiError, readJson } from '../errors'
import type { AppEnv } from '../guards'

/** The most deliveries one page of the log lists. */
const MAX_DELIVERIES = 500

export function maintenanceRoutes(state: ConsoleState, maintenance: Maintenance, now: () => number) {
  const app = new Hono<AppEnv>()
  app.get('/', async (c) => c.json({ windows: await maintenance.list() }))
  app.post('/', async (c) => {
    const body = await readJson(c, MaintenanceBodySchema)
    if (Date.parse(body.endsAt) <= now()) {
      throw new ApiError(400, 'invalid_body', 'endsAt: the window would be over before it starts')
    }
    const unknown = (body.ids ?? []).filter((id) => state.get(id) === undefined)
    if (unknown.length > 0) {
      const named = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '')
      throw new ApiError(400, 'unknown_instance', `no instance with id ${named}; nothing was scheduled`)
    }
    return c.json(await maintenance.schedule(body, c.get('operator').name), 201)
  })
  app.delete('/:id', async (c) => {
    const ended = await maintenance.end(c.req.param('id'))
    if (ended === null) throw new ApiError(404, 'unknown_window', 'no maintenance window with that id')
    return c.json(ended)
  })
  return app
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function toDelivery(r: OutboxRecord): Delivery {
  return {
    id: r.id,
    eventId: r.eventId,
    event: r.type as Delivery['event'],
    webhook: r.webhook,
    instanceId: r.instanceId,
    platform: r.platform,
    state: r.state,
    attempts: r.attempts,
    createdAt: new Date(r.createdAt).toISOString(),
    nextAttemptAt: r.state === 'pending' ? iso(r.dueAt) : null,
    deliveredAt: iso(r.deliveredAt),
    lastStatus: r.lastStatus,
    lastError: r.lastError,
  }
}

export function notificationRoutes(notifications: Notifications, store: StateStore) {
  const app = new Hono<AppEnv>()
  app.get('/', (c) => c.json(notifications.info()))
  app.get('/deliveries', async (c) => {
    const limit = Math.min(Math.max(1, Number(c.req.query('limit') ?? 100) || 100), MAX_DELIVERIES)
    return c.json({ deliveries: (await store.deliveries(limit)).map(toDelivery) } satisfies DeliveriesResponse)
  })
  app.post('/test', async (c) => {
    const { webhook } = await readJson(c, TestNotificationBodySchema)
    const sent = await notifications.sendTest(webhook, c.get('operator').name)
    if (sent === null) {
      const message =
        webhook === undefined ? 'no webhook is configured (notifications.webhooks)' : `no webhook named ${webhook}`
      throw new ApiError(404, 'unknown_webhook', message)
    }
    return c.json(sent, 202)
  })
  return app
}
