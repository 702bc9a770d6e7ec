/**
 * Maintenance windows and webhook notifications as the API carries them (docs/api.md,
 * "Maintenance windows"; docs/notifications.md).
 * @module
 */
import { z } from 'zod'
import { BULK_MAX_IDS } from './api'
import { LabelsSchema } from './instance'

const Timestamp = z.iso.datetime({ offset: true })

/** The longest window one request may schedule: 31 days. */
export const MAINTENANCE_MAX_MS = 31 * 24 * 60 * 60 * 1000

/**
 * `POST /api/maintenance`: opt these instances out from `startsAt` to `endsAt`. Exactly one of
 * `ids` (named instances) or `selector` (every instance carrying all these labels when the window
 * starts).
 */
export const MaintenanceBodySchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1, 'name is empty')
      .max(100)
      .regex(/^[^\p{Cc}]*$/u, 'name has a control character'),
    ids: z.array(z.string().min(1).max(200)).min(1).max(BULK_MAX_IDS).optional(),
    selector: LabelsSchema.optional(),
    startsAt: Timestamp,
    endsAt: Timestamp,
  })
  .superRefine((body, ctx) => {
    if ((body.ids === undefined) === (body.selector === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'give exactly one of ids or selector' })
    }
    if (body.selector !== undefined && Object.keys(body.selector).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['selector'], message: 'selector names no label' })
    }
    const span = Date.parse(body.endsAt) - Date.parse(body.startsAt)
    if (span <= 0) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' })
    if (span > MAINTENANCE_MAX_MS)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'a window lasts 31 days at most' })
  })
export type MaintenanceBody = z.infer<typeof MaintenanceBodySchema>

/**
 * `scheduled` until it starts; `active` while its instances are out; `ended` once it opted them
 * back in (at its end, or early); `cancelled` when ended before it started.
 */
export const MAINTENANCE_STATES = ['scheduled', 'active', 'ended', 'cancelled'] as const
export const MaintenanceStateSchema = z.enum(MAINTENANCE_STATES)
export type MaintenanceState = z.infer<typeof MaintenanceStateSchema>

export const MaintenanceWindowSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The instances named, or null for a selector. */
  ids: z.array(z.string()).nullable(),
  selector: LabelsSchema.nullable(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  state: MaintenanceStateSchema,
  createdBy: z.string(),
  createdAt: Timestamp,
  /** When it opted its instances out / back in (null until it did). */
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  /** The instances it opted out: only these are opted back in at its end. */
  optedOut: z.array(z.string()),
})
export type MaintenanceWindow = z.infer<typeof MaintenanceWindowSchema>

export const MaintenanceListSchema = z.object({ windows: z.array(MaintenanceWindowSchema) })
export type MaintenanceList = z.infer<typeof MaintenanceListSchema>

/** The events a webhook may ask for (`notifications.webhooks[].events`). */
export const NOTIFICATION_EVENTS = [
  'instance.disabled',
  'instance.revoked_by_connector',
  'instance.failed',
  'instance.needs_attention',
  'instance.recovered',
  'connector.unreachable',
  'connector.recovered',
] as const
export const NotificationEventTypeSchema = z.enum(NOTIFICATION_EVENTS)
export type NotificationEventType = z.infer<typeof NotificationEventTypeSchema>

/** What an admin's "send test event" sends; never derived from the fleet. */
export const TEST_EVENT = 'test'

/** The version of the JSON body a webhook receives (docs/notifications.md). */
export const NOTIFICATION_BODY_VERSION = 1

/**
 * How one delivery stands: `pending` (waiting for its first try, its debounce, or its next
 * retry), `delivered` (2xx), `failed` (gave up: refused for good, or retried for 24 h),
 * `debounced` (a failure that recovered within the flapping window, and that recovery: nothing
 * sent), `grouped` (folded into a `connector.unreachable`).
 */
export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'debounced', 'grouped'] as const
export const DeliveryStateSchema = z.enum(DELIVERY_STATES)
export type DeliveryState = z.infer<typeof DeliveryStateSchema>

export const DeliverySchema = z.object({
  id: z.number().int(),
  /** The event's id, the same in every webhook's copy (the body's `id`). */
  eventId: z.string(),
  event: z.union([NotificationEventTypeSchema, z.literal(TEST_EVENT)]),
  /** The webhook's name (`notifications.webhooks[].name`, or its URL's host): never its URL. */
  webhook: z.string(),
  instanceId: z.string().nullable(),
  platform: z.string().nullable(),
  state: DeliveryStateSchema,
  attempts: z.number().int().nonnegative(),
  createdAt: Timestamp,
  /** The next try (pending), or null. */
  nextAttemptAt: Timestamp.nullable(),
  deliveredAt: Timestamp.nullable(),
  /** The receiver's last HTTP status, or null when none came. */
  lastStatus: z.number().int().nullable(),
  /** Why the last try failed, in English. */
  lastError: z.string().nullable(),
})
export type Delivery = z.infer<typeof DeliverySchema>

export const DeliveriesResponseSchema = z.object({ deliveries: z.array(DeliverySchema) })
export type DeliveriesResponse = z.infer<typeof DeliveriesResponseSchema>

/** `POST /api/notifications/test`: one test event to every webhook, or to the one named. */
export const TestNotificationBodySchema = z.strictObject({ webhook: z.string().min(1).max(200).optional() })
export const TestNotificationResponseSchema = z.object({ eventId: z.string(), webhooks: z.array(z.string()) })
export type TestNotificationResponse = z.infer<typeof TestNotificationResponseSchema>

/** `GET /api/notifications`: the webhooks configured, as the UI may see them (no URL, no secret). */
export const WebhookSummarySchema = z.object({
  name: z.string(),
  format: z.enum(['json', 'slack']),
  events: z.array(NotificationEventTypeSchema),
})
export const NotificationsInfoSchema = z.object({ webhooks: z.array(WebhookSummarySchema) })
export type NotificationsInfo = z.infer<typeof NotificationsInfoSchema>
