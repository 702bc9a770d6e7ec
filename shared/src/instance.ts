/**
 * A managed instance: its desired relay state (`optedIn`, `pending`) kept apart from what is observed
 * on its socket (`platforms[].state`).
 * @module
 */
import { z } from 'zod'
import { PlatformStatusSchema } from './platform-state'

export const PENDING_INTENTS = ['opting_out', 'opting_in'] as const
export const PendingIntentSchema = z.enum(PENDING_INTENTS)
export type PendingIntent = z.infer<typeof PendingIntentSchema>

export const InstanceSchema = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  gatewayId: z.string().min(1),
  /** Desired state: what the operator (or the connector's revocation) last decided. */
  optedIn: z.boolean(),
  pending: PendingIntentSchema.nullable(),
  platforms: z.array(PlatformStatusSchema),
})
export type Instance = z.infer<typeof InstanceSchema>
