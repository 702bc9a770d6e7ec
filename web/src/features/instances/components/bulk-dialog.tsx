/**
 * The bulk action's dialog, one phase at a time: the confirmation (the count and a sample of
 * names), progress (read from the live fleet), the result (every failure, and a retry), or the
 * request's own failure. Loaded on the first bulk action.
 * @module
 */
import { assertNever } from '@relay-console/shared/assert-never'
import type { ClientInstance } from '@relay-console/shared/instance'
import { useTranslation } from 'react-i18next'
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from '../../../components/ui/alert-dialog'
import { Button } from '../../../components/ui/button'
import { failureReason } from '../../../lib/api-errors'
import { type BulkPhase, reached } from '../model/bulk'

/** How many names the confirmation lists, and how many failures the result lists. */
const SAMPLE = 5
const FAILURES_LISTED = 50

interface BulkDialogProps {
  phase: Exclude<BulkPhase, { kind: 'closed' }>
  /** Every instance, live: names and progress. */
  byId: ReadonlyMap<string, ClientInstance>
  onStart: (ids: readonly string[], optedIn: boolean) => void
  onClose: () => void
}

export function BulkDialog(props: BulkDialogProps) {
  const { phase, onClose } = props
  return (
    <AlertDialog
      open
      onOpenChange={(open) => {
        // Not while the request runs: its outcome is what the operator is waiting for.
        if (!open && phase.kind !== 'running') onClose()
      }}
    >
      <AlertDialogContent data-testid="bulk-dialog" data-phase={phase.kind}>
        <BulkDialogBody {...props} />
      </AlertDialogContent>
    </AlertDialog>
  )
}

function BulkDialogBody({ phase, byId, onStart, onClose }: BulkDialogProps) {
  const { t } = useTranslation()
  const name = (id: string) => byId.get(id)?.displayName ?? id
  const count = phase.ids.length
  const verb = phase.optedIn ? 'In' : 'Out'
  switch (phase.kind) {
    case 'confirm': {
      const sample = phase.ids.slice(0, SAMPLE)
      return (
        <>
          <AlertDialogTitle>{t(`bulk.confirm${verb}Title`, { count })}</AlertDialogTitle>
          <AlertDialogDescription>{t(`bulk.confirm${verb}Body`, { count })}</AlertDialogDescription>
          <ul className="list-disc ps-6 text-sm" aria-label={t('bulk.sample')}>
            {sample.map((id) => (
              <li key={id}>{name(id)}</li>
            ))}
            {count > sample.length && (
              <li className="list-none text-muted-foreground">{t('bulk.andMore', { count: count - sample.length })}</li>
            )}
          </ul>
          <AlertDialogFooter>
            <AlertDialogCancel>{t('bulk.cancel')}</AlertDialogCancel>
            <Button
              variant={phase.optedIn ? 'primary' : 'destructive'}
              onClick={() => onStart(phase.ids, phase.optedIn)}
            >
              {t(`bulk.confirm${verb}Action`, { count })}
            </Button>
          </AlertDialogFooter>
        </>
      )
    }
    case 'running': {
      const done = phase.ids.filter((id) => reached(byId.get(id), phase.optedIn)).length
      return (
        <>
          <AlertDialogTitle>{t(`bulk.running${verb}`, { count })}</AlertDialogTitle>
          <AlertDialogDescription>{t('bulk.progress', { done, count })}</AlertDialogDescription>
          <div
            role="progressbar"
            aria-label={t(`bulk.running${verb}`, { count })}
            aria-valuemin={0}
            aria-valuemax={count}
            aria-valuenow={done}
            className="h-2 overflow-hidden rounded-full bg-muted"
          >
            <div className="h-full bg-primary transition-[width]" style={{ width: `${(100 * done) / count}%` }} />
          </div>
        </>
      )
    }
    case 'done': {
      const ok = phase.results.filter((r) => r.result === 'ok').length
      const pending = phase.results.filter((r) => r.result === 'pending').length
      const failed = phase.results.filter((r) => r.result === 'failed')
      return (
        <>
          <AlertDialogTitle>{t(`bulk.done${verb}`, { ok, count })}</AlertDialogTitle>
          <AlertDialogDescription className="sr-only">{t(`bulk.done${verb}`, { ok, count })}</AlertDialogDescription>
          <ul className="flex flex-col gap-1 text-sm" data-testid="bulk-summary">
            <li>{t('bulk.resultOk', { count: ok })}</li>
            {pending > 0 && <li>{t('bulk.resultPending', { count: pending })}</li>}
            {failed.length > 0 && (
              <li className="text-destructive">{t('bulk.resultFailed', { count: failed.length })}</li>
            )}
          </ul>
          {failed.length > 0 && (
            <ul
              aria-label={t('bulk.failures')}
              className="max-h-48 overflow-y-auto rounded-md border border-border p-2 text-sm"
            >
              {failed.slice(0, FAILURES_LISTED).map((r) => (
                <li key={r.id}>
                  <span className="font-medium">{name(r.id)}</span>
                  {': '}
                  {r.error === undefined ? t('apiErrors.unknown', { code: 'failed' }) : r.error.message}
                </li>
              ))}
              {failed.length > FAILURES_LISTED && (
                <li className="text-muted-foreground">
                  {t('bulk.andMore', { count: failed.length - FAILURES_LISTED })}
                </li>
              )}
            </ul>
          )}
          <AlertDialogFooter>
            <Button variant="outline" onClick={onClose}>
              {t('bulk.close')}
            </Button>
            {failed.length > 0 && (
              <Button
                onClick={() =>
                  onStart(
                    failed.map((r) => r.id),
                    phase.optedIn,
                  )
                }
              >
                {t('bulk.retryFailed', { count: failed.length })}
              </Button>
            )}
          </AlertDialogFooter>
        </>
      )
    }
    case 'error':
      return (
        <>
          <AlertDialogTitle>{t(`bulk.error${verb}`, { count })}</AlertDialogTitle>
          <AlertDialogDescription>{failureReason(phase.error, t)}</AlertDialogDescription>
          <AlertDialogFooter>
            <Button variant="outline" onClick={onClose}>
              {t('bulk.close')}
            </Button>
            <Button onClick={() => onStart(phase.ids, phase.optedIn)}>{t('bulk.tryAgain')}</Button>
          </AlertDialogFooter>
        </>
      )
    default:
      return assertNever(phase)
  }
}
