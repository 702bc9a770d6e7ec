/**
 * The header's entry for the console's replicas: "3 replicas" (and how many are not responding),
 * which opens a popover with the replica serving this tab and the table of all of them.
 * @module
 */
import type { ClusterResponse } from '@relay-console/shared/api'
import { Server, TriangleAlert, X } from 'lucide-react'
import { Popover } from 'radix-ui'
import { useId, useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '../../../components/ui/button'
import { useNow } from '../../../hooks/use-now'
import { relativeTime } from '../../../lib/format'
import { useCluster } from '../api/use-cluster'
import { type ClusterSummary, summariseCluster } from '../model/replicas'
import { ReplicaTable } from './replica-table'

const SCROLLER =
  'overflow-x-auto rounded-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring'

/**
 * The entry wired to the API. Nothing shows before the first answer, nor when there is none: the
 * header is no place for an error, and the fleet view says when the console cannot be reached.
 */
export function ClusterEntry() {
  const query = useCluster()
  if (query.data === undefined) return null
  return <ClusterPopover cluster={query.data} staleSince={query.isError ? query.dataUpdatedAt : null} />
}

export interface ClusterPopoverProps {
  cluster: ClusterResponse
  /** When the answer shown arrived, if asking again has failed since; else null. */
  staleSince: number | null
}

/** The entry itself: data in, nothing out. */
export function ClusterPopover({ cluster, staleSince }: ClusterPopoverProps) {
  const { t } = useTranslation()
  const titleId = useId()
  const summary = useMemo(() => summariseCluster(cluster), [cluster])
  return (
    <Popover.Root>
      <Popover.Trigger asChild>
        <Button variant="ghost" size="sm" data-testid="cluster-entry" className="text-muted-foreground">
          <Server aria-hidden="true" />
          <span className="text-foreground">{t('cluster.replicaCount', { count: summary.rows.length })}</span>
          {summary.notResponding > 0 && (
            <>
              {' '}
              <span className="inline-flex items-center gap-1 text-warning">
                <TriangleAlert aria-hidden="true" className="size-4 shrink-0" />
                {t('cluster.notRespondingCount', { count: summary.notResponding })}
              </span>
            </>
          )}
        </Button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content
          aria-labelledby={titleId}
          align="start"
          sideOffset={6}
          collisionPadding={16}
          className="z-50 w-max max-w-[calc(100vw-2rem)] rounded-lg border border-border bg-card p-4 text-foreground shadow-lg outline-none"
        >
          <ClusterDetails summary={summary} staleSince={staleSince} titleId={titleId} />
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  )
}

function ClusterDetails({
  summary,
  staleSince,
  titleId,
}: {
  summary: ClusterSummary
  staleSince: number | null
  titleId: string
}) {
  const { t, i18n } = useTranslation()
  const now = useNow()
  return (
    <div className="grid gap-3">
      <div className="flex items-start justify-between gap-4">
        <div className="grid gap-1">
          <h2 id={titleId} className="text-base font-semibold">
            {t('cluster.title')}
          </h2>
          <p className="text-sm text-muted-foreground">{t('cluster.connectedTo', { id: summary.self })}</p>
        </div>
        <Popover.Close asChild>
          <Button variant="ghost" size="icon" className="size-8" aria-label={t('cluster.close')}>
            <X aria-hidden="true" />
          </Button>
        </Popover.Close>
      </div>
      {staleSince !== null && (
        <p data-testid="cluster-stale" className="flex items-center gap-2 text-sm text-warning">
          <TriangleAlert aria-hidden="true" className="size-4 shrink-0" />
          {t('cluster.notRefreshed', { time: relativeTime(Math.min(staleSince, now), now, i18n.language) })}
        </p>
      )}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: on a phone the table scrolls sideways, and the keyboard scrolls only what has focus */}
      <section aria-labelledby={titleId} tabIndex={0} className={SCROLLER}>
        <ReplicaTable summary={summary} now={now} labelledBy={titleId} />
      </section>
    </div>
  )
}
