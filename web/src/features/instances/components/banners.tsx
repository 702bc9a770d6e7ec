/**
 * Page-level banners: platforms that need an operator (failed, or retrying for hours) — never
 * for Disabled, which an operator chose — and the stale-view warning when live updates stop.
 * @module
 */
import { CloudOff, TriangleAlert } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { useNow } from '../../../hooks/use-now'
import { relativeTime } from '../../../lib/format'
import type { ActionNeeded } from '../model/fleet'

const SHOWN = 5

export function ActionBanner({ items }: { items: ActionNeeded[] }) {
  const { t } = useTranslation()
  if (items.length === 0) return null
  return (
    <section
      role="status"
      data-testid="action-banner"
      className="flex gap-3 rounded-lg border border-destructive-border bg-destructive-bg p-4 text-destructive"
    >
      <TriangleAlert aria-hidden="true" className="mt-0.5 size-5 shrink-0" />
      <div>
        <p className="font-semibold">{t('banner.actionNeeded', { count: items.length })}</p>
        <ul className="mt-1 list-disc ps-5 text-sm">
          {items.slice(0, SHOWN).map(({ instance, platform, kind }) => (
            <li key={`${instance.id}/${platform.platform}`}>
              {t(kind === 'fatal' ? 'banner.fatal' : 'banner.attention', {
                instance: instance.displayName,
                platform: platform.label ?? platform.platform,
              })}
            </li>
          ))}
          {items.length > SHOWN && <li>{t('banner.more', { count: items.length - SHOWN })}</li>}
        </ul>
      </div>
    </section>
  )
}

export function StaleBanner({ lastEventAt }: { lastEventAt: number | null }) {
  const { t, i18n } = useTranslation()
  const now = useNow()
  return (
    <section
      role="status"
      data-testid="stale-banner"
      className="flex items-start gap-3 rounded-lg border border-warning-border bg-warning-bg p-4 text-warning"
    >
      <CloudOff aria-hidden="true" className="mt-0.5 size-5 shrink-0" />
      <p className="text-sm">
        {t('banner.stale')}
        {lastEventAt !== null && (
          <> {t('banner.staleSince', { time: relativeTime(lastEventAt, Math.max(now, lastEventAt), i18n.language) })}</>
        )}
      </p>
    </section>
  )
}
