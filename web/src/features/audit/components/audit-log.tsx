/**
 * Who did what to an instance's relay, and how it went.
 * @module
 */
import type { AuditEntry } from '@relay-console/shared/api'
import { useTranslation } from 'react-i18next'
import { cn } from '../../../lib/cn'
import { dateTime } from '../../../lib/format'
import { useAudit } from '../api/use-audit'

/** Actors the console names itself (translated); any other actor is an operator's name, shown as it is. */
const SYSTEM_ACTORS = new Set(['operator', 'api', 'console', 'connector'])

const RESULT_TONE: Record<AuditEntry['result'], string> = {
  ok: 'text-success',
  pending: 'text-warning',
  failed: 'text-destructive',
}

export function AuditLog({ instanceId }: { instanceId: string }) {
  const { t, i18n } = useTranslation()
  const query = useAudit(instanceId)
  if (query.isPending) return <p className="text-sm text-muted-foreground">{t('detail.loading')}</p>
  if (query.isError) {
    return <p className="text-sm text-destructive">{t('detail.loadFailed', { reason: query.error.message })}</p>
  }
  if (query.data.entries.length === 0) return <p className="text-sm text-muted-foreground">{t('detail.noAudit')}</p>
  return (
    <ol className="flex flex-col gap-2">
      {query.data.entries.slice(0, 20).map((entry) => (
        <li key={`${entry.at}/${entry.action}/${entry.result}/${entry.actor}`} className="text-sm">
          <time dateTime={entry.at} className="me-2 text-xs text-muted-foreground tabular-nums">
            {dateTime(Date.parse(entry.at), i18n.language)}
          </time>
          <span>
            {t('detail.auditLine', {
              action: t(`detail.actions.${entry.action}`),
              actor: SYSTEM_ACTORS.has(entry.actor)
                ? t(`detail.actors.${entry.actor}` as 'detail.actors.operator')
                : entry.actor,
            })}
          </span>
          <span className={cn('ms-1 font-medium', RESULT_TONE[entry.result])}>
            {t(`detail.results.${entry.result}`)}
          </span>
          {entry.detail !== null && <p className="ms-0 text-xs break-words text-muted-foreground">{entry.detail}</p>}
        </li>
      ))}
    </ol>
  )
}
