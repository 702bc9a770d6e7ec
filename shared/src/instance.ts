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

/** Label keys and values (docs/configuration.md, `instances[].labels`): `tenant: acme`, `region: eu-west`. */
export const LABEL_PATTERN = /^[A-Za-z0-9._-]{1,63}$/
export const LabelsSchema = z.record(
  z.string().regex(LABEL_PATTERN, 'label keys are 1–63 letters, digits, ".", "_" or "-"'),
  z.string().regex(LABEL_PATTERN, 'label values are 1–63 letters, digits, ".", "_" or "-"'),
)
export type Labels = z.infer<typeof LabelsSchema>

/** Why an instance is opted out: an operator chose it, the connector revoked it, or a maintenance window. */
export const DISABLED_SOURCES = ['operator', 'connector', 'maintenance'] as const
export const DisabledBySchema = z.object({
  source: z.enum(DISABLED_SOURCES),
  /** The operator's name, `connector`, or `maintenance:{name}`. */
  actor: z.string(),
  /** A maintenance window's end: when it opts the instance back in. */
  until: z.iso.datetime({ offset: true }).optional(),
})
export type DisabledBy = z.infer<typeof DisabledBySchema>

/** Who opts an instance out, by the audit actor that asked. */
export const disabledByActor = (actor: string): DisabledBy => ({
  source: actor === 'connector' ? 'connector' : actor.startsWith('maintenance:') ? 'maintenance' : 'operator',
  actor,
})

export const InstanceSchema = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  gatewayId: z.string().min(1),
  /** Desired state: what the operator (or the connector's revocation) last decided. */
  optedIn: z.boolean(),
  pending: PendingIntentSchema.nullable(),
  platforms: z.array(PlatformStatusSchema),
  /** From the config; the console always sends them (`{}` for none). */
  labels: LabelsSchema.optional(),
  /** While opted out: who opted it out (null when opted in, or when not known: opted out before it was kept). */
  disabledBy: DisabledBySchema.nullable().optional(),
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
