/**
 * The opt-out confirmation: `role="alertdialog"`, titled "Opt {name} out of the relay?", the
 * consequence stated, Cancel focused first, and an "Opt out" action that shows progress and stays
 * until the request settles. Presentational: the switch owns the request.
 * @module
 */
import { LoaderCircle } from 'lucide-react'
import type { MouseEvent } from 'react'
import { useTranslation } from 'react-i18next'
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from '../../../components/ui/alert-dialog'
import type { RelayRequestState } from '../model/relay-request'

export interface OptOutDialogProps {
  open: boolean
  name: string
  request: RelayRequestState
  onOpenChange: (open: boolean) => void
  onConfirm: (event: MouseEvent) => void
  /** Where focus goes when it closes (the switch that opened it). */
  onClosed: () => void
}

export function OptOutDialog({ open, name, request, onOpenChange, onConfirm, onClosed }: OptOutDialogProps) {
  const { t } = useTranslation()
  const working = request.kind === 'working'
  const kept = request.kind === 'failed' && request.kept
  return (
    <AlertDialog open={open} onOpenChange={onOpenChange}>
      <AlertDialogContent
        onEscapeKeyDown={(event) => {
          if (working) event.preventDefault()
        }}
        onCloseAutoFocus={(event) => {
          // Opened without a Trigger, Radix would drop focus on <body>: give it back to the switch.
          event.preventDefault()
          onClosed()
        }}
      >
        <AlertDialogTitle>{t('optOut.title', { name })}</AlertDialogTitle>
        <AlertDialogDescription>{t('optOut.description')}</AlertDialogDescription>
        {request.kind === 'failed' && (
          <p role="alert" className="text-sm text-destructive">
            {t('optOut.failed', { reason: request.reason })}
          </p>
        )}
        {/* Kept: closing does not cancel anything, and trying again is only sooner. Say so. */}
        {kept && <p className="text-sm text-muted-foreground">{t('optOut.keptNote')}</p>}
        <AlertDialogFooter>
          <AlertDialogCancel disabled={working}>{kept ? t('optOut.close') : t('optOut.cancel')}</AlertDialogCancel>
          <AlertDialogAction onClick={onConfirm} disabled={working} aria-busy={working}>
            {working && <LoaderCircle aria-hidden="true" className="motion-safe:animate-spin" />}
            {working
              ? t('optOut.working')
              : request.kind === 'failed'
                ? kept
                  ? t('optOut.retryNow')
                  : t('optOut.retry')
                : t('optOut.confirm')}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  )
}
