/**
 * An instance: its name and gateway id, the relay switch, a one-line summary, one row per
 * platform, and (expanded) whatever detail the page puts under it.
 * @module
 */
import { assertNever } from '@relay-console/shared/assert-never'
import type { ClientInstance } from '@relay-console/shared/instance'
import type { TFunction } from 'i18next'
import { ChevronDown } from 'lucide-react'
import { memo, type ReactNode, useId } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '../../../components/ui/button'
import { cn } from '../../../lib/cn'
import { untilTime } from '../../../lib/format'
import type { RelayAccess } from '../../../lib/relay-access'
import { PlatformRow } from './platform-row'
import { RelaySwitch } from './relay-switch'

export interface PlatformsCardProps {
  instance: ClientInstance
  /** Stable across renders, so an unchanged card is not redrawn when others change. */
  onSetRelay: (id: string, optedIn: boolean) => Promise<unknown>
  /** Whether the operator may use the switch (stable while the role is unchanged). */
  relayAccess: RelayAccess
  expanded: boolean
  onToggleExpanded: (id: string) => void
  detail?: ReactNode
  /** Whether it is selected for a bulk action; undefined when this operator cannot select. */
  selected?: boolean
  /** Stable across renders, as onSetRelay. */
  onSelect?: (ids: readonly string[], selected: boolean) => void
}

/** Redrawn only when its instance (replaced whole on every change), or its detail, changes. */
export const PlatformsCard = memo(function PlatformsCard({
  instance,
  onSetRelay,
  relayAccess,
  expanded,
  onToggleExpanded,
  detail,
  selected,
  onSelect,
}: PlatformsCardProps) {
  const { t, i18n } = useTranslation()
  const titleId = useId()
  const detailId = useId()
  const connected = instance.platforms.filter((p) => p.state === 'connected').length
  const allDisabled = instance.platforms.length > 0 && instance.platforms.every((p) => p.state === 'disabled')
  const summary = allDisabled
    ? disabledSummary(instance, t, i18n.language)
    : t('card.connectedOf', { connected, count: instance.platforms.length })
  const source = allDisabled ? (instance.disabledBy?.source ?? null) : null

  return (
    <article
      aria-labelledby={titleId}
      data-instance-card={instance.id}
      tabIndex={-1}
      className="overflow-hidden rounded-lg border border-border bg-card shadow-xs focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
    >
      <header className="flex flex-wrap items-start justify-between gap-3 p-4">
        <div className="flex min-w-0 items-start gap-3">
          {selected !== undefined && onSelect !== undefined && (
            <input
              type="checkbox"
              className="mt-1 size-4 shrink-0 accent-primary"
              aria-label={t('bulk.select', { name: instance.displayName })}
              checked={selected}
              onChange={(event) => onSelect([instance.id], event.target.checked)}
            />
          )}
          <div className="min-w-0">
            <h3 id={titleId} className={cn('truncate text-base font-semibold', allDisabled && 'text-muted-foreground')}>
              {instance.displayName}
            </h3>
            <p className="truncate text-xs text-muted-foreground">
              <span className="sr-only">{t('card.gatewayId')}: </span>
              <span className="tabular-nums">{instance.gatewayId}</span>
            </p>
            <LabelChips labels={instance.labels} />
            <p
              className="mt-1 text-sm text-muted-foreground"
              {...(source === null ? {} : { 'data-testid': 'disabled-source', 'data-source': source })}
            >
              {summary}
            </p>
          </div>
        </div>
        <div className="flex flex-wrap items-start justify-end gap-2">
          <RelaySwitch
            name={instance.displayName}
            optedIn={instance.optedIn}
            pending={instance.pending}
            access={relayAccess}
            onSetRelay={(optedIn) => onSetRelay(instance.id, optedIn)}
          />
          <Button
            variant="ghost"
            size="sm"
            aria-expanded={expanded}
            aria-controls={expanded ? detailId : undefined}
            onClick={() => onToggleExpanded(instance.id)}
          >
            {expanded ? t('card.hideDetails') : t('card.showDetails')}
            {/* Each card's button is named for its instance: a list of identical names helps no one. */}
            <span className="sr-only"> ({instance.displayName})</span>
            <ChevronDown
              aria-hidden="true"
              className={cn('transition-transform motion-reduce:transition-none', expanded && 'rotate-180')}
            />
          </Button>
        </div>
      </header>
      <ul
        aria-label={t('card.platforms', { name: instance.displayName })}
        className="divide-y divide-border border-t border-border"
      >
        {instance.platforms.map((status) => (
          <PlatformRow key={status.platform} instanceId={instance.id} status={status} />
        ))}
      </ul>
      {expanded && (
        <div
          id={detailId}
          data-testid="instance-details"
          data-instance={instance.id}
          className="border-t border-border bg-muted/30 p-4"
        >
          {detail}
        </div>
      )}
    </article>
  )
})

/** The instance's labels as `key:value` chips, the form the search box takes. */
function LabelChips({ labels }: { labels: Readonly<Record<string, string>> | undefined }) {
  const { t } = useTranslation()
  const entries = Object.entries(labels ?? {})
  if (entries.length === 0) return null
  return (
    <ul aria-label={t('card.labels')} className="mt-1 flex flex-wrap gap-1" data-testid="instance-labels">
      {entries.map(([key, value]) => (
        <li key={key} className="rounded-sm border border-border px-1.5 text-xs leading-5">
          <span className="text-muted-foreground">{key}:</span>
          {value}
        </li>
      ))}
    </ul>
  )
}

/**
 * Where an all-Disabled card's state came from: an operator's choice (by name), the connector
 * (its secret refused or revoked outside this console: worth a look), or a maintenance window.
 * The badge stays the neutral Disabled either way.
 */
function disabledSummary(instance: ClientInstance, t: TFunction, language: string): string {
  const by = instance.disabledBy ?? null
  if (by === null) return t('card.optedOut')
  switch (by.source) {
    case 'operator':
      return t('card.optedOutBy', { actor: by.actor })
    case 'connector':
      return t('card.revokedByConnector')
    case 'maintenance':
      return by.until === undefined
        ? t('card.inMaintenance')
        : t('card.inMaintenanceUntil', { time: untilTime(Date.parse(by.until), Date.now(), language) })
    default:
      return assertNever(by.source)
  }
}
