/**
 * Platform states and the per-platform status an instance reports (docs/dashboard.md, "Platform states").
 * @module
 */
import { z } from 'zod'

export const PLATFORM_STATES = ['connecting', 'connected', 'retrying', 'fatal', 'disabled'] as const

export const PlatformStateSchema = z.enum(PLATFORM_STATES)
export type PlatformState = z.infer<typeof PlatformStateSchema>

const Timestamp = z.iso.datetime({ offset: true })

export const PlatformStatusSchema = z.object({
  platform: z.string().min(1),
  label: z.string().nullable(),
  emoji: z.string().nullable(),
  state: PlatformStateSchema,
  errorCode: z.string().nullable(),
  /** English, for logs and API users; the UI translates by `errorCode`. */
  errorMessage: z.string().nullable(),
  updatedAt: Timestamp,
  attempt: z.number().int().nonnegative(),
  nextRetryAt: Timestamp.nullable(),
  retryingSince: Timestamp.nullable(),
  needsAttention: z.boolean(),
})
export type PlatformStatus = z.infer<typeof PlatformStatusSchema>

/**
 * Where every platform of a new transport starts: `connecting`, with no error. The label and
 * emoji of the last status carry over (a restarted console, an instance opted back in), so a card
 * keeps its names until the next descriptor.
 */
export function connectingStatus(platform: string, at: string, last?: PlatformStatus): PlatformStatus {
  return {
    platform,
    label: last?.label ?? null,
    emoji: last?.emoji ?? null,
    state: 'connecting',
    errorCode: null,
    errorMessage: null,
    updatedAt: at,
    attempt: 0,
    nextRetryAt: null,
    retryingSince: null,
    needsAttention: false,
  }
}

export function isPlatformState(value: unknown): value is PlatformState {
  return typeof value === 'string' && (PLATFORM_STATES as readonly string[]).includes(value)
}
