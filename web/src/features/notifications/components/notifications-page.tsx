/**
 * Notifications (docs/notifications.md), for admins: the webhooks the config names (never their
 * URLs or secrets), a test event for each, and the delivery log: every event for every webhook,
 * and how its delivery stands.
 * @module
 */
import type { Delivery, DeliveryState, NotificationsInfo } from '@relay-console/shared/fleet-ops'
import { Send } from 'lucide-react'
import { useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { CELL, DataTable, LoadFailed, Loading } from '../../../components/data-table'
import { Page } from '../../../components/page'
import { Badge } from '../../../components/ui/badge'
import { Button } from '../../../components/ui/button'
import { useNow } from '../../../hooks/use-now'
import { failureReason } from '../../../lib/api-errors'
import { dateTime, relativeTime } from '../../../lib/format'
import { useDeliveries, useSendTest, useWebhooks } from '../api/use-notifications'

export function NotificationsPage({ onBack }: { onBack: () => void }) {
  const { t } = useTranslation()
  return (
    <Page
      title={t('notifications.title')}
      onBack={onBack}
      needs={{ role: 'admin', deniedText: t('notifications.adminsOnly'), deniedTestId: 'notifications-admins-only' }}
    >
      {() => <NotificationsLoaded />}
    </Page>
  )
}

function NotificationsLoaded() {
  const { t } = useTranslation()
  const webhooks = useWebhooks()
  const deliveries = useDeliveries()
  const send = useSendTest()
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null)
  const logId = useId()
  const sendTest = (webhook: string) => {
    setOutcome(null)
    send.mutate(webhook, {
      onSuccess: () => setOutcome({ ok: true, text: t('notifications.testQueued', { name: webhook }) }),
      onError: (error) =>
        setOutcome({ ok: false, text: t('notifications.testFailed', { reason: failureReason(error, t) }) }),
    })
  }
  if (webhooks.isPending) return <Loading />
  if (webhooks.isError) return <LoadFailed error={webhooks.error} />
  return (
    <>
      <p className="text-sm text-muted-foreground">{t('notifications.intro')}</p>
      <WebhookList info={webhooks.data} sending={send.isPending ? (send.variables ?? null) : null} onTest={sendTest} />
      <p
        role={outcome?.ok === false ? 'alert' : 'status'}
        className={outcome?.ok === false ? 'text-sm text-destructive' : 'text-sm'}
      >
        {outcome?.text}
      </p>
      <h3 id={logId} className="font-medium">
        {t('notifications.log')}
      </h3>
      {deliveries.isPending ? (
        <Loading />
      ) : deliveries.isError ? (
        <LoadFailed error={deliveries.error} />
      ) : (
        <DeliveryTable deliveries={deliveries.data.deliveries} labelledBy={logId} />
      )}
    </>
  )
}

export function WebhookList({
  info,
  sending,
  onTest,
}: {
  info: NotificationsInfo
  sending: string | null
  onTest: (webhook: string) => void
}) {
  const { t } = useTranslation()
  if (info.webhooks.length === 0) return <p className="text-sm">{t('notifications.none')}</p>
  return (
    <ul className="flex flex-col gap-2" aria-label={t('notifications.webhooks')}>
      {info.webhooks.map((w) => (
        <li
          key={w.name}
          className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-border bg-card p-3"
          data-testid="webhook"
        >
          <div className="min-w-0">
            <p className="font-medium">
              {w.name}{' '}
              <span className="text-xs font-normal text-muted-foreground">
                {t(`notifications.formats.${w.format}`)}
              </span>
            </p>
            <p className="text-xs break-words text-muted-foreground">{w.events.join(', ')}</p>
          </div>
          <Button
            variant="outline"
            size="sm"
            disabled={sending === w.name}
            aria-label={t('notifications.sendTestTo', { name: w.name })}
            onClick={() => onTest(w.name)}
          >
            <Send aria-hidden="true" className="size-4" />
            {t('notifications.sendTest')}
          </Button>
        </li>
      ))}
    </ul>
  )
}

const STATE_VARIANT: Record<DeliveryState, 'success' | 'warning' | 'destructive' | 'outline'> = {
  delivered: 'success',
  pending: 'warning',
  failed: 'destructive',
  debounced: 'outline',
  grouped: 'outline',
}

/** The delivery log, newest first: data in, nothing out. */
export function DeliveryTable({ deliveries, labelledBy }: { deliveries: readonly Delivery[]; labelledBy: string }) {
  const { t, i18n } = useTranslation()
  const now = useNow()
  if (deliveries.length === 0) return <p className="text-sm text-muted-foreground">{t('notifications.noDeliveries')}</p>
  return (
    <DataTable
      labelledBy={labelledBy}
      headings={[
        t('notifications.event'),
        t('notifications.webhook'),
        t('notifications.at'),
        t('notifications.outcome'),
      ]}
    >
      {deliveries.map((d) => (
        <tr key={d.id} className="border-b border-border last:border-0" data-testid="delivery-row" data-state={d.state}>
          <th scope="row" className={`${CELL} text-start font-medium`}>
            <span className="font-mono text-xs">{d.event}</span>
            {d.instanceId !== null && (
              <span className="block text-xs font-normal text-muted-foreground">
                {d.platform === null ? d.instanceId : `${d.instanceId} · ${d.platform}`}
              </span>
            )}
          </th>
          <td className={CELL}>{d.webhook}</td>
          <td className={CELL}>
            <time
              dateTime={d.createdAt}
              className="tabular-nums"
              title={dateTime(Date.parse(d.createdAt), i18n.language)}
            >
              {relativeTime(Date.parse(d.createdAt), now, i18n.language)}
            </time>
          </td>
          <td className={`${CELL} max-w-80`}>
            <Badge variant={STATE_VARIANT[d.state]}>{t(`notifications.states.${d.state}`)}</Badge>{' '}
            <span className="text-xs text-muted-foreground">
              {t('notifications.attempts', { count: d.attempts })}
              {d.state === 'pending' &&
                d.nextAttemptAt !== null &&
                ` · ${t('notifications.nextTry', { when: relativeTime(Date.parse(d.nextAttemptAt), now, i18n.language) })}`}
            </span>
            {d.lastError !== null && d.state !== 'delivered' && (
              <span className="block text-xs break-words text-destructive">{d.lastError}</span>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  )
}
