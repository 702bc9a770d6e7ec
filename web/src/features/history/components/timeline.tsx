/**
 * An instance's recent platform transitions, newest first, kept fresh by the event stream.
 * @module
 */
import { ArrowRight } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { StatusBadge } from '../../../components/status-badge'
import { dateTime } from '../../../lib/format'
import { useHistory } from '../api/use-history'

export function Timeline({ instanceId, labels }: { instanceId: string; labels: Record<string, string> }) {
  const { t, i18n } = useTranslation()
  const query = useHistory(instanceId)
  if (query.isPending) return <p className="text-sm text-muted-foreground">{t('detail.loading')}</p>
  if (query.isError) {
    return <p className="text-sm text-destructive">{t('detail.loadFailed', { reason: query.error.message })}</p>
  }
  const transitions = query.data.transitions.slice(0, 30)
  if (transitions.length === 0) return <p className="text-sm text-muted-foreground">{t('detail.noTransitions')}</p>
  return (
    <ol className="flex flex-col gap-2">
      {transitions.map((tr) => (
        <li key={`${tr.rev}/${tr.platform}`} className="flex flex-wrap items-center gap-2 text-sm">
          <time dateTime={tr.at} className="text-xs text-muted-foreground tabular-nums">
            {dateTime(Date.parse(tr.at), i18n.language)}
          </time>
          <span className="font-medium">{labels[tr.platform] ?? tr.platform}</span>
          {tr.from !== null && (
            <>
              <StatusBadge state={tr.from} />
              {/* Points the way the line reads: mirrored right-to-left. */}
              <ArrowRight aria-hidden="true" data-testid="transition-arrow" className="size-3.5 rtl:-scale-x-100" />
            </>
          )}
          <StatusBadge state={tr.to} />
        </li>
      ))}
    </ol>
  )
}
