/**
 * "Live" or "Reconnecting…", with when the last update came. Live with most of the fleet failing
 * alike reads "Live — fleet incident", amber: the stream works, the fleet does not.
 * @module
 */
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { useNow } from '../../../hooks/use-now'
import { cn } from '../../../lib/cn'
import { relativeTime } from '../../../lib/format'
import { useInstances } from '../api/use-instances'
import { fleetIncident } from '../model/incident'
import { useLiveState } from './live-provider'

export function LiveIndicator() {
  const { t, i18n } = useTranslation()
  const live = useLiveState()
  const now = useNow()
  const instances = useInstances().data?.instances
  const incident = useMemo(() => (instances === undefined ? null : fleetIncident(instances)), [instances])
  const isLive = live.status === 'live'
  const calm = isLive && incident === null
  const label = isLive
    ? incident === null
      ? t('live.live')
      : t('live.liveIncident')
    : live.status === 'connecting'
      ? t('live.connecting')
      : t('live.reconnecting')
  const last =
    live.lastEventAt === null
      ? t('live.noEventYet')
      : t('live.lastEvent', { time: relativeTime(live.lastEventAt, Math.max(now, live.lastEventAt), i18n.language) })
  return (
    <div
      data-testid="live-indicator"
      data-live={isLive ? 'true' : 'false'}
      role="status"
      className="flex items-center gap-2 text-sm"
      title={last}
    >
      <span
        aria-hidden="true"
        className={cn(
          'size-2.5 rounded-full',
          calm ? 'bg-success-dot' : 'bg-warning-dot',
          !isLive && 'motion-safe:animate-pulse',
        )}
      />
      <span className="font-medium">{label}</span>
      <span className="hidden text-xs text-muted-foreground md:inline">{last}</span>
    </div>
  )
}
