/**
 * The instance's relay switch (desired state) and the opt-out confirmation (docs/dashboard.md,
 * "The relay switch").
 * Turning it off asks first; Cancel or Esc leave it on and give focus back to it. Confirming keeps
 * the dialog open, with progress, until the server answers; a failure is shown, translated, with
 * a retry. Turning it on needs no confirmation. The switch only ever shows what the server says:
 * nothing here pretends an instance is out before it is.
 * @module
 */
import { isKeptIntentError } from '@relay-console/shared/api-error-codes'
import type { PendingIntent } from '@relay-console/shared/instance'
import { LoaderCircle } from 'lucide-react'
import { lazy, type MouseEvent, Suspense, useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '../../../components/ui/button'
import { Switch } from '../../../components/ui/switch'
import { errorCode, failureReason } from '../../../lib/api-errors'
import type { RelayAccess } from '../../../lib/relay-access'
import type { RelayRequestState } from '../model/relay-request'

export interface RelaySwitchProps {
  name: string
  optedIn: boolean
  pending: PendingIntent | null
  access: RelayAccess
  /** Resolves when the server accepted the change; rejects with an error carrying a `code`. */
  onSetRelay: (optedIn: boolean) => Promise<unknown>
}

// The dialog (and Radix's focus and layer machinery) loads on the first opt-out, not with the page.
const OptOutDialog = lazy(() => import('./opt-out-dialog').then((m) => ({ default: m.OptOutDialog })))

export function RelaySwitch({ name, optedIn, pending, access, onSetRelay }: RelaySwitchProps) {
  const { t } = useTranslation()
  const switchRef = useRef<HTMLButtonElement>(null)
  const errorId = useId()
  const reasonId = useId()
  const [dialogOpen, setDialogOpen] = useState(false)
  const [dialogLoaded, setDialogLoaded] = useState(false)
  const [optOut, setOptOut] = useState<RelayRequestState>({ kind: 'idle' })
  const [optIn, setOptIn] = useState<RelayRequestState>({ kind: 'idle' })

  const requestOptIn = async () => {
    setOptIn({ kind: 'working' })
    try {
      await onSetRelay(true)
      setOptIn({ kind: 'idle' })
    } catch (error) {
      setOptIn({ kind: 'failed', reason: failureReason(error, t), kept: isKeptIntentError(errorCode(error)) })
    }
  }

  const confirmOptOut = async (event: MouseEvent) => {
    event.preventDefault() // stay open until the request settles
    setOptOut({ kind: 'working' })
    try {
      await onSetRelay(false)
      setOptOut({ kind: 'idle' })
      setDialogOpen(false)
    } catch (error) {
      setOptOut({ kind: 'failed', reason: failureReason(error, t), kept: isKeptIntentError(errorCode(error)) })
    }
  }

  const working = optOut.kind === 'working'
  const pendingText =
    pending === 'opting_out'
      ? t('card.optingOut')
      : pending === 'opting_in' || optIn.kind === 'working'
        ? t('card.optingIn')
        : null

  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex items-center gap-2">
        {pendingText !== null && (
          <span className="inline-flex items-center gap-1 text-xs text-muted-foreground" role="status">
            <LoaderCircle aria-hidden="true" className="size-3.5 motion-safe:animate-spin" />
            {pendingText}
          </span>
        )}
        <span aria-hidden="true" className="text-sm text-muted-foreground">
          {t('card.relay')}
        </span>
        <Switch
          ref={switchRef}
          checked={optedIn}
          aria-label={t('card.relayFor', { name })}
          aria-describedby={access.kind === 'denied' ? reasonId : optIn.kind === 'failed' ? errorId : undefined}
          disabled={access.kind !== 'allowed'}
          // Busy, not disabled, while the opt-in runs: a disabled button drops focus to the page,
          // and a keyboard operator would lose their place.
          aria-disabled={optIn.kind === 'working' || undefined}
          onCheckedChange={(next) => {
            if (optIn.kind === 'working') return
            if (next) void requestOptIn()
            else {
              setOptOut({ kind: 'idle' })
              setDialogLoaded(true)
              setDialogOpen(true)
            }
          }}
        />
      </div>
      {access.kind === 'denied' && (
        <p id={reasonId} className="text-xs text-muted-foreground" data-testid="relay-read-only">
          {access.reason}
        </p>
      )}
      {optIn.kind === 'failed' && (
        <div className="flex items-center gap-2 text-xs text-destructive" role="alert" id={errorId}>
          <span>{t('card.optInFailed', { reason: optIn.reason })}</span>
          <Button variant="outline" size="sm" onClick={() => void requestOptIn()}>
            {t('card.retry')}
          </Button>
        </div>
      )}
      {dialogLoaded && (
        <Suspense fallback={null}>
          <OptOutDialog
            open={dialogOpen}
            name={name}
            request={optOut}
            onOpenChange={(open) => {
              if (!open && working) return
              setDialogOpen(open)
            }}
            onConfirm={(event) => void confirmOptOut(event)}
            onClosed={() => switchRef.current?.focus()}
          />
        </Suspense>
      )}
    </div>
  )
}
