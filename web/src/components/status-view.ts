/**
 * How each platform state looks: badge variant, icon, label key, message tone. A `Record` over the
 * union, so adding a state fails to compile until it has a look (docs/dashboard.md, "Platform states").
 * @module
 */
import type { PlatformState } from '@relay-console/shared/platform-state'
import { isPlatformState } from '@relay-console/shared/platform-state'
import { CircleHelp, LoaderCircle, type LucideIcon, PowerOff, RefreshCw, TriangleAlert, Wifi } from 'lucide-react'

export type BadgeVariant = 'success' | 'warning' | 'destructive' | 'outline'
export type MessageTone = 'muted' | 'warning' | 'destructive'

export interface StatusView {
  variant: BadgeVariant
  Icon: LucideIcon
  labelKey: `status.${PlatformState | 'unknown'}`
  tone: MessageTone
  /** The icon turns (connecting), unless the operator prefers reduced motion. */
  spins: boolean
}

export const STATUS_VIEW = {
  connecting: { variant: 'outline', Icon: LoaderCircle, labelKey: 'status.connecting', tone: 'muted', spins: true },
  connected: { variant: 'success', Icon: Wifi, labelKey: 'status.connected', tone: 'muted', spins: false },
  retrying: { variant: 'warning', Icon: RefreshCw, labelKey: 'status.retrying', tone: 'warning', spins: false },
  fatal: { variant: 'destructive', Icon: TriangleAlert, labelKey: 'status.fatal', tone: 'destructive', spins: false },
  // Calm, not an error: neutral outline, PowerOff, muted — never red (docs/dashboard.md, "Platform states").
  disabled: { variant: 'outline', Icon: PowerOff, labelKey: 'status.disabled', tone: 'muted', spins: false },
} as const satisfies Record<PlatformState, StatusView>

export const UNKNOWN_VIEW: StatusView = {
  variant: 'outline',
  Icon: CircleHelp,
  labelKey: 'status.unknown',
  tone: 'muted',
  spins: false,
}

export function viewFor(state: string): StatusView {
  return isPlatformState(state) ? STATUS_VIEW[state] : UNKNOWN_VIEW
}
