/**
 * The admins' page of everyone signed in (docs/operators.md, "Sessions"): who, their role, how they
 * signed in, since when, last seen, from where; and revoking one. A revoked session is signed out
 * on its next request, on every replica. Non-admins are told the page is not theirs.
 * @module
 */
import type { SessionListEntry } from '@relay-console/shared/api'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { CELL, DataTable, LoadFailed, Loading } from '../../../components/data-table'
import { Page } from '../../../components/page'
import { Button } from '../../../components/ui/button'
import { useNow } from '../../../hooks/use-now'
import { failureReason } from '../../../lib/api-errors'
import { dateTime, relativeTime } from '../../../lib/format'
import { useRevokeSession, useSessions } from '../api/use-sessions'

export function SessionsPage({ onBack }: { onBack: () => void }) {
  const { t } = useTranslation()
  return (
    <Page
      title={t('sessions.title')}
      onBack={onBack}
      needs={{ role: 'admin', deniedText: t('sessions.adminsOnly'), deniedTestId: 'sessions-admins-only' }}
    >
      {(titleId) => <SessionsLoaded titleId={titleId} />}
    </Page>
  )
}

function SessionsLoaded({ titleId }: { titleId: string }) {
  const { t } = useTranslation()
  const query = useSessions()
  const revoke = useRevokeSession()
  const [failure, setFailure] = useState<string | null>(null)
  if (query.isPending) return <Loading />
  if (query.isError) return <LoadFailed error={query.error} />
  return (
    <>
      <p className="text-sm text-muted-foreground">{t('sessions.intro')}</p>
      {failure !== null && (
        <p role="alert" className="text-sm text-destructive">
          {t('sessions.revokeFailed', { reason: failure })}
        </p>
      )}
      <SessionTable
        sessions={query.data.sessions}
        labelledBy={titleId}
        revoking={revoke.isPending ? revoke.variables : null}
        onRevoke={(id) => {
          setFailure(null)
          revoke.mutate(id, { onError: (error) => setFailure(failureReason(error, t)) })
        }}
      />
    </>
  )
}

export interface SessionTableProps {
  sessions: readonly SessionListEntry[]
  labelledBy: string
  /** The session being revoked, if any. */
  revoking: string | null
  onRevoke: (id: string) => void
}

/** The table itself: data in, revocations out. */
export function SessionTable({ sessions, labelledBy, revoking, onRevoke }: SessionTableProps) {
  const { t, i18n } = useTranslation()
  const now = useNow()
  if (sessions.length === 0) return <p className="text-sm text-muted-foreground">{t('sessions.none')}</p>
  return (
    <DataTable
      labelledBy={labelledBy}
      headings={[
        t('sessions.operator'),
        t('sessions.via'),
        t('sessions.since'),
        t('sessions.lastSeen'),
        t('sessions.from'),
      ]}
      actions={t('sessions.actions')}
    >
      {sessions.map((session) => {
        const from = session.clientAddress ?? t('sessions.unknownAddress')
        return (
          <tr key={session.id} className="border-b border-border last:border-0" data-testid="session-row">
            <th scope="row" className={`${CELL} text-start font-medium`}>
              {session.operator.name}{' '}
              <span className="text-xs font-normal text-muted-foreground">{t(`roles.${session.operator.role}`)}</span>
              {session.current && (
                <>
                  {' '}
                  <span className="text-xs font-normal text-muted-foreground">{t('sessions.current')}</span>
                </>
              )}
            </th>
            <td className={CELL}>{t(`sessions.viaKinds.${session.via}`)}</td>
            <td className={CELL}>
              <time dateTime={session.createdAt} className="tabular-nums">
                {dateTime(Date.parse(session.createdAt), i18n.language)}
              </time>
            </td>
            <td className={CELL}>
              <time dateTime={session.lastSeenAt} className="tabular-nums">
                {relativeTime(Date.parse(session.lastSeenAt), now, i18n.language)}
              </time>
            </td>
            <td className={`${CELL} max-w-64`}>
              <span className="tabular-nums">{from}</span>
              {session.userAgent !== null && (
                <span className="block truncate text-xs text-muted-foreground" title={session.userAgent}>
                  {session.userAgent}
                </span>
              )}
            </td>
            <td className={`${CELL} text-end`}>
              <Button
                variant="outline"
                size="sm"
                disabled={revoking === session.id}
                aria-label={t('sessions.revokeLabel', { name: session.operator.name, from })}
                onClick={() => onRevoke(session.id)}
              >
                {t('sessions.revoke')}
              </Button>
            </td>
          </tr>
        )
      })}
    </DataTable>
  )
}
