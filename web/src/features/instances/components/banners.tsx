/**
 * Page-level banners: a fleet-level incident (most sockets failing alike), platforms that need an
 * operator (failed, or retrying for hours) — never for Disabled, which an operator chose — and the
 * stale-view warning when live updates stop.
 * @module
 */
import { CloudOff, type LucideIcon, TriangleAlert, Unplug } from 'lucide-react'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { useNow } from '../../../hooks/use-now'
import { cn } from '../../../lib/cn'
import { clockTime, relativeTime } from '../../../lib/format'
import type { ActionNeeded } from '../model/fleet'
import type { FleetIncident } from '../model/incident'
import { errorText } from '../model/messages'

const SHOWN = 5

/** `onShow`: brings that instance's card into view and moves focus to it. */
export function ActionBanner({ items, onShow }: { items: ActionNeeded[]; onShow: (instanceId: string) => void }) {
  const { t } = useTranslation()
  if (items.length === 0) return null
  return (
    <Banner testId="action-banner" tone="destructive" Icon={TriangleAlert}>
      <div>
        <p className="font-semibold">{t('banner.actionNeeded', { count: items.length })}</p>
        <ul className="mt-1 list-disc ps-5 text-sm">
          {items.slice(0, SHOWN).map(({ instance, platform, kind }) => (
            <li key={`${instance.id}/${platform.platform}`}>
              <button
                type="button"
                className="text-start underline underline-offset-2 hover:no-underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
                onClick={() => onShow(instance.id)}
              >
                {t(kind === 'fatal' ? 'banner.fatal' : 'banner.attention', {
                  instance: instance.displayName,
                  platform: platform.label ?? platform.platform,
                })}
              </button>
            </li>
          ))}
          {items.length > SHOWN && <li>{t('banner.more', { count: items.length - SHOWN })}</li>}
        </ul>
      </div>
    </Banner>
  )
}

/** Most of the fleet failing alike: one line for it, instead of a wall of identical amber cards. */
export function IncidentBanner({ incident }: { incident: FleetIncident }) {
  const { t, i18n } = useTranslation()
  const count = incident.affected
  const time = clockTime(incident.since, i18n.language)
  return (
    <Banner testId="fleet-incident" tone="warning" Icon={Unplug}>
      <p className="font-semibold" data-error-code={incident.errorCode}>
        {incident.errorCode === 'relay_dial_failed'
          ? t('incident.connectorUnreachable', { count, time })
          : t('incident.failingAlike', { count, time, reason: errorText(incident.errorCode, t) })}
      </p>
    </Banner>
  )
}

export function StaleBanner({ lastEventAt }: { lastEventAt: number | null }) {
  const { t, i18n } = useTranslation()
  const now = useNow()
  return (
    <Banner testId="stale-banner" tone="warning" Icon={CloudOff} className="items-start">
      <p className="text-sm">
        {t('banner.stale')}
        {lastEventAt !== null && (
          <> {t('banner.staleSince', { time: relativeTime(lastEventAt, Math.max(now, lastEventAt), i18n.language) })}</>
        )}
      </p>
    </Banner>
  )
}

const TONE = {
  destructive: 'border-destructive-border bg-destructive-bg text-destructive',
  warning: 'border-warning-border bg-warning-bg text-warning',
} as const

interface BannerProps {
  testId: string
  tone: keyof typeof TONE
  Icon: LucideIcon
  className?: string
  children: ReactNode
}

/** A page-level status line: an icon beside what the operator should know. */
function Banner({ testId, tone, Icon, className, children }: BannerProps) {
  return (
    <section
      role="status"
      data-testid={testId}
      className={cn('flex gap-3 rounded-lg border p-4', TONE[tone], className)}
    >
      <Icon aria-hidden="true" className="mt-0.5 size-5 shrink-0" />
      {children}
    </section>
  )
}
