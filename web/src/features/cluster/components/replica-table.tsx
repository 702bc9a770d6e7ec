/**
 * The replicas as a table: id (the one serving this tab marked), address, up since, last seen,
 * responding or not (icon and text), and the instances each holds, with their total.
 * @module
 */
import { CircleCheck, type LucideIcon, TriangleAlert } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { CELL, HEAD } from '../../../components/data-table'
import { Badge } from '../../../components/ui/badge'
import { cn } from '../../../lib/cn'
import { dateTime, relativeTime } from '../../../lib/format'
import type { ClusterSummary, ReplicaHealth, ReplicaRow } from '../model/replicas'

interface HealthView {
  Icon: LucideIcon
  labelKey: 'cluster.responding' | 'cluster.notResponding'
  className: string
}

const HEALTH_VIEW = {
  responding: { Icon: CircleCheck, labelKey: 'cluster.responding', className: 'text-success' },
  not_responding: { Icon: TriangleAlert, labelKey: 'cluster.notResponding', className: 'text-warning font-medium' },
} as const satisfies Record<ReplicaHealth, HealthView>

export function ReplicaTable({
  summary,
  now,
  labelledBy,
}: {
  summary: ClusterSummary
  now: number
  labelledBy: string
}) {
  const { t, i18n } = useTranslation()
  const count = new Intl.NumberFormat(i18n.language)
  return (
    <table aria-labelledby={labelledBy} className="w-full border-collapse text-sm">
      <thead>
        <tr className="border-b border-border">
          <th scope="col" className={HEAD}>
            {t('cluster.replica')}
          </th>
          <th scope="col" className={HEAD}>
            {t('cluster.address')}
          </th>
          <th scope="col" className={HEAD}>
            {t('cluster.started')}
          </th>
          <th scope="col" className={HEAD}>
            {t('cluster.lastSeen')}
          </th>
          <th scope="col" className={HEAD}>
            {t('cluster.status')}
          </th>
          <th scope="col" className={cn(HEAD, 'text-end')}>
            {t('cluster.instances')}
          </th>
        </tr>
      </thead>
      <tbody>
        {summary.rows.map((row) => (
          <ReplicaTableRow key={row.id} row={row} now={now} />
        ))}
      </tbody>
      <tfoot>
        <tr className="border-t border-border">
          <th scope="row" colSpan={5} className={cn(CELL, 'text-start font-medium')}>
            {t('cluster.total')}
          </th>
          <td data-testid="replica-total" className={cn(CELL, 'text-end font-medium tabular-nums')}>
            {count.format(summary.totalOwned)}
          </td>
        </tr>
      </tfoot>
    </table>
  )
}

function ReplicaTableRow({ row, now }: { row: ReplicaRow; now: number }) {
  const { t, i18n } = useTranslation()
  const health = HEALTH_VIEW[row.health]
  return (
    <tr
      data-testid="replica-row"
      data-replica={row.id}
      data-health={row.health}
      aria-current={row.isSelf ? 'true' : undefined}
      className={cn('border-b border-border last:border-b-0', row.isSelf && 'bg-muted/60')}
    >
      <th scope="row" className={cn(CELL, 'text-start font-normal')}>
        <span className="break-all font-mono text-xs">{row.id}</span>
        {row.isSelf && (
          <Badge variant="outline" className="ms-2">
            {t('cluster.thisReplica')}
          </Badge>
        )}
      </th>
      <td className={cn(CELL, 'whitespace-nowrap font-mono text-xs')}>{row.listen}</td>
      <td className={cn(CELL, 'whitespace-nowrap')}>
        <Moment at={row.startedAt} atMs={row.startedAtMs} now={now} language={i18n.language} />
      </td>
      <td className={cn(CELL, 'whitespace-nowrap')}>
        <Moment at={row.lastSeenAt} atMs={row.lastSeenAtMs} now={now} language={i18n.language} />
      </td>
      <td className={cn(CELL, 'whitespace-nowrap')}>
        <span data-testid="replica-health" className={cn('inline-flex items-center gap-1', health.className)}>
          <health.Icon aria-hidden="true" className="size-4 shrink-0" />
          {t(health.labelKey)}
        </span>
      </td>
      <td className={cn(CELL, 'text-end tabular-nums')}>{new Intl.NumberFormat(i18n.language).format(row.owned)}</td>
    </tr>
  )
}

/** "3 hours ago", with the exact time on hover; a time ahead of this browser's clock reads as now. */
function Moment({ at, atMs, now, language }: { at: string; atMs: number; now: number; language: string }) {
  return (
    <time dateTime={at} title={dateTime(atMs, language)}>
      {relativeTime(Math.min(atMs, now), now, language)}
    </time>
  )
}
