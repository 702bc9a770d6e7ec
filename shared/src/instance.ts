/**
 * A managed instance: its desired relay state (`optedIn`, `pending`) kept apart from what is observed
 * on its socket (`platforms[].state`).
 * @module
 */
import { z } from 'zod'
import { PlatformStatusSchema } from './platform-state'

/** A platform an instance fronts and its bot there: what the config lists and each `hello` frame says. */
export interface PlatformIdentity {
  platform: string
  botId: string
}

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

/**
 * What a client accepts from the wire: a platform state this version does not know is kept (and
 * shown as "unknown"), not rejected — a newer console must not break an older browser tab.
 */
export const ClientPlatformStatusSchema = PlatformStatusSchema.extend({ state: z.string().min(1) })
export type ClientPlatformStatus = z.infer<typeof ClientPlatformStatusSchema>

export const ClientInstanceSchema = InstanceSchema.extend({ platforms: z.array(ClientPlatformStatusSchema) })
export type ClientInstance = z.infer<typeof ClientInstanceSchema>
