/**
 * An instance's card and details in a dialog, over the table view (Enter on a row, or a link to
 * `/instances/:id`). Loaded when first opened. Closing returns focus to where it was opened from.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import type { ReactNode } from 'react'
import { Dialog, DialogContent, DialogTitle } from '../../../components/ui/dialog'
import type { RelayAccess } from '../../../lib/relay-access'
import { PlatformsCard } from './platforms-card'

export function InstanceDialog({
  instance,
  onSetRelay,
  relayAccess,
  detail,
  onClose,
  onClosed,
}: {
  instance: ClientInstance
  onSetRelay: (id: string, optedIn: boolean) => Promise<unknown>
  relayAccess: RelayAccess
  detail: ReactNode
  onClose: () => void
  /** The dialog is gone: put focus back (it has no trigger of its own to return to). */
  onClosed: () => void
}) {
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent
        aria-describedby={undefined}
        onCloseAutoFocus={(event) => {
          event.preventDefault()
          onClosed()
        }}
      >
        <DialogTitle>{instance.displayName}</DialogTitle>
        <PlatformsCard
          instance={instance}
          onSetRelay={onSetRelay}
          relayAccess={relayAccess}
          expanded
          onToggleExpanded={onClose}
          detail={detail}
        />
      </DialogContent>
    </Dialog>
  )
}
