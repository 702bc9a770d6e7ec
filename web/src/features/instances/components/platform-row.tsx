/**
 * One platform of an instance: its bundled icon and the label from its descriptor, the status badge, the message
 * (muted, amber or red by state — never red for Disabled), the retry line, the needs-attention
 * flag, and when it last changed.
 * @module
 */
import type { ClientPlatformStatus } from '@relay-console/shared/instance'
import { TriangleAlert } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { PlatformIcon } from '../../../components/platform-icon'
import { StatusBadge } from '../../../components/status-badge'
import { type MessageTone, viewFor } from '../../../components/status-view'
import { useNow } from '../../../hooks/use-now'
import { cn } from '../../../lib/cn'
import { dateTime, relativeTime } from '../../../lib/format'
import { retryLine, statusMessage } from '../model/messages'

const TONE: Record<MessageTone, string> = {
  muted: 'text-muted-foreground',
  warning: 'text-warning',
  destructive: 'text-destructive',
}

export function PlatformRow({ instanceId, status }: { instanceId: string; status: ClientPlatformStatus }) {
  const { t, i18n } = useTranslation()
  const now = useNow()
  const view = viewFor(status.state)
  const message = statusMessage(status, t)
  const retry = retryLine(status, now, t, i18n.language)
  const changedAt = Date.parse(status.updatedAt)
  const technical =
    status.errorMessage !== null && (status.state === 'retrying' || status.state === 'fatal')
      ? status.errorMessage
      : null

  return (
    <li
      data-testid="platform-row"
      data-instance={instanceId}
      data-platform={status.platform}
      data-state={status.state}
      className={cn(
        'grid gap-1 px-4 py-3 sm:grid-cols-[minmax(8rem,14rem)_1fr]',
        status.state === 'disabled' && 'bg-muted/40',
      )}
    >
      <div className="flex min-w-0 items-center gap-2">
        <PlatformIcon platform={status.platform} emoji={status.emoji} className="text-muted-foreground" />
        <span className={cn('truncate font-medium', status.state === 'disabled' && 'text-muted-foreground')}>
          {status.label ?? status.platform}
        </span>
      </div>
      <div className="flex min-w-0 flex-col gap-1">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <StatusBadge state={status.state} />
          {status.needsAttention && (
            <span
              className="inline-flex items-center gap-1 text-xs font-medium text-warning"
              title={
                status.retryingSince === null
                  ? undefined
                  : t('platform.needsAttentionSince', {
                      time: dateTime(Date.parse(status.retryingSince), i18n.language),
                    })
              }
            >
              <TriangleAlert aria-hidden="true" className="size-3.5" />
              {t('platform.needsAttention')}
            </span>
          )}
          <time
            dateTime={status.updatedAt}
            title={Number.isNaN(changedAt) ? undefined : dateTime(changedAt, i18n.language)}
            className="text-xs text-muted-foreground"
          >
            {t('platform.changed', { time: relativeTime(changedAt, now, i18n.language) })}
          </time>
        </div>
        {message !== null && (
          <p data-testid="status-message" className={cn('text-sm', TONE[view.tone])}>
            {message}
          </p>
        )}
        {retry !== null && (
          <p data-testid="retry-line" className="text-xs text-muted-foreground tabular-nums">
            {retry}
          </p>
        )}
        {technical !== null && (
          <p className="break-words text-xs text-muted-foreground">{t('platform.technical', { message: technical })}</p>
        )}
      </div>
    </li>
  )
}
