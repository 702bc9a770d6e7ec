/**
 * Per state: how many instances have a platform in it (the big number: what pressing the tile
 * shows) and how many platforms are in it. Pressing filters the list; several pressed show
 * instances in any of those states.
 * @module
 */
import type { PlatformState } from '@relay-console/shared/platform-state'
import { TriangleAlert } from 'lucide-react'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { STATUS_VIEW } from '../../../components/status-view'
import { cn } from '../../../lib/cn'
import type { FleetCounts, StateCount, StateFilter, StateKey } from '../model/fleet'

const ORDER: PlatformState[] = ['fatal', 'retrying', 'connecting', 'connected', 'disabled']

const TONE: Record<string, string> = {
  success: 'text-success',
  warning: 'text-warning',
  destructive: 'text-destructive',
  outline: 'text-foreground',
}

export function StateSummary({
  counts,
  filter,
  onFilter,
}: {
  counts: FleetCounts
  filter: StateFilter
  onFilter: (filter: StateFilter) => void
}) {
  const { t } = useTranslation()
  // Each tile adds its state to the filter or takes it out: several at once show any of them.
  const item = (key: StateKey, label: string, count: StateCount, icon: ReactNode, tone: string) => (
    <li key={key}>
      <button
        type="button"
        aria-pressed={filter.includes(key)}
        aria-label={t('fleet.showOnly', {
          state: label,
          count: count.instances,
          platforms: t('fleet.tilePlatforms', { count: count.platforms }),
        })}
        onClick={() => onFilter(filter.includes(key) ? filter.filter((k) => k !== key) : [...filter, key])}
        className={cn(
          'flex min-w-28 flex-col items-start gap-1 rounded-md border border-border bg-card px-3 py-2 text-start transition-colors hover:bg-muted',
          'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring',
          filter.includes(key) && 'border-ring ring-1 ring-ring',
        )}
      >
        <span className={cn('inline-flex items-center gap-1 text-xs font-medium', tone)}>
          {icon}
          {label}
        </span>
        <span className="flex items-baseline gap-1.5">
          <span className="text-2xl font-semibold tabular-nums">{count.instances}</span>
          <span className="text-xs text-muted-foreground">{t('fleet.tileInstances', { count: count.instances })}</span>
        </span>
        <span className="text-xs text-muted-foreground tabular-nums">
          {t('fleet.tilePlatforms', { count: count.platforms })}
        </span>
      </button>
    </li>
  )
  return (
    <section aria-label={t('fleet.summary')} className="flex flex-wrap items-center gap-2">
      <ul className="flex flex-wrap gap-2">
        {ORDER.map((state) => {
          const view = STATUS_VIEW[state]
          return item(
            state,
            t(view.labelKey),
            counts.byState[state],
            <view.Icon aria-hidden="true" className="size-3.5" />,
            TONE[view.variant] ?? '',
          )
        })}
        {item(
          'attention',
          t('fleet.needsAttention'),
          counts.attention,
          <TriangleAlert aria-hidden="true" className="size-3.5" />,
          'text-warning',
        )}
      </ul>
      {filter.length > 0 && (
        <button
          type="button"
          onClick={() => onFilter([])}
          className="rounded-md px-2 py-1 text-sm underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-ring"
        >
          {t('fleet.showAll')}
        </button>
      )}
    </section>
  )
}
